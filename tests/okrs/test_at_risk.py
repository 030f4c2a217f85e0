"""What is behind its pace, overdue check-ins, forecasts beside progress, configurable cut-offs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.core import PaceStatus
from headway.okrs.at_risk import at_risk, is_overdue, overdue_key_results
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.okrs.progress import pace
from headway.okrs.rhythm_services import set_rhythm_settings
from headway.okrs.services import record_checkin
from tests.conftest import NOW
from tests.factories import World, make_kr, make_objective

pytestmark = pytest.mark.usefixtures("frozen")

# NOW (16 Nov 09:00) is 46.375 of the cycle's 92 days: expected progress 0.504. On track from
# 0.354, at risk from 0.174 with the default cut-offs.
DAY = dt.timedelta(days=1)


def check(world: World, kr: KeyResult, value: str, days_ago: float, confidence: int = 7) -> None:
    record_checkin(
        actor=world.alice,
        key_result=kr,
        value=value,
        confidence=confidence,
        at=NOW - days_ago * DAY,
    )


@dataclass
class Plan:
    growth: Objective
    visitors: KeyResult  # 0.75: on track
    signups: KeyResult  # 0.2: at risk
    company: Objective
    churn: KeyResult  # 0.1: off track, and so is its objective
    mine: Objective  # mo's, 0.5: on track
    lenas: Objective  # lena's, 0.2: at risk


@pytest.fixture
def plan(world: World) -> Plan:
    growth = make_objective(world.cycle, team=world.growth, title="Bring new inbound leads")
    visitors = make_kr(growth, "Visitors from 3k to 7k", "3000", "7000", owner=world.mo)
    signups = make_kr(growth, "Sign-ups from 250 to 500", "250", "500", owner=world.lena)
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal base")
    churn = make_kr(company, "Retained customers from 0 to 10", "0", "10", owner=world.alice)
    mine = make_objective(world.cycle, person=world.mo, title="Run a marathon")
    runs = make_kr(mine, "Long runs from 0 to 10", "0", "10", owner=world.mo)
    lenas = make_objective(world.cycle, person=world.lena, title="Learn Spanish")
    lessons = make_kr(lenas, "Lessons from 0 to 10", "0", "10", owner=world.lena)
    check(world, visitors, "6000", 3, confidence=8)
    check(world, signups, "300", 10, confidence=4)
    check(world, churn, "1", 2, confidence=3)
    check(world, runs, "5", 1)
    check(world, lessons, "2", 1, confidence=5)
    return Plan(growth, visitors, signups, company, churn, mine, lenas)


def _cycle(world: World) -> Cycle:
    return Cycle.objects.select_related("organization").get(pk=world.cycle.pk)


def listed(data: Any) -> dict[str, dict[str, list[str]]]:
    """group name -> objective title -> titles of its key results behind (pace in brackets)."""
    return {
        g.name: {
            f"{o.objective.title} [{o.pace.value}]": [
                f"{k.kr.title} [{k.pace.value}]" for k in o.key_results
            ]
            for o in g.objectives
        }
        for g in data.groups
    }


# --- pace cut-offs ---------------------------------------------------------------------------


def test_pace_uses_the_organizations_cut_offs(world: World) -> None:
    cycle = _cycle(world)
    assert pace(0.40, cycle, NOW) is PaceStatus.ON_TRACK
    assert pace(0.30, cycle, NOW) is PaceStatus.AT_RISK
    set_rhythm_settings(actor=world.alice, pace_on_track_margin=0.05, pace_at_risk_margin=0.1)
    cycle = _cycle(world)
    assert pace(0.40, cycle, NOW) is PaceStatus.OFF_TRACK
    assert pace(0.46, cycle, NOW) is PaceStatus.ON_TRACK
    # A cycle loaded without its organization reads it (outside a request, one query).
    bare = Cycle.objects.get(pk=world.cycle.pk)
    assert pace(0.42, bare, NOW) is PaceStatus.AT_RISK


def test_only_admins_change_the_cut_offs_and_they_stay_ordered(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    from headway.errors import ValidationFailed

    with pytest.raises(PermissionDenied):
        set_rhythm_settings(actor=world.lena, pace_on_track_margin=0.1)
    with pytest.raises(ValidationFailed) as bad:
        set_rhythm_settings(actor=world.alice, pace_on_track_margin=0.5)  # above 0.33
    assert set(bad.value.errors) == {"pace_at_risk_margin"}
    with pytest.raises(ValidationFailed) as bad:
        set_rhythm_settings(
            actor=world.alice, pace_on_track_margin=-0.1, pace_at_risk_margin=float("nan")
        )
    assert set(bad.value.errors) == {"pace_on_track_margin", "pace_at_risk_margin"}
    world.org.refresh_from_db()
    assert (world.org.pace_on_track_margin, world.org.pace_at_risk_margin) == (0.15, 0.33)


def test_the_board_follows_changed_cut_offs(
    world: World, plan: Plan, client_for: Callable[[str], Client]
) -> None:
    client = client_for("alice")
    row = _objective_html(client.get("/okrs/").content.decode(), plan.mine.pk)
    assert "pace-on_track" in row
    client.post(
        "/okrs/rhythm/settings/",
        {"pace_on_track_margin": "0", "pace_at_risk_margin": "0", "reminder_weekday": "4"},
    )
    # 0.5 against 0.504 expected: no margin at all leaves it off track.
    row = _objective_html(client.get("/okrs/").content.decode(), plan.mine.pk)
    assert "pace-off_track" in row


def _objective_html(page: str, objective_id: int) -> str:
    start = page.index(f'id="obj-{objective_id}"')
    return page[start : page.index("</article>", start)]


# --- the at-risk list --------------------------------------------------------------------------


def test_at_risk_lists_what_is_behind_by_team_then_person(world: World, plan: Plan) -> None:
    data = at_risk(world.org.pk, _cycle(world), NOW)
    assert listed(data) == {
        # tree order: the company, then Growth; personal objectives after, by person
        "Acme": {
            "Grow a loyal base [off_track]": ["Retained customers from 0 to 10 [off_track]"],
        },
        # on track itself, listed for its key result at risk
        "Growth": {"Bring new inbound leads [on_track]": ["Sign-ups from 250 to 500 [at_risk]"]},
        "Lena": {"Learn Spanish [at_risk]": ["Lessons from 0 to 10 [at_risk]"]},
    }
    growth = data.groups[1].objectives[0]
    assert growth.behind is False
    assert growth.confidence == 8  # the latest check-in's (visitors, 3 days ago)
    assert data.groups[0].objectives[0].confidence == 3
    assert data.expected == pytest.approx(46.375 / 92)


def test_at_risk_follows_the_team_filter(world: World, plan: Plan) -> None:
    data = at_risk(world.org.pk, _cycle(world), NOW, team_id=world.growth.pk)
    # Growth and the personal objectives of its people (lena and mo); not the company's.
    assert list(listed(data)) == ["Growth", "Lena"]


def test_at_risk_page(world: World, plan: Plan, client_for: Callable[[str], Client]) -> None:
    response = client_for("vic").get("/okrs/at-risk/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "3 objectives listed, 3 key results behind." in page
    assert "Sign-ups from 250 to 500" in page and "Visitors from 3k" not in page
    assert "Run a marathon" not in page
    assert "Change the margins" not in page  # admins only
    assert "Change the margins" in client_for("alice").get("/okrs/at-risk/").content.decode()
    assert f'data-testid="person-{world.lena.pk}"' in page
    # signups: 300 after 50.4% of the cycle: 349.2 by the end at this pace (40%)
    row = page[page.index(f'data-testid="kr-{plan.signups.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "At risk" in row and "20%" in row and "50%" in row and "40%" in row and "4/10" in row
    url = f"/okrs/at-risk/?cycle={world.cycle.pk}&team={world.growth.pk}"
    filtered = client_for("vic").get(url).content.decode()
    assert "Learn Spanish" in filtered and "Sign-ups" in filtered
    assert "Grow a loyal base" not in filtered


def test_another_organizations_cycle_is_not_found(
    world: World, client_for: Callable[[str], Client]
) -> None:
    assert client_for("vic").get(f"/okrs/at-risk/?cycle={world.other_cycle.pk}").status_code == 404


def _grow(world: World, n: int) -> None:
    for i in range(n):
        objective = make_objective(world.cycle, team=world.growth, title=f"Behind {i}")
        kr = KeyResult.objects.create(
            organization=world.org,
            objective=objective,
            title=f"KR {i}",
            start=Decimal(0),
            target=Decimal(10),
            owner=world.mo,
            progress=0.1,
            current=Decimal(1),
        )
        CheckIn.objects.bulk_create(
            CheckIn(
                organization=world.org,
                key_result=kr,
                value=Decimal(k),
                confidence=5,
                author=world.mo,
                created_at=NOW - (k + 1) * DAY,
            )
            for k in range(3)
        )
        personal = make_objective(world.cycle, person=world.lena, title=f"Mine {i}")
        KeyResult.objects.create(
            organization=world.org, objective=personal, title="KR", start=0, target=10
        )


def _page_queries(client: Client, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_at_risk_page_query_count_is_pinned(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("vic")
    _grow(world, 2)
    small = _page_queries(client, "/okrs/at-risk/")
    small_filtered = _page_queries(client, f"/okrs/at-risk/?team={world.growth.pk}")
    _grow(world, 20)
    page = client.get("/okrs/at-risk/").content.decode()
    assert "44 objectives listed" in page
    # session, user, membership; current cycle, teams, the cycle picker, objectives, the names
    # of the people with personal objectives listed, their key results, their check-ins
    assert small == _page_queries(client, "/okrs/at-risk/") == 10
    assert small_filtered == _page_queries(client, f"/okrs/at-risk/?team={world.growth.pk}") == 10


# --- overdue check-ins -------------------------------------------------------------------------


def _overdue_titles(world: World, **kwargs: Any) -> list[str]:
    return [kr.title for kr in overdue_key_results(world.org.pk, NOW, **kwargs)]


def test_overdue_after_a_week_without_check_in(world: World) -> None:
    objective = make_objective(world.cycle, team=world.growth)
    fresh = make_kr(objective, "Fresh", owner=world.mo, last_checkin_at=NOW - 6 * DAY)
    late = make_kr(objective, "Late", owner=world.mo, last_checkin_at=NOW - 8 * DAY)
    never = make_kr(objective, "Never", owner=world.lena)
    kpi = make_kr(objective, "Follows a KPI", owner=world.mo, follows_kpi=True)
    archived = make_objective(world.cycle, team=world.growth, status="archived")
    make_kr(archived, "Archived", owner=world.mo)
    other = make_objective(world.other_cycle, person=world.oscar)
    make_kr(other, "Elsewhere", owner=world.oscar)

    assert _overdue_titles(world) == ["Never", "Late"]
    assert _overdue_titles(world, owner_id=world.mo.pk) == ["Late"]
    cycle = _cycle(world)
    assert [is_overdue(kr, cycle, NOW) for kr in (fresh, late, never, kpi)] == [
        False,
        True,
        True,
        False,
    ]


def test_a_cycle_younger_than_a_week_has_nothing_overdue(world: World) -> None:
    young = Cycle.objects.create(
        organization=world.org,
        name="Sprint",
        start=(NOW - 6 * DAY).date(),
        end=(NOW + 30 * DAY).date(),
        state="active",
    )
    kr = make_kr(make_objective(young, team=world.growth), "New", owner=world.mo)
    assert _overdue_titles(world) == []
    assert not is_overdue(kr, young, NOW)
    assert is_overdue(kr, young, NOW + 2 * DAY)
    young.state = "grading"
    assert not is_overdue(kr, young, NOW + 2 * DAY)


def test_home_lists_my_overdue_check_ins(
    world: World, plan: Plan, client_for: Callable[[str], Client]
) -> None:
    # lena: signups last checked in 10 days ago; lessons yesterday.
    page = client_for("lena").get("/").content.decode()
    section = page[page.index('id="overdue-h"') :]
    section = section[: section.index("</section>")]
    assert "Check in: Sign-ups from 250 to 500" in section
    assert f"/objectives/{plan.growth.pk}/#kr-{plan.signups.pk}-checkin-h" in section
    assert "Lessons" not in section
    mo_page = client_for("mo").get("/").content.decode()
    assert "None: every key result of yours had a check-in in the last 7 days." in mo_page


def test_board_rows_show_forecast_confidence_and_overdue(
    world: World, plan: Plan, client_for: Callable[[str], Client]
) -> None:
    page = client_for("vic").get("/okrs/").content.decode()
    row = _objective_html(page, plan.growth.pk)
    # visitors forecast past the target (100%), signups 39.7%: weighted mean 70%
    assert "Forecast at cycle end <strong>70%</strong>" in row
    assert "latest confidence 8/10" in row
    assert "1 check-in overdue" in row
    assert "overdue" not in _objective_html(page, plan.company.pk)


def test_objective_page_shows_the_objective_forecast(
    world: World, plan: Plan, client_for: Callable[[str], Client]
) -> None:
    page = client_for("vic").get(f"/objectives/{plan.growth.pk}/").content.decode()
    line = page[page.index('data-testid="objective-forecast"') :]
    line = line[: line.index("</p>")]
    assert "<strong>70%</strong>" in line
    assert "latest confidence 8/10" in line
    # Progress itself is untouched by confidence: the stored weighted mean of the KRs.
    plan.growth.refresh_from_db()
    assert plan.growth.progress == pytest.approx((0.75 + 0.2) / 2)
