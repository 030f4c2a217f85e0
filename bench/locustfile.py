"""The load test's simulated people (locust), started by ``python -m bench.load``.

Each user is one real person of the big organization, signed in up front by ``bench.load``: a
session cookie for the pages and a write token for the API, read from the file named by
``HEADWAY_LOAD_POOL`` with the key results of the current cycle they own.

``HEADWAY_LOAD_MIX=real`` (the default): 80% reads spread over the home page, the board, one
team of the board (the htmx fragment), an objective, a KPI and the API lists; 20% check-ins
through ``POST /api/v1/key-results/{id}/check-ins`` on their own key results.
``HEADWAY_LOAD_MIX=floor``: every request is ``GET /bench/floor``, the trivial authenticated view.

No wait between requests: each user is a closed loop, so throughput is what the server gives.
Any answer but a 2xx (a redirect too) counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, task

POOL: dict[str, Any] = json.loads(Path(os.environ["HEADWAY_LOAD_POOL"]).read_text())
MIX = os.environ.get("HEADWAY_LOAD_MIX", "real")
_seats = itertools.count()


class Person(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        people = POOL["people"]
        self.me: dict[str, Any] = people[next(_seats) % len(people)]
        self.client.cookies.set(POOL["session_cookie"], self.me["session"])
        self.api = {"Authorization": f"Bearer {self.me['token']}"}
        self.rng = random.Random(self.me["username"])  # noqa: S311 - load, not secrets

    def _get(self, url: str, name: str, headers: dict[str, str] | None = None) -> None:
        with self.client.get(
            url, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()

    if MIX == "floor":

        @task
        def floor(self) -> None:
            self._get("/bench/floor", "/bench/floor")

    else:

        @task(10)
        def home(self) -> None:
            self._get("/", "/")

        @task(10)
        def board(self) -> None:
            self._get("/okrs/", "/okrs/")

        @task(15)
        def board_team(self) -> None:
            url = f"/okrs/cycle/{POOL['cycle']}/team/{self.me['team']}/"
            hx = {"HX-Request": "true"}
            self._get(url, "/okrs/cycle/[id]/team/[id]/ (htmx)", hx)

        @task(15)
        def objective(self) -> None:
            objective = self.rng.choice(self.me["objectives"])
            self._get(f"/objectives/{objective}/", "/objectives/[id]/")

        @task(10)
        def kpi(self) -> None:
            self._get(f"/kpis/{self.rng.choice(POOL['kpis'])}/", "/kpis/[id]/")

        @task(5)
        def api_key_results(self) -> None:
            self._get("/api/v1/key-results", "/api/v1/key-results", self.api)

        @task(5)
        def api_objectives(self) -> None:
            self._get("/api/v1/objectives", "/api/v1/objectives", self.api)

        @task(5)
        def api_kpis(self) -> None:
            self._get("/api/v1/kpis", "/api/v1/kpis", self.api)

        @task(5)
        def api_checkins(self) -> None:
            self._get("/api/v1/check-ins", "/api/v1/check-ins", self.api)

        @task(20)
        def check_in(self) -> None:
            kr = self.rng.choice(self.me["key_results"])
            value = round(kr["start"] + (kr["target"] - kr["start"]) * self.rng.random(), 2)
            body = {"value": value, "confidence": self.rng.randint(3, 9), "note": "load test"}
            with self.client.post(
                f"/api/v1/key-results/{kr['id']}/check-ins",
                json=body,
                headers=self.api,
                name="/api/v1/key-results/[id]/check-ins",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if not 200 <= response.status_code < 300:
                    response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                else:
                    response.success()
