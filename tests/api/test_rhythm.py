"""The rhythm through the API: at-risk lists, overdue check-ins, digest and pace settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.okrs.models import KeyResult
from headway.okrs.services import record_checkin
from tests.conftest import NOW
from tests.factories import World, make_kr, make_objective

pytestmark = pytest.mark.usefixtures("frozen")
DAY = dt.timedelta(days=1)


@pytest.fixture
def behind(world: World) -> dict[str, Any]:
    """Growth's objective: visitors on track (0.75), sign-ups at risk (0.2), checked in 10 days
    ago; mo's personal objective off track and never checked in."""
    growth = make_objective(world.cycle, team=world.growth, title="Bring new inbound leads")
    visitors = make_kr(growth, "Visitors from 3k to 7k", "3000", "7000", owner=world.mo)
    signups = make_kr(growth, "Sign-ups from 250 to 500", "250", "500", owner=world.lena)
    record_checkin(
        actor=world.alice, key_result=visitors, value="6000", confidence=8, at=NOW - 2 * DAY
    )
    record_checkin(
        actor=world.alice, key_result=signups, value="300", confidence=4, at=NOW - 10 * DAY
    )
    mine = make_objective(world.cycle, person=world.mo, title="Run a marathon")
    runs = make_kr(mine, "Long runs from 0 to 10", "0", "10", owner=world.mo)
    return {"growth": growth, "visitors": visitors, "signups": signups, "mine": mine, "runs": runs}


def test_at_risk(world: World, behind: dict[str, Any], api_as: Any) -> None:
    response = api_as(world.vic).get("/at-risk")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cycle_id"] == world.cycle.pk
    assert body["expected"] == pytest.approx(46.375 / 92)
    assert (body["on_track_margin"], body["at_risk_margin"]) == (0.15, 0.33)
    growth, mo = body["groups"]
    assert (growth["team_id"], growth["name"]) == (world.growth.pk, "Growth")
    (objective,) = growth["objectives"]
    assert (objective["id"], objective["pace"], objective["behind"]) == (
        behind["growth"].pk,
        "on_track",
        False,
    )
    assert objective["confidence"] == 8
    # visitors projected past the target (1.0), sign-ups to 349.2 (0.397)
    assert objective["forecast_progress"] == pytest.approx((1 + 99.19 / 250) / 2, abs=1e-3)
    (kr,) = objective["key_results"]
    assert (kr["id"], kr["pace"], kr["progress"], kr["confidence"]) == (
        behind["signups"].pk,
        "at_risk",
        pytest.approx(0.2),
        4,
    )
    assert kr["forecast_value"] == pytest.approx(349.19, abs=0.01)
    assert (mo["person_id"], mo["team_id"]) == (world.mo.pk, None)
    assert mo["objectives"][0]["pace"] == "off_track"
    assert mo["objectives"][0]["forecast_progress"] is None


def test_at_risk_filters_and_other_organizations(
    world: World, behind: dict[str, Any], api_as: Any
) -> None:
    client = api_as(world.vic)
    only = client.get(f"/at-risk?cycle={world.cycle.pk}&team={world.company.pk}").json()
    # the company's scope holds Growth and its people
    assert [g["name"] for g in only["groups"]] == ["Growth", "Mo"]
    # Another organization's cycle or team is refused by field, as by the report endpoints.
    for field, theirs in (("cycle", world.other_cycle), ("team", world.other_team)):
        refused = client.get(f"/at-risk?{field}={theirs.pk}")
        assert refused.status_code == 422
        assert refused.json()["detail"][0]["loc"][-1] == field
        assert "no such" in refused.json()["detail"][0]["msg"]
    bad = client.get("/at-risk?team=abc")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "team"
    assert api_as(world.oscar).get("/at-risk").json()["groups"] == []


def test_at_risk_follows_the_organizations_margins(
    world: World, behind: dict[str, Any], api_as: Any
) -> None:
    admin = api_as(world.alice)
    changed = admin.patch("/organization/rhythm", {"pace_at_risk_margin": 0.6})
    assert changed.status_code == 200, changed.json()
    body = admin.get("/at-risk").json()
    assert body["at_risk_margin"] == 0.6
    # mo's 0 against 0.504 is now merely at risk
    assert body["groups"][1]["objectives"][0]["pace"] == "at_risk"


