"""Tools of the concurrency and fault tests: real processes, real sockets, a small load client.

Headway runs here as it does in production: gunicorn or ``headway worker`` in their own processes,
against a PostgreSQL database of their own (created, migrated and seeded by a script in another
process), talked to over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Any, *, timeout: float, what: str, every: float = 0.1) -> Any:
    """Poll ``check`` (another process's doing) until it returns something true, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# --- PostgreSQL -------------------------------------------------------------------------------


def database_url(name: str) -> str:
    """The ``DATABASE_URL`` of the test run, naming the database ``name`` instead."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_url() -> str:
    return database_url("postgres").replace("postgres://", "postgresql://", 1)


def recreate_database(name: str) -> str:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows read on a connection of the test's own, outside Django."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return list(conn.execute(sql, params).fetchall())


def postgres_version() -> str:
    return sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]


def postgres_ready() -> bool:
    done = subprocess.run(
        ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"],  # noqa: S607 - the cluster's tool
        check=False,
    )
    return done.returncode == 0


def restart_postgres() -> None:
    """Restart the local cluster (every connection to it breaks) and wait until it is back."""
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the cluster's own tool
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            postgres_version(),
            "main",
            "restart",
            "--mode",
            "fast",
        ],
        check=True,
        capture_output=True,
    )
    wait_for(postgres_ready, timeout=60, what="PostgreSQL to accept connections again")


# --- Headway in other processes ---------------------------------------------------------------


def headway_env(db_url: str | None, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a Headway process: PostgreSQL at ``db_url``, or SQLite in ``data_dir``."""
    env = {**os.environ, "HEADWAY_DATA_DIR": str(data_dir), **extra}
    env.pop("DATABASE_URL", None)
    if db_url:
        env["DATABASE_URL"] = db_url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["DJANGO_SETTINGS_MODULE"] = "headway.settings"
    for name in ("HUEY_REDIS_URL", "HUEY_IMMEDIATE", "DEBUG"):
        env.pop(name, None)
    env["HEADWAY_WEBHOOK_HOSTS"] = "*,127.0.0.1"  # the receivers run on this machine
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "headway", "migrate"], env=env, check=True, capture_output=True
    )


SCRIPT_HEAD = """
import os, django
django.setup()
"""


def run_script(code: str, env: dict[str, str]) -> Any:
    """Run Django code in another process; it prints one JSON line last, returned decoded."""
    done = subprocess.run(  # noqa: S603 - the scripts are the tests' own
        [sys.executable, "-c", SCRIPT_HEAD + code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Server:
    """A gunicorn serving Headway on 127.0.0.1 with its own PostgreSQL database."""

    process: subprocess.Popen[str]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def gunicorn(
    env: dict[str, str], token: str, *, workers: int = 2, threads: int = 4
) -> Iterator[Server]:
    port = free_port()
    log = Path(env["HEADWAY_DATA_DIR"]) / "gunicorn.log"
    argv = [
        sys.executable, "-m", "gunicorn", "headway.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "60",
    ]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(  # noqa: S603 - this interpreter and fixed arguments
            argv, env=env, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
    server = Server(process, port, log)
    try:

        def answers() -> bool:
            assert process.poll() is None, server.output()
            try:
                status, _ = request(port, "GET", "/api/v1/kpis", token=token, timeout=5)
            except OSError:
                return False
            return status == 200

        wait_for(answers, timeout=60, what="gunicorn to answer")
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The worker with its clock moved on: ``headway worker`` execs into huey's consumer, so the shift
# is made here, in the process that then runs the consumer itself.
_SHIFTED_WORKER = """
import datetime as dt, sys, time_machine
time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds={seconds}), tick=True).start()
from django.core.management import execute_from_command_line
execute_from_command_line(["headway", "run_huey", "--workers", "1"])
"""


def start_worker(
    env: dict[str, str], log: Path, *, periodic: bool, clock_ahead: dt.timedelta | None = None
) -> subprocess.Popen[str]:
    """``headway worker`` with one thread; ``clock_ahead`` runs it (periodic jobs on) later."""
    if clock_ahead is not None:
        argv = [sys.executable, "-c", _SHIFTED_WORKER.format(seconds=clock_ahead.total_seconds())]
    else:
        argv = [
            sys.executable, "-m", "headway", "worker", "--workers", "1",
            "--periodic" if periodic else "--no-periodic",
        ]  # fmt: skip
    with log.open("a") as sink:
        return subprocess.Popen(  # noqa: S603 - this interpreter and fixed arguments
            argv,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the load client --------------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    *,
    token: str,
    body: Any = None,
    timeout: float = 15,
) -> tuple[int, Any]:
    """One HTTP request on a fresh connection: (status, JSON answer or raw text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, raw


@dataclass
class Outcome:
    """What one request of a load run got back."""

    kind: str  # "checkin" or "measurement"
    sent: Any
    started: float  # time.monotonic() when it was sent
    seconds: float
    status: int | None = None  # None: no HTTP answer at all
    answer: Any = None
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Load:
    """Threads that post check-ins and measurements until stopped, recording every outcome."""

    port: int
    token: str
    kr_id: int
    kpi_id: int
    threads: int = 4
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: int = 0

    def _next(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _one(self) -> None:
        n = self._next()
        if n % 2:
            kind, path = "checkin", f"/api/v1/key-results/{self.kr_id}/check-ins"
            sent: Any = {"value": n, "confidence": 5, "note": f"load {n}"}
        else:
            kind, path = "measurement", f"/api/v1/kpis/{self.kpi_id}/measurements"
            # Each measurement request owns one day, counted from 2000-01-01: n identifies it.
            day = (dt.date(2000, 1, 1) + dt.timedelta(days=n)).isoformat()
            sent = {"measurements": [{"period": day, "value": n, "note": f"load {n}"}]}
        started = time.monotonic()
        outcome = Outcome(kind, sent, started, 0.0)
        try:
            outcome.status, outcome.answer = request(
                self.port, "POST", path, token=self.token, body=sent, timeout=20
            )
        except (OSError, http.client.HTTPException) as exc:
            outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.monotonic() - started
        with self._lock:
            self.outcomes.append(outcome)
        if not outcome.acknowledged:
            time.sleep(0.05)  # a client backs off a little when the server is in trouble

    def _run(self) -> None:
        while not self._stop.is_set():
            self._one()

    @contextmanager
    def running(self) -> Iterator[Load]:
        workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        try:
            yield self
        finally:
            self._stop.set()
            for worker in workers:
                worker.join(timeout=60)

    def since(self, moment: float) -> list[Outcome]:
        with self._lock:
            return [o for o in self.outcomes if o.started >= moment]


# --- a webhook receiver that can be down ------------------------------------------------------


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Hook:
    """An HTTP receiver on a fixed 127.0.0.1 port, started and stopped at will.

    While stopped nothing listens on the port: a sender's connection is refused. ``delay`` holds
    each answer back that long after the request was read in full (a slow receiver).
    """

    port: int = field(default_factory=free_port)
    delay: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _received: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                hook.hits.append(Hit(dict(self.headers.items()), body))
                hook._received.set()
                if hook.delay:
                    time.sleep(hook.delay)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def wait_for_hit(self, timeout: float) -> None:
        assert self._received.wait(timeout), f"no request reached the receiver in {timeout} s"
