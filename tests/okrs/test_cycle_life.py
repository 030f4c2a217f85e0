"""A cycle's life over a whole quarter: pace day by day, grading, closing, reopening, and the
next quarter set up ahead of time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.core import PaceStatus
from headway.errors import ValidationFailed
from headway.okrs import cycle_jobs
from headway.okrs.choices import CycleKind, CycleState
from headway.okrs.cycles import (
    ensure_next_quarter,
    reopen_cycle,
    set_fiscal_year_start,
    transition_cycle,
)
from headway.okrs.grading import grade_key_result
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import pace
from headway.okrs.services import (
    create_key_result,
    create_objective,
    record_checkin,
    store_checkin,
    update_cycle,
)
from headway.orgs.models import Organization
from tests.factories import World

TZ = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def growth_okr(world: World) -> tuple[Objective, KeyResult, KeyResult]:
    """The Growth team's objective with two key results from 0 to 100: visitors owned by mo."""
    objective = create_objective(
        actor=world.lena,
        title="Bring new inbound leads to the website",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
    )
    visitors = create_key_result(
        actor=world.lena,
        objective=objective,
        title="Monthly visitors",
        start=0,
        target=100,
        owner_id=world.mo.pk,
    )
    signups = create_key_result(
        actor=world.lena, objective=objective, title="Trial sign-ups", start=0, target=100
    )
    return objective, visitors, signups


def statuses_by_day(kr: KeyResult, cycle: Cycle) -> dict[dt.date, PaceStatus]:
    out = {}
    day = cycle.start
    while day <= cycle.end:
        with time_machine.travel(at(day), tick=False):
            kr.refresh_from_db()
            out[day] = pace(kr.progress, cycle, timezone.now())
        day += dt.timedelta(days=1)
    return out


def test_a_whole_quarter_pace_then_grading_then_closing(world: World) -> None:
    cycle = world.cycle  # 1 Oct - 31 Dec 2026: 92 days, active
    with time_machine.travel(at(dt.date(2026, 10, 1), 9), tick=False):
        objective, visitors, signups = growth_okr(world)
        record_checkin(actor=world.mo, key_result=visitors, value=25, confidence=6)

    # Progress stays at 0.25. At noon of day d the elapsed share is (d + 0.5) / 92: on track
    # while 0.25 >= e - 0.15 (e <= 0.40, up to day 36), at risk while e <= 0.58 (up to day 52).
    statuses = statuses_by_day(visitors, cycle)
    changes = {
        day: status
        for day, status in statuses.items()
        if day == cycle.start or statuses[day - dt.timedelta(days=1)] != status
    }
    assert changes == {
        dt.date(2026, 10, 1): PaceStatus.ON_TRACK,
        dt.date(2026, 10, 1) + dt.timedelta(days=37): PaceStatus.AT_RISK,  # 7 Nov
        dt.date(2026, 10, 1) + dt.timedelta(days=53): PaceStatus.OFF_TRACK,  # 23 Nov
    }

    with time_machine.travel(at(dt.date(2026, 12, 20)), tick=False):
        # Grading is refused while the cycle runs.
        with pytest.raises(ValidationFailed) as early:
            grade_key_result(actor=world.mo, key_result=visitors, score=0.3)
        assert "not in grading" in early.value.errors["score"]
        record_checkin(actor=world.lena, key_result=signups, value=64, confidence=7)

    with time_machine.travel(at(dt.date(2027, 1, 4)), tick=False):
        with pytest.raises(PermissionDenied):
            transition_cycle(actor=world.lena, cycle=cycle, to=CycleState.GRADING)
        transition_cycle(actor=world.alice, cycle=cycle, to=CycleState.GRADING)
        objective.refresh_from_db()
        # Nobody graded yet: the defaults count (0.3 and 0.6).
        assert objective.score == pytest.approx(0.45)

        with pytest.raises(ValidationFailed) as no_reason:
            grade_key_result(actor=world.mo, key_result=visitors, score=0.4)
        assert set(no_reason.value.errors) == {"reason"}
        grade_key_result(
            actor=world.mo,
            key_result=visitors,
            score=0.4,
            reason="Counted the partner traffic we agreed to exclude",
        )
        # The default needs no reason.
        grade_key_result(actor=world.lena, key_result=signups, score=0.6)

    objective.refresh_from_db()
    assert objective.score == pytest.approx(0.5)
    team = Rollup.objects.get(cycle=cycle, team=world.growth)
    organization = Rollup.objects.get(cycle=cycle, team=None)
    assert (team.score, organization.score) == (pytest.approx(0.5), pytest.approx(0.5))
    visitors.refresh_from_db()
    assert (visitors.score, visitors.graded_by_id) == (0.4, world.mo.pk)
    assert visitors.graded_at == at(dt.date(2027, 1, 4))

    with time_machine.travel(at(dt.date(2027, 1, 8)), tick=False):
        transition_cycle(actor=world.alice, cycle=cycle, to=CycleState.CLOSED)
        with pytest.raises(ValidationFailed) as closed:
            record_checkin(actor=world.mo, key_result=visitors, value=90, confidence=9)
        assert closed.value.errors == {"cycle": "the cycle is closed: no more check-ins"}
        with pytest.raises(ValidationFailed) as late:
            grade_key_result(actor=world.mo, key_result=visitors, score=0.9, reason="late")
        assert "not in grading" in late.value.errors["score"]
        # Reopening: admins only, with a reason, and the audit log says why.
        with pytest.raises(PermissionDenied):
            reopen_cycle(actor=world.lena, cycle=cycle, reason="I want to change my grade")
        reopen_cycle(actor=world.alice, cycle=cycle, reason="Sales closed a deal on 31 Dec")
    assert CheckIn.objects.filter(key_result=visitors).count() == 1
    event = AuditEvent.objects.get(action="cycle.reopen")
    assert (event.before, event.after, event.actor_id) == (
        {"state": "closed"},
        {"state": "grading", "reason": "Sales closed a deal on 31 Dec"},
        world.alice.user_id,
    )
    cycle.refresh_from_db()
    assert cycle.state == CycleState.GRADING


