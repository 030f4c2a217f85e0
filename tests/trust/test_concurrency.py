"""Twenty writers at once, through the real API on a live server, on PostgreSQL.

Each writer is a thread with its own HTTP connection; the server answers each request on a thread
of its own with its own database connection. A barrier releases the writers together. Afterwards
every acknowledged write is stored exactly once, and the stored roll-ups equal a recompute from
scratch: no lost update hides behind a concurrent one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection

from headway.kpis import alerts
from headway.kpis.models import HealthChange, Kpi, Measurement, Notification
from headway.kpis.services import upsert_measurements
from headway.okrs import services as okr_services
from headway.okrs.choices import CycleState
from headway.okrs.cycles import transition_cycle
from headway.okrs.from_kpis import create_key_result_from_kpi
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import key_result_progress
from headway.okrs.scores import recompute_scores
from headway.orgs.models import Membership
from headway.orgs.services import create_token
from tests.factories import World, make_kr, make_objective, make_wait_kpi, make_world
from tests.trust.faultkit import request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WRITERS = 20
# Rounds of simultaneous writes where a race shows only now and then.
ROUNDS = 5
NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def world(transactional_db: None) -> World:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    return make_world()


@pytest.fixture
def clock() -> Iterator[None]:
    # Ticking: the writers' moments differ, as they would, and "latest" has a meaning.
    with time_machine.travel(NOW, tick=True):
        yield


def _token(who: Membership) -> str:
    return create_token(membership=who, name="load")[1]


def _all_at_once(port: int, token: str, calls: list[tuple[str, Any]]) -> list[tuple[int, Any]]:
    """POST every (path, body) from its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    answers: list[tuple[int, Any] | None] = [None] * len(calls)
    failures: list[BaseException] = []

    def post(index: int, path: str, body: Any) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = request(port, "POST", path, token=token, body=body, timeout=60)
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=post, args=(i, path, body)) for i, (path, body) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def _port(live_server: Any) -> int:
    port = urlsplit(live_server.url).port
    assert port is not None
    return port


def _stored_rollups(cycle: Cycle) -> dict[str, Any]:
    """Everything a check-in keeps current above its key result, as stored."""
    return {
        "key_results": sorted(
            KeyResult.objects.filter(objective__cycle=cycle).values_list(
                "pk", "current", "progress"
            )
        ),
        "objectives": sorted(
            Objective.objects.filter(cycle=cycle).values_list("pk", "progress", "score")
        ),
        "rollups": sorted(
            Rollup.objects.filter(cycle=cycle).values_list("team_id", "progress", "score"),
            key=lambda row: row[0] or 0,
        ),
    }


def _recomputed_rollups(cycle: Cycle) -> dict[str, Any]:
    """The same figures recomputed from the key results' values by the services."""
    for objective in Objective.objects.filter(cycle=cycle):
        okr_services.refresh_objective(objective)
    okr_services.recompute_rollups(
        cycle, Objective.objects.filter(cycle=cycle).values_list("owner_team_id", flat=True)
    )
    if cycle.state == CycleState.GRADING:
        recompute_scores(cycle)
    return _stored_rollups(cycle)


def _team_objectives(world: World) -> tuple[Objective, Objective]:
    """Two objectives of the growth team, so a team roll-up weighs several of them."""
    first = make_objective(world.cycle, team=world.growth, title="Onboarding delights")
    second = make_objective(world.cycle, team=world.growth, title="Activation doubles", weight=2)
    make_kr(second, title="Activated accounts from 100 to 200", start="100", target="200")
    return first, second


# --- check-ins ----------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [CycleState.ACTIVE, CycleState.GRADING])
def test_twenty_check_ins_on_one_key_result_are_all_kept_once(
    world: World, live_server: Any, clock: None, state: str
) -> None:
    objective, _ = _team_objectives(world)
    kr = make_kr(objective, start="0", target="100")
    make_kr(objective, title="Time to value under a day", start="10", target="1")
    if state == CycleState.GRADING:
        transition_cycle(actor=world.alice, cycle=world.cycle, to=state)
        world.cycle.refresh_from_db()
    token = _token(world.lena)
    sent = {Decimal(10 + 3 * i): i % 11 for i in range(WRITERS)}
    path = f"/api/v1/key-results/{kr.pk}/check-ins"

    answers = _all_at_once(
        _port(live_server),
        token,
        [(path, {"value": float(v), "confidence": c}) for v, c in sent.items()],
    )

    assert [status for status, _ in answers] == [201] * WRITERS, answers
    acknowledged = {answer["checkin"]["id"] for _, answer in answers}
    assert len(acknowledged) == WRITERS
    stored = list(CheckIn.objects.filter(key_result=kr).order_by("created_at", "pk"))
    assert {c.pk for c in stored} == acknowledged  # every acknowledged one, and nothing else
    assert {c.value: c.confidence for c in stored} == sent
    kr.refresh_from_db()
    latest = stored[-1]
    assert (kr.current, kr.confidence, kr.last_checkin_at) == (
        latest.value,
        latest.confidence,
        latest.created_at,
    )
    assert kr.progress == key_result_progress(kr)
    before = _stored_rollups(world.cycle)
    assert before == _recomputed_rollups(world.cycle)
    if state == CycleState.GRADING:
        # Scores mean something in grading: an ungraded key result counts with its progress.
        assert all(score is not None for _, _, score in before["objectives"])