def test_at_risk_query_count_does_not_grow(world: World, api_as: Any) -> None:
    client = api_as(world.vic)

    def grow(n: int) -> None:
        for i in range(n):
            objective = make_objective(world.cycle, team=world.growth, title=f"O{i}")
            kr = KeyResult.objects.create(
                organization=world.org, objective=objective, title="KR", start=0, target=10
            )
            record_checkin(
                actor=world.alice, key_result=kr, value=Decimal(1), confidence=3, at=NOW - DAY
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/at-risk").status_code == 200
        return len(captured.captured_queries)

    grow(2)
    queries()  # warm: the token's first use of the minute is written down
    small = queries()
    grow(20)
    assert len(client.get("/at-risk").json()["groups"][0]["objectives"]) == 22
    # token, current cycle, teams, objectives, key results, check-ins
    assert small == queries() == 6


def test_my_overdue(world: World, behind: dict[str, Any], api_as: Any) -> None:
    lena = api_as(world.lena).get("/me/overdue")
    assert lena.status_code == 200
    assert [(r["id"], r["objective_id"]) for r in lena.json()] == [
        (behind["signups"].pk, behind["growth"].pk)
    ]
    assert lena.json()[0]["last_checkin_at"].startswith("2026-11-06")
    # mo: visitors checked in two days ago; runs never, in a cycle started 46 days ago
    assert [r["title"] for r in api_as(world.mo).get("/me/overdue").json()] == [
        "Long runs from 0 to 10"
    ]
    KeyResult.objects.filter(pk=behind["runs"].pk).update(follows_kpi=True)
    assert api_as(world.mo).get("/me/overdue").json() == []


def test_my_overdue_query_count_does_not_grow(world: World, api_as: Any) -> None:
    client = api_as(world.mo)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/me/overdue").status_code == 200
        return len(captured.captured_queries)

    make_kr(make_objective(world.cycle, team=world.growth), owner=world.mo)
    queries()  # warm: the token's first use of the minute is written down
    small = queries()
    for i in range(15):
        make_kr(make_objective(world.cycle, team=world.growth, title=f"O{i}"), owner=world.mo)
    assert len(client.get("/me/overdue").json()) == 16
    # token, overdue key results with objective and cycle
    assert small == queries() == 2


def test_my_reminders(world: World, api_as: Any) -> None:
    client = api_as(world.mo)
    assert client.get("/me/reminders").json() == {
        "checkin_reminders": True,
        "reminder_weekday": None,
        "organization_weekday": 4,
        "weekday": 4,
    }
    changed = client.patch("/me/reminders", {"reminder_weekday": 1})
    assert changed.status_code == 200
    assert (changed.json()["reminder_weekday"], changed.json()["weekday"]) == (1, 1)
    off = client.patch("/me/reminders", {"checkin_reminders": False}).json()
    assert (off["checkin_reminders"], off["reminder_weekday"]) == (False, 1)
    back = client.patch("/me/reminders", {"reminder_weekday": None}).json()
    assert (back["reminder_weekday"], back["weekday"]) == (None, 4)
    world.mo.refresh_from_db()
    assert (world.mo.checkin_reminders, world.mo.reminder_weekday) == (False, None)
    assert AuditEvent.objects.filter(action="membership.reminders").count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reminder_weekday": 7}, "reminder_weekday"),
        ({"reminder_weekday": "x"}, "reminder_weekday"),
        ({"checkin_reminders": "maybe"}, "checkin_reminders"),
    ],
)
def test_bad_reminder_settings_name_the_field(
    world: World, api_as: Any, body: dict[str, Any], field: str
) -> None:
    response = api_as(world.mo).patch("/me/reminders", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field
    world.mo.refresh_from_db()
    assert (world.mo.checkin_reminders, world.mo.reminder_weekday) == (True, None)


def test_organization_rhythm_settings(world: World, api_as: Any) -> None:
    assert (
        api_as(world.lena).patch("/organization/rhythm", {"reminder_weekday": 0}).status_code == 403
    )
    assert (
        api_as(world.alice, scope="read")
        .patch("/organization/rhythm", {"reminder_weekday": 0})
        .status_code
        == 403
    )
    admin = api_as(world.alice)
    inverted = admin.patch("/organization/rhythm", {"pace_on_track_margin": 0.5})
    assert inverted.status_code == 422
    assert inverted.json()["detail"][0]["loc"][-1] == "pace_at_risk_margin"
    ok = admin.patch(
        "/organization/rhythm",
        {"pace_on_track_margin": 0.1, "pace_at_risk_margin": 0.25, "reminder_weekday": 0},
    )
    assert ok.json() == {
        "pace_on_track_margin": 0.1,
        "pace_at_risk_margin": 0.25,
        "reminder_weekday": 0,
    }
    assert api_as(world.mo).get("/me/reminders").json()["weekday"] == 0
    assert api_as(world.oscar).get("/organization/rhythm").json()["reminder_weekday"] == 4
