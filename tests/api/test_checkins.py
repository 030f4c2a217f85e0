"""Check-ins through the API: roll-ups move together, bad input is answered clearly."""

from __future__ import annotations

import pytest

from headway.audit.models import AuditEvent
from headway.okrs.models import CheckIn, KeyResult, Objective, Rollup
from tests.factories import make_kr, make_objective


@pytest.fixture
def growth_kr(world):  # type: ignore[no-untyped-def]
    objective = make_objective(world.cycle, team=world.growth, title="Increase user engagement")
    kr = make_kr(
        objective, "Increase 1-month retention from 20% to 40%", "20", "40", owner=world.mo
    )
    make_kr(objective, "Increase average time in the app from 15 to 30 minutes", "15", "30")
    return kr


def _rollups(world):  # type: ignore[no-untyped-def]
    return {r.team_id: r.progress for r in Rollup.objects.filter(cycle=world.cycle)}


def test_checkin_moves_key_result_objective_team_and_organization(world, growth_kr, api_as):
    assert _rollups(world) == {world.growth.pk: 0.0, None: 0.0}

    response = api_as(world.mo).post(
        f"/key-results/{growth_kr.pk}/check-ins", {"value": 30, "confidence": 6, "note": "wk 7"}
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    # The seed's worked example: retention 20% -> 40%, now 30%: progress 0.5.
    assert body["key_result_progress"] == pytest.approx(0.5)
    # Two equally weighted KRs, the other still at 0.
    assert body["objective_progress"] == pytest.approx(0.25)
    growth_kr.refresh_from_db()
    assert (growth_kr.current, growth_kr.confidence) == (30, 6)
    assert Objective.objects.get(pk=growth_kr.objective_id).progress == pytest.approx(0.25)
    assert _rollups(world) == {world.growth.pk: pytest.approx(0.25), None: pytest.approx(0.25)}
    event = AuditEvent.objects.get(action="checkin.create")
    assert event.actor_id == world.mo.user_id
    assert event.organization_id == world.org.pk
    assert event.before["current"] is None
    assert event.after["current"] == "30.0000"
    assert event.after["checkin"]["note"] == "wk 7"


def test_failing_step_leaves_nothing_half_written(world, growth_kr, api_as, monkeypatch):
    import headway.audit.services as audit

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit store unavailable")

    client = api_as(world.mo)
    client.client.raise_request_exception = False
    # The last step of the check-in fails: everything before it must roll back.
    monkeypatch.setattr(audit, "record", broken)

    response = client.post(f"/key-results/{growth_kr.pk}/check-ins", {"value": 30, "confidence": 6})

    assert response.status_code == 500
    assert CheckIn.objects.count() == 0
    growth_kr.refresh_from_db()
    assert growth_kr.current is None and growth_kr.progress == 0
    assert Objective.objects.get(pk=growth_kr.objective_id).progress == 0
    assert _rollups(world) == {world.growth.pk: 0.0, None: 0.0}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"value": 30, "confidence": 11}, "confidence", "between 0 and 10"),
        ({"value": 30, "confidence": -1}, "confidence", "between 0 and 10"),
        ({"value": "thirty", "confidence": 5}, "value", "must be a number"),
        ({"value": "NaN", "confidence": 5}, "value", "finite"),
        ({"value": 1e30, "confidence": 5}, "value", "too large"),
        ({"value": 30, "confidence": "high"}, "confidence", ""),
        ({"confidence": 5}, "value", ""),
    ],
)
def test_bad_checkin_is_422_naming_the_field(world, growth_kr, api_as, body, field, message):
    response = api_as(world.mo).post(f"/key-results/{growth_kr.pk}/check-ins", body)

    assert response.status_code == 422
    details = response.json()["detail"]
    assert any(d["loc"][-1] == field and message in d["msg"] for d in details), details
    assert CheckIn.objects.count() == 0


def test_key_result_of_another_organization_is_404(world, growth_kr, api_as):
    theirs = make_kr(make_objective(world.other_cycle, team=world.other_team))
    client = api_as(world.mo)

    assert client.get(f"/key-results/{theirs.pk}").status_code == 404
    response = client.post(f"/key-results/{theirs.pk}/check-ins", {"value": 40, "confidence": 5})
    assert response.status_code == 404
    assert response.json() == {"detail": "key result 1 not found".replace("1", str(theirs.pk))}
    # And the other way round: oscar cannot see ours either.
    assert api_as(world.oscar).get(f"/key-results/{growth_kr.pk}").status_code == 404
    assert CheckIn.objects.count() == 0


def test_who_may_check_in(world, growth_kr, api_as):
    other_kr = KeyResult.objects.exclude(pk=growth_kr.pk).get()
    url = "/key-results/{}/check-ins"
    body = {"value": 25, "confidence": 5}

    assert api_as(world.vic).post(url.format(growth_kr.pk), body).status_code == 403  # viewer
    assert api_as(world.mo).post(url.format(other_kr.pk), body).status_code == 403  # not his
    assert api_as(world.mo).post(url.format(growth_kr.pk), body).status_code == 201  # owner
    assert api_as(world.lena).post(url.format(other_kr.pk), body).status_code == 201  # team lead
    assert api_as(world.alice).post(url.format(other_kr.pk), body).status_code == 201  # admin
    assert api_as(world.mo, scope="read").post(url.format(growth_kr.pk), body).status_code == 403
    assert CheckIn.objects.count() == 3


def test_checkins_are_history_not_edits(world, growth_kr, api_as):
    client = api_as(world.mo)
    for value in (22, 26, 31):
        client.post(f"/key-results/{growth_kr.pk}/check-ins", {"value": value, "confidence": 5})

    listed = client.get(f"/key-results/{growth_kr.pk}/check-ins").json()

    assert [c["value"] for c in listed["items"]] == [31, 26, 22]
    assert listed["count"] == 3
