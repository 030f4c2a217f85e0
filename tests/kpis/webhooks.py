"""A real webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread.

It answers with the statuses it is given, in turn (then 200), and checks each request's
signature the way a receiver should: HMAC-SHA256 of ``timestamp + "." + raw body`` under the
channel's secret, compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the receiver answered
    verified: bool  # the signature matched the secret

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def timestamp(self) -> int:
        return int(self.headers["X-Headway-Timestamp"])


@dataclass
class Receiver:
    url: str
    secret: str = ""
    statuses: deque[int] = field(default_factory=deque)
    requests: list[Received] = field(default_factory=list)

    def verify(self, timestamp: str, body: bytes, header: str) -> bool:
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        return hmac.compare_digest(f"sha256={expected.hexdigest()}", header)

    @property
    def events(self) -> list[str]:
        return [r.json["headway"]["event"] for r in self.requests]


@contextmanager
def receiver(*statuses: int, secret: str = "") -> Iterator[Receiver]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = dict(self.headers.items())
            with lock:
                status = state.statuses.popleft() if state.statuses else 200
                verified = state.verify(
                    headers.get("X-Headway-Timestamp", ""),
                    body,
                    headers.get("X-Headway-Signature", ""),
                )
                state.requests.append(Received(self.path, headers, body, status, verified))
            answer = b"ok" if status < 400 else b"receiver says no"
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook", secret, deque(statuses))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