def test_closing_stores_the_default_score_of_every_ungraded_key_result(world: World) -> None:
    objective, visitors, signups = growth_okr(world)
    record_checkin(actor=world.mo, key_result=visitors, value=74, confidence=6)
    record_checkin(actor=world.lena, key_result=signups, value=100, confidence=6)
    transition_cycle(actor=world.alice, cycle=world.cycle, to=CycleState.GRADING)
    grade_key_result(actor=world.lena, key_result=signups, score=0.8, reason="Half were spam")
    assert KeyResult.objects.get(pk=visitors.pk).score is None

    transition_cycle(actor=world.alice, cycle=world.cycle, to=CycleState.CLOSED)

    stored = dict(KeyResult.objects.values_list("title", "score"))
    assert stored == {"Monthly visitors": 0.7, "Trial sign-ups": 0.8}
    assert KeyResult.objects.get(pk=visitors.pk).graded_by_id is None  # nobody graded it
    assert Objective.objects.get(pk=objective.pk).score == pytest.approx(0.75)
    assert Rollup.objects.get(cycle=world.cycle, team=None).score == pytest.approx(0.75)
    event = AuditEvent.objects.filter(action="cycle.transition").latest("pk")
    assert (event.before, event.after) == ({"state": "grading"}, {"state": "closed"})


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("active", "closed", "an active cycle can only move on to grading, one step at a time"),
        ("planning", "grading", "a planning cycle can only move on to active, one step at a time"),
        ("closed", "active", "a closed cycle can only be reopened by an admin"),
        ("grading", "active", "going back from grading to active is a reopen: it needs a reason"),
        ("active", "active", "the cycle is already active"),
        ("active", "done", "must be one of planning, active, grading, closed"),
    ],
)
def test_only_the_next_step_is_a_transition(world: World, start: str, to: str, message: str):
    Cycle.objects.filter(pk=world.cycle.pk).update(state=start)

    with pytest.raises(ValidationFailed) as caught:
        transition_cycle(actor=world.alice, cycle=world.cycle, to=to)

    assert caught.value.errors["state"].startswith(message)
    assert Cycle.objects.get(pk=world.cycle.pk).state == start


def test_update_cycle_takes_forward_steps_only_and_keeps_its_other_changes(world: World) -> None:
    with pytest.raises(ValidationFailed) as skip:
        update_cycle(actor=world.alice, cycle=world.cycle, state="closed", name="Q4")
    assert set(skip.value.errors) == {"state"}
    assert "one step at a time" in skip.value.errors["state"]
    assert Cycle.objects.get(pk=world.cycle.pk).name == "2026-Q4"

    update_cycle(actor=world.alice, cycle=world.cycle, state="grading", name="Q4")
    update_cycle(actor=world.alice, cycle=world.cycle, state="grading", name="Q4 2026")  # same
    with pytest.raises(ValidationFailed) as back:
        update_cycle(actor=world.alice, cycle=world.cycle, state="active")
    assert "reopen" in back.value.errors["state"]

    objective, visitors, _ = growth_okr(world)
    update_cycle(actor=world.alice, cycle=world.cycle, state="closed")
    # Closing through update_cycle does what closing does.
    assert KeyResult.objects.get(pk=visitors.pk).score == 0.0
    assert Objective.objects.get(pk=objective.pk).score == 0.0


