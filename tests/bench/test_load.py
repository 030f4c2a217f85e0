"""The load test's pieces (bench/load.py): the floor view, the signed-in pool, CSV, report."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.test import Client

from bench import load
from headway.okrs.models import CheckIn
from tests.conftest import NOW
from tests.factories import World, make_kr, make_objective

STATS_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


@pytest.mark.urls("bench.floor_urls")
def test_floor_needs_a_sign_in_and_answers_two_bytes(world: World, client: Client) -> None:
    assert client.get("/bench/floor").status_code == 302
    client.force_login(world.mo.user)
    response = client.get("/bench/floor")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_app_itself_has_no_floor(world: World, client: Client) -> None:
    client.force_login(world.mo.user)
    assert client.get("/bench/floor").status_code == 404


@time_machine.travel(NOW, tick=False)
def test_pool_signs_in_owners_of_current_key_results(world: World) -> None:
    objective = make_objective(world.cycle, world.growth)
    kr = make_kr(objective, owner=world.mo)
    make_kr(objective, owner=world.lena)
    make_kr(objective, owner=world.vic)  # a viewer may not check in: never in the pool
    make_kr(make_objective(world.other_cycle, world.other_team), owner=world.oscar)

    pool = load.make_pool("acme", 50)

    assert [p["username"] for p in pool["people"]] == ["lena", "mo"]  # a lead, a member
    mo = pool["people"][1]
    assert mo["key_results"] == [{"id": kr.pk, "start": 32.0, "target": 55.0}]
    assert mo["objectives"] == [objective.pk] and mo["team"] == world.growth.pk
    assert pool["cycle"] == world.cycle.pk
    # The session opens the pages; the token checks in, as the locust users do.
    browser = Client()
    browser.cookies[pool["session_cookie"]] = mo["session"]
    assert browser.get(f"/objectives/{objective.pk}/").status_code == 200
    api = Client(headers={"Authorization": f"Bearer {mo['token']}"})
    answer = api.post(
        f"/api/v1/key-results/{kr.pk}/check-ins",
        {"value": 40, "confidence": 6},
        content_type="application/json",
    )
    assert answer.status_code == 201
    assert CheckIn.objects.filter(key_result=kr).count() == 1
    # A second run (one person: the lead) revokes the first run's tokens.
    assert [p["username"] for p in load.make_pool("acme", 1)["people"]] == ["lena"]
    assert api.get("/api/v1/key-results").status_code == 401


def _stats(tmp_path: Path, failures: int) -> Path:
    prefix = tmp_path / "run"
    rows = [
        f"GET,/okrs/,10,{failures},120,130,20,400,25000,5.0,0.0,"
        "120,130,140,150,200,300,350,390,400,400,400\n",
        f",Aggregated,10,{failures},120,130,20,400,25000,5.0,0.0,"
        "120,130,140,150,200,300,350,390,400,400,400\n",
    ]
    Path(f"{prefix}_stats.csv").write_text(STATS_HEADER + "".join(rows))
    errors = "Method,Name,Error,Occurrences\n"
    if failures:
        errors += f"GET,/okrs/,HTTP 502,{failures}\n"
    Path(f"{prefix}_failures.csv").write_text(errors)
    return prefix


def test_read_stats_and_report(tmp_path: Path) -> None:
    real = load.read_stats(_stats(tmp_path, failures=2))
    assert real["total"] == {
        "method": "",
        "requests": 10,
        "failures": 2,
        "rps": 5.0,
        "p50_ms": 120.0,
        "p95_ms": 300.0,
        "p99_ms": 390.0,
        "max_ms": 400,
        "bytes": 25000,
    }
    assert list(real["endpoints"]) == ["/okrs/"]
    assert real["failures"] == [{"name": "/okrs/", "error": "HTTP 502", "count": 2}]
    floor = {"total": {**real["total"], "rps": 8.0, "failures": 0}, "endpoints": {}, "failures": []}
    result = {
        "when": "now", "users": 50, "duration": "2m", "workers": 5, "cores": 2, "org": "bench",
        "pool": 50, "cycle": "2026-Q4", "real": real, "floor": floor, "ratio": 0.625, "met": False,
    }  # fmt: skip
    report = load.write_report(result)
    assert "62.5% of the floor's" in report and "**not met**" in report
    assert "| /okrs/ | HTTP 502 | 2 |" in report