def test_check_ins_on_twenty_key_results_of_one_team_move_the_roll_ups_exactly(
    world: World, live_server: Any, clock: None
) -> None:
    """Different key results, one objective and one team: each writer locks only its own key
    result, so the objective's and the team's figures must still see every other writer's."""
    first, second = _team_objectives(world)
    krs = [
        make_kr(first if i % 2 else second, title=f"Result {i}", start="0", target="100")
        for i in range(WRITERS)
    ]
    token = _token(world.alice)

    for round in range(1, ROUNDS + 1):
        answers = _all_at_once(
            _port(live_server),
            token,
            [
                (
                    f"/api/v1/key-results/{kr.pk}/check-ins",
                    {"value": 5 + 4 * i + round, "confidence": 7},
                )
                for i, kr in enumerate(krs)
            ],
        )

        assert [status for status, _ in answers] == [201] * WRITERS, answers
        assert CheckIn.objects.filter(key_result__in=krs).count() == WRITERS * round
        before = _stored_rollups(world.cycle)
        assert before == _recomputed_rollups(world.cycle), f"round {round}"


# --- bulk uploads -------------------------------------------------------------------------------


def test_twenty_overlapping_bulk_uploads_to_one_kpi(
    world: World, live_server: Any, clock: None
) -> None:
    kpi = make_wait_kpi(world.org, owner=world.mo, warning_threshold=90)
    objective, _ = _team_objectives(world)
    with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
        upsert_measurements(actor=world.mo, kpi=kpi, rows=[{"period": "2026-10-01", "value": 100}])
        follower = create_key_result_from_kpi(
            actor=world.alice, kpi=kpi, objective=objective, target=30
        )
    token = _token(world.mo)
    first_day = dt.date(2026, 10, 20)
    # Writer i sends ten days from day i: every day but the first and last few is sent by
    # several writers at once, each with its own value (never the same twice).
    uploads: list[dict[dt.date, Decimal]] = [
        {first_day + dt.timedelta(days=i + d): Decimal(50 + 7 * i + d) for d in range(10)}
        for i in range(WRITERS)
    ]
    path = f"/api/v1/kpis/{kpi.pk}/measurements"

    answers = _all_at_once(
        _port(live_server),
        token,
        [
            (
                path,
                {
                    "measurements": [
                        {"period": day.isoformat(), "value": float(v)} for day, v in rows.items()
                    ]
                },
            )
            for rows in uploads
        ],
    )

    assert [status for status, _ in answers] == [200] * WRITERS, answers
    days = {day for rows in uploads for day in rows}
    # Every day was new once: exactly one writer created it; the others replaced or kept it.
    assert sum(answer["created"] for _, answer in answers) == len(days)
    assert all(
        answer["created"] + answer["replaced"] + answer["unchanged"] == 10 for _, answer in answers
    )
    stored = dict(
        Measurement.objects.filter(kpi=kpi, period__gte=first_day).values_list("period", "value")
    )
    assert set(stored) == days
    assert Measurement.objects.filter(kpi=kpi).count() == len(days) + 1  # no duplicate rows
    for day, value in stored.items():
        assert value in {rows[day] for rows in uploads if day in rows}, day

    # The key result that follows the KPI shows its latest value, and its history has one
    # check-in per value it took.
    latest_day = max(days)
    follower.refresh_from_db()
    assert follower.current == stored[latest_day]
    # The last one written (a check-in is dated when its request came, not when its turn came).
    last = CheckIn.objects.filter(key_result=follower).latest("pk")
    assert (last.value, last.kpi_period) == (stored[latest_day], latest_day)
    assert _stored_rollups(world.cycle) == _recomputed_rollups(world.cycle)

    # The KPI's stored health and alert state are what a fresh evaluation finds: evaluating
    # again changes nothing and announces nothing.
    kpi.refresh_from_db()
    state = (kpi.health, kpi.alert_state, kpi.alert_state_since)
    changes, notifications = HealthChange.objects.count(), Notification.objects.count()
    evaluation = alerts.evaluate_kpi(kpi, NOW)
    assert evaluation.step.event is None
    refreshed = Kpi.objects.get(pk=kpi.pk)
    assert (refreshed.health, refreshed.alert_state, refreshed.alert_state_since) == state
    assert (HealthChange.objects.count(), Notification.objects.count()) == (
        changes,
        notifications,
    )