def test_reopen_needs_a_reason_and_a_cycle_that_ended(world: World) -> None:
    with pytest.raises(ValidationFailed) as active:
        reopen_cycle(actor=world.alice, cycle=world.cycle, reason="why not")
    assert "only a cycle in grading or closed" in active.value.errors["state"]

    transition_cycle(actor=world.alice, cycle=world.cycle, to=CycleState.GRADING)
    with pytest.raises(ValidationFailed) as blank:
        reopen_cycle(actor=world.alice, cycle=world.cycle, reason="   ")
    assert blank.value.errors == {"reason": "is required"}
    with pytest.raises(PermissionDenied):
        reopen_cycle(actor=world.mo, cycle=world.cycle, reason="please")

    reopen_cycle(actor=world.alice, cycle=world.cycle, reason="The quarter was extended a week")
    assert Cycle.objects.get(pk=world.cycle.pk).state == CycleState.ACTIVE
    assert AuditEvent.objects.get(action="cycle.reopen").after == {
        "state": "active",
        "reason": "The quarter was extended a week",
    }


def test_a_closed_cycle_takes_no_check_in_from_a_followed_kpi_either(world: World) -> None:
    _, visitors, _ = growth_okr(world)
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.CLOSED)
    kr = KeyResult.objects.select_related("objective__cycle").get(pk=visitors.pk)

    with pytest.raises(ValidationFailed) as caught:
        store_checkin(
            kr,
            value=Decimal(50),
            confidence=5,
            note="NPS: 2027-01",
            author=None,
            at=timezone.now(),
            takes_value=True,
            kpi_period=dt.date(2027, 1, 1),
        )

    assert caught.value.errors == {"cycle": "the cycle is closed: no more check-ins"}
    assert not CheckIn.objects.exists()


# --- the next quarter ---------------------------------------------------------------------------


def april_org(world: World) -> Organization:
    set_fiscal_year_start(actor=world.alice, month=4)
    return Organization.objects.get(pk=world.org.pk)


def test_the_next_quarter_of_a_fiscal_year_starting_in_april(world: World) -> None:
    org = april_org(world)
    # Q4 of the fiscal year April 2026 - March 2027 (FY2027) ends on 31 March 2027.
    assert ensure_next_quarter(org, dt.date(2027, 2, 28)) is None  # 31 days before its end
    cycle = ensure_next_quarter(org, dt.date(2027, 3, 2))

    assert cycle is not None
    assert (cycle.name, cycle.start, cycle.end, cycle.state, cycle.kind) == (
        "2028-Q1",
        dt.date(2027, 4, 1),
        dt.date(2027, 6, 30),
        CycleState.PLANNING,
        CycleKind.QUARTER,
    )
    assert ensure_next_quarter(org, dt.date(2027, 3, 3)) is None
    assert AuditEvent.objects.filter(action="cycle.create", object_id=cycle.pk).exists()


def test_the_next_quarter_is_found_by_its_dates_and_never_takes_a_taken_name(
    world: World,
) -> None:
    # The world's 2026-Q4 (October - December, calendar year) is current; January is next.
    renamed = Cycle.objects.create(
        organization=world.org,
        name="Winter push",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
    )
    assert ensure_next_quarter(world.org, dt.date(2026, 12, 10)) is None
    renamed.delete()
    # A cycle with the next quarter's name but other dates keeps its name.
    Cycle.objects.create(
        organization=world.org,
        name="2027-Q1",
        kind=CycleKind.YEAR,
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
    )

    cycle = ensure_next_quarter(world.org, dt.date(2026, 12, 10))

    assert cycle is not None
    assert (cycle.name, cycle.start) == ("2027-Q1 (2)", dt.date(2027, 1, 1))


def test_the_daily_job_sets_up_each_organization_once(world: World) -> None:
    april_org(world)
    with time_machine.travel(at(dt.date(2027, 3, 10)), tick=False):
        cycle_jobs.prepare_next_quarters.call_local()
        cycle_jobs.prepare_next_quarters.call_local()
    with time_machine.travel(at(dt.date(2027, 3, 11)), tick=False):
        cycle_jobs.prepare_next_quarters.call_local()

    made = Cycle.objects.filter(state=CycleState.PLANNING).order_by("organization__name")
    # Acme's fiscal year starts in April (April is its FY2028 Q1); Globex keeps the calendar
    # year, whose Q2 starts in April too.
    assert [(c.organization.name, c.name, c.start) for c in made] == [
        ("Acme", "2028-Q1", dt.date(2027, 4, 1)),
        ("Globex", "2027-Q2", dt.date(2027, 4, 1)),
    ]


def test_only_an_admin_sets_the_fiscal_year_and_it_must_be_a_month(world: World) -> None:
    with pytest.raises(PermissionDenied):
        set_fiscal_year_start(actor=world.lena, month=4)
    with pytest.raises(ValidationFailed) as caught:
        set_fiscal_year_start(actor=world.alice, month=13)
    assert caught.value.errors == {
        "fiscal_year_start_month": "must be a month number from 1 to 12, got 13"
    }
    set_fiscal_year_start(actor=world.alice, month="10")
    assert Organization.objects.get(pk=world.org.pk).fiscal_year_start_month == 10
    assert AuditEvent.objects.get(action="organization.fiscal_year").after == {
        "fiscal_year_start_month": 10
    }
