"""Cycle life, grading and scores through the API: errors name the field, others' ids are 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.okrs.choices import CycleState
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.factories import World, make_kr, make_objective


def put(api: Any, path: str, body: Any) -> Any:
    # The shared test client has no PUT; the same call with the same token.
    return api.client.put(
        f"/api/v1{path}",
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.secret}",
    )


def fields(response: Any) -> dict[str, str]:
    return {d["loc"][-1]: d["msg"] for d in response.json()["detail"]}


@pytest.fixture
def growth(world: World) -> tuple[Objective, KeyResult, KeyResult]:
    objective = make_objective(world.cycle, team=world.growth, title="Increase user engagement")
    retention = make_kr(objective, "1-month retention from 20% to 40%", "20", "40", owner=world.mo)
    minutes = make_kr(objective, "Time in the app from 15 to 30 minutes", "15", "30")
    KeyResult.objects.filter(pk=retention.pk).update(progress=0.5)
    KeyResult.objects.filter(pk=minutes.pk).update(progress=0.8)
    return objective, retention, minutes


def test_a_cycle_moves_on_one_step_at_a_time(world: World, api_as) -> None:
    alice = api_as(world.alice)
    path = f"/cycles/{world.cycle.pk}/transition"

    skipped = alice.post(path, {"to": "closed"})
    assert skipped.status_code == 422
    assert fields(skipped) == {
        "state": "an active cycle can only move on to grading, one step at a time"
    }
    missing = alice.post(path, {})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"][-1] == "to"

    moved = alice.post(path, {"to": "grading"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["state"] == "grading"
    assert api_as(world.lena).post(path, {"to": "closed"}).status_code == 403
    assert api_as(world.alice, scope="read").post(path, {"to": "closed"}).status_code == 403
    assert api_as(world.oscar).post(path, {"to": "closed"}).status_code == 404
    assert Cycle.objects.get(pk=world.cycle.pk).state == CycleState.GRADING


def test_reopening_needs_an_admin_and_a_reason(world: World, api_as) -> None:
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.CLOSED)
    path = f"/cycles/{world.cycle.pk}/reopen"

    blank = api_as(world.alice).post(path, {"reason": ""})
    assert (blank.status_code, fields(blank)) == (422, {"reason": "is required"})
    assert api_as(world.lena).post(path, {"reason": "mine"}).status_code == 403
    assert api_as(world.oscar).post(path, {"reason": "mine"}).status_code == 404

    done = api_as(world.alice).post(path, {"reason": "A deal closed on the last day"})
    assert (done.status_code, done.json()["state"]) == (200, "grading")
    event = AuditEvent.objects.get(action="cycle.reopen")
    assert (event.before, event.after) == (
        {"state": "closed"},
        {"state": "grading", "reason": "A deal closed on the last day"},
    )


def test_grading_a_key_result(world: World, growth, api_as) -> None:
    _, retention, _ = growth
    path = f"/key-results/{retention.pk}/grade"
    mo = api_as(world.mo)

    early = put(mo, path, {"score": 0.5})
    assert early.status_code == 422
    assert fields(early)["score"].startswith("the cycle is not in grading (it is active)")

    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.GRADING)
    off_grid = put(mo, path, {"score": 0.55})
    assert (off_grid.status_code, fields(off_grid)) == (
        422,
        {"score": "must be a number from 0.0 to 1.0 in steps of 0.1, got 0.55"},
    )
    text = put(mo, path, {"score": "lots"})
    assert text.status_code == 422 and "score" in fields(text)
    no_reason = put(mo, path, {"score": 0.9})
    assert fields(no_reason) == {
        "reason": "say why the score differs from the default 0.5 (the final progress)"
    }

    graded = put(mo, path, {"score": 0.9, "reason": "The cohort of March was not counted"})
    assert graded.status_code == 200, graded.json()
    body = graded.json()
    assert {k: body[k] for k in ("score", "default_score", "graded_by_id")} == {
        "score": 0.9,
        "default_score": 0.5,
        "graded_by_id": world.mo.pk,
    }
    assert body["objective_score"] == pytest.approx(0.85)  # (0.9 + 0.8) / 2

    assert put(api_as(world.vic), path, {"score": 0.5}).status_code == 403
    assert put(api_as(world.oscar), path, {"score": 0.5}).status_code == 404

    cleared = mo.delete(path)
    assert cleared.status_code == 200
    assert (cleared.json()["score"], cleared.json()["objective_score"]) == (
        None,
        pytest.approx(0.65),
    )


def test_a_check_in_on_a_closed_cycle_is_422_naming_the_cycle(world: World, growth, api_as) -> None:
    _, retention, _ = growth
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.CLOSED)

    response = api_as(world.mo).post(
        f"/key-results/{retention.pk}/check-ins", {"value": 35, "confidence": 7}
    )

    assert (response.status_code, fields(response)) == (
        422,
        {"cycle": "the cycle is closed: no more check-ins"},
    )
    assert not CheckIn.objects.exists()


def test_the_scores_of_a_cycle(world: World, growth, api_as) -> None:
    objective, retention, _ = growth
    alice = api_as(world.alice)
    alice.post(f"/cycles/{world.cycle.pk}/transition", {"to": "grading"})
    put(alice, f"/key-results/{retention.pk}/grade", {"score": 0.7, "reason": "Late data"})

    response = alice.get(f"/cycles/{world.cycle.pk}/scores")

    assert response.status_code == 200
    body = response.json()
    assert body["cycle"]["state"] == "grading"
    assert body["objectives"] == [
        {
            "id": objective.pk,
            "title": "Increase user engagement",
            "kind": "aspirational",
            "owner_team_id": world.growth.pk,
            "owner_person_id": None,
            "progress": 0.0,
            "score": pytest.approx(0.75),
            "expected_score": 0.7,
        }
    ]
    assert body["teams"] == [
        {"team_id": world.growth.pk, "name": "Growth", "progress": 0.0, "score": 0.75}
    ]
    assert body["organization"] == {
        "team_id": None,
        "name": "Acme",
        "progress": 0.0,
        "score": 0.75,
    }
    assert api_as(world.oscar).get(f"/cycles/{world.cycle.pk}/scores").status_code == 404


@pytest.mark.parametrize("n", [2, 20])
def test_the_scores_endpoint_runs_in_fixed_queries(world: World, api_as, n: int) -> None:
    for i in range(n):
        objective = make_objective(world.cycle, team=world.growth, title=f"Objective {i}")
        make_kr(objective, f"KR {i}", "0", "10")
    vic = api_as(world.vic)
    path = f"/cycles/{world.cycle.pk}/scores"
    assert len(vic.get(path).json()["objectives"]) == n

    with CaptureQueriesContext(connection) as captured:
        assert vic.get(path).status_code == 200

    # the token with its person (1), the cycle (1), a page of objectives (1), of roll-ups with
    # their teams (1), the two lists' counts with the organization's roll-up (1)
    assert len(captured.captured_queries) == 5


def test_the_fiscal_year_through_the_api(world: World, api_as) -> None:
    alice = api_as(world.alice)
    assert alice.get("/organization/fiscal-year").json() == {"fiscal_year_start_month": 1}

    bad = alice.patch("/organization/fiscal-year", {"fiscal_year_start_month": 0})
    assert (bad.status_code, fields(bad)) == (
        422,
        {"fiscal_year_start_month": "must be a month number from 1 to 12, got 0"},
    )
    done = alice.patch("/organization/fiscal-year", {"fiscal_year_start_month": 4})
    assert done.json() == {"fiscal_year_start_month": 4}
    forbidden = api_as(world.lena).patch(
        "/organization/fiscal-year", {"fiscal_year_start_month": 7}
    )
    assert forbidden.status_code == 403
