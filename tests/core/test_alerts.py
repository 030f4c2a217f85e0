"""The alert state machine: what each observation moves it to, and what it announces (once)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headway.core.alerts import (
    AlertEvent,
    AlertLevel,
    AlertState,
    Observation,
    Policy,
    Step,
    observe,
    step,
)
from headway.core.health import (
    Health,
    KpiDirection,
    PeriodHealth,
    Thresholds,
    closed_periods,
    health,
)
from headway.core.periods import Cadence

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

S = AlertState
E = AlertEvent


def red(streak: int) -> Observation:
    return Observation(Health.RED, bad_streak=streak)


def green(streak: int) -> Observation:
    return Observation(Health.GREEN, good_streak=streak)


def run(observations: list[Observation], policy: Policy, start: Step | None = None) -> list[Step]:
    """One evaluation a day, each fed the step before."""
    current = start or Step(S.NORMAL, T0 - DAY, None)
    steps = []
    for i, observation in enumerate(observations):
        current = step(
            current.state, current.since, current.notified_at, observation, policy, T0 + i * DAY
        )
        steps.append(current)
    return steps


def trail(steps: list[Step]) -> list[tuple[S, E | None]]:
    return [(s.state, s.event) for s in steps]


def test_pending_until_enough_bad_periods_then_firing_once() -> None:
    policy = Policy(alert_after=3, resolve_after=2)
    steps = run([red(1), red(2), red(3), red(4), green(1), green(2), green(3)], policy)
    assert trail(steps) == [
        (S.PENDING, None),
        (S.PENDING, None),
        (S.ALERTING, E.FIRING),
        (S.ALERTING, None),
        (S.RECOVERING, None),
        (S.NORMAL, E.RESOLVED),
        (S.NORMAL, None),
    ]
    firing, resolved = steps[2], steps[5]
    assert firing.key == f"firing:{(T0 + 2 * DAY).isoformat()}"
    assert resolved.key == f"resolved:{(T0 + 5 * DAY).isoformat()}"
    # Pending keeps the moment it began; normal likewise.
    assert steps[1].since == T0 and steps[6].since == T0 + 5 * DAY


def test_a_short_blip_stays_pending_and_announces_nothing() -> None:
    steps = run([red(1), green(1), green(2)], Policy(alert_after=2))
    assert trail(steps) == [(S.PENDING, None), (S.NORMAL, None), (S.NORMAL, None)]


def test_relapse_while_recovering_is_the_same_alert() -> None:
    steps = run([red(1), green(1), red(1), green(1), green(2)], Policy(resolve_after=2))
    assert trail(steps) == [
        (S.ALERTING, E.FIRING),
        (S.RECOVERING, None),
        (S.ALERTING, None),
        (S.RECOVERING, None),
        (S.NORMAL, E.RESOLVED),
    ]
    # The relapse keeps the firing's notification time, so a repeat counts from it.
    assert steps[2].notified_at == T0


def test_amber_is_bad_only_for_the_warning_level() -> None:
    amber = Observation(Health.AMBER, bad_streak=1, good_streak=0)
    assert step(S.NORMAL, T0, None, amber, Policy(), T0).state is S.NORMAL
    fired = step(S.NORMAL, T0, None, amber, Policy(level=AlertLevel.WARNING), T0)
    assert (fired.state, fired.event) == (S.ALERTING, E.FIRING)


def test_repeats_after_the_interval_since_the_last_notification() -> None:
    policy = Policy(repeat_every=dt.timedelta(hours=24))
    alerting = Step(S.ALERTING, T0, T0)
    early = step(S.ALERTING, T0, T0, red(5), policy, T0 + 23 * HOUR)
    assert early == Step(S.ALERTING, T0, T0)
    due = step(S.ALERTING, T0, T0, red(5), policy, T0 + 24 * HOUR)
    assert (due.state, due.since, due.event) == (S.ALERTING, T0, E.REPEAT)
    assert due.notified_at == T0 + 24 * HOUR
    assert due.key == f"repeat:{T0.isoformat()}"
    # The next one counts from the repeat, and has its own key.
    again = step(due.state, due.since, due.notified_at, red(6), policy, T0 + 48 * HOUR)
    assert again.event is E.REPEAT and again.key == f"repeat:{due.notified_at.isoformat()}"
    never = step(*_parts(alerting), red(5), Policy(repeat_every=None), T0 + 1000 * DAY)
    assert never.event is None


def _parts(s: Step) -> tuple[S, dt.datetime, dt.datetime | None]:
    return s.state, s.since, s.notified_at


@pytest.mark.parametrize("state", list(S))
def test_stale_data_is_announced_once_from_any_state(state: S) -> None:
    stale = Observation(Health.STALE)
    entered = step(state, T0, T0, stale, Policy(), T0 + DAY)
    assert entered.state is S.NO_DATA
    if state is S.NO_DATA:
        assert entered == Step(S.NO_DATA, T0, T0)
    else:
        assert (entered.event, entered.since) == (E.NO_DATA, T0 + DAY)
        again = step(*_parts(entered), stale, Policy(), T0 + 9 * DAY)
        assert again == Step(S.NO_DATA, T0 + DAY, T0 + DAY)


def test_no_data_can_be_silent() -> None:
    quiet = Policy(notify_no_data=False)
    entered = step(S.ALERTING, T0, T0, Observation(Health.STALE), quiet, T0 + DAY)
    assert (entered.state, entered.event, entered.notified_at) == (S.NO_DATA, None, T0)
    back = step(*_parts(entered), green(1), quiet, T0 + 2 * DAY)
    assert (back.state, back.event) == (S.NORMAL, None)


@pytest.mark.parametrize(
    ("observation", "expected"),
    [
        (green(1), (S.NORMAL, E.RESOLVED)),  # whoever heard "no data" hears it is back
        (red(1), (S.PENDING, None)),
        (red(2), (S.ALERTING, E.FIRING)),  # a new alert
        (Observation(Health.UNKNOWN), (S.NORMAL, E.RESOLVED)),
    ],
)
def test_leaving_no_data_goes_where_the_values_point(
    observation: Observation, expected: tuple[S, E | None]
) -> None:
    moved = step(S.NO_DATA, T0, T0, observation, Policy(alert_after=2), T0 + DAY)
    assert (moved.state, moved.event) == expected
    assert moved.since == T0 + DAY


def test_without_thresholds_an_alert_resolves_at_once() -> None:
    unknown = Observation(Health.UNKNOWN)
    resolved = step(S.RECOVERING, T0, T0, unknown, Policy(resolve_after=5), T0 + DAY)
    assert (resolved.state, resolved.event) == (S.NORMAL, E.RESOLVED)
    assert step(S.PENDING, T0, None, unknown, Policy(), T0 + DAY).state is S.NORMAL


def test_the_first_evaluation_starts_the_clock() -> None:
    first = step(S.NORMAL, None, None, green(3), Policy(), T0)
    assert first == Step(S.NORMAL, T0, None)


def test_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Policy(alert_after=0)
    with pytest.raises(ValueError, match="positive"):
        Policy(repeat_every=dt.timedelta(0))


# --- streaks ------------------------------------------------------------------------------------


def _closed(*statuses: Health) -> list[PeriodHealth]:
    start = dt.date(2026, 1, 1)
    return [PeriodHealth(start + i * DAY, 0.0, h) for i, h in enumerate(statuses)]


def test_streaks_count_the_latest_run_of_closed_periods() -> None:
    g, a, r = Health.GREEN, Health.AMBER, Health.RED
    critical, warning = Policy(), Policy(level=AlertLevel.WARNING)
    assert observe(r, _closed(g, r, r, r), critical) == Observation(r, 3, 0)
    assert observe(a, _closed(r, r, a, g, a), critical) == Observation(a, 0, 3)
    assert observe(a, _closed(r, r, a, g, a), warning) == Observation(a, 1, 0)
    assert observe(Health.UNKNOWN, [], critical) == Observation(Health.UNKNOWN, 0, 0)


NPS = Thresholds(
    KpiDirection.HIGHER, warning=30, critical=20, warning_recovery=33, critical_recovery=25
)
values = st.floats(min_value=0, max_value=60, allow_nan=False)


@given(st.lists(values, max_size=30), st.integers(min_value=0, max_value=40))
def test_closed_periods_walk_as_health_does(series: list[float], open_days: int) -> None:
    start = dt.date(2026, 1, 1)
    points = [(start + i * DAY, v) for i, v in enumerate(series)]
    today = start + (len(series) - 1) * DAY + open_days * DAY if series else start
    closed = closed_periods(points, cadence=Cadence.DAY, thresholds=NPS, today=today)
    assert [c.period for c in closed] == [p for p, _ in points if p < today]
    status = health(points, cadence=Cadence.DAY, thresholds=NPS, today=today)
    if closed and status is not Health.STALE:
        assert closed[-1].health is status


# --- properties over realistic runs ---------------------------------------------------------


policies = st.builds(
    Policy,
    level=st.sampled_from(list(AlertLevel)),
    alert_after=st.integers(min_value=1, max_value=4),
    resolve_after=st.integers(min_value=1, max_value=4),
    repeat_every=st.sampled_from([None, dt.timedelta(hours=12), dt.timedelta(days=3)]),
    notify_no_data=st.booleans(),
)
# A daily KPI's value for each day (None: nothing recorded that day), and how many evaluations
# the worker and the writes make in each day.
days = st.lists(
    st.tuples(st.one_of(st.none(), values), st.integers(min_value=1, max_value=3)),
    min_size=1,
    max_size=40,
)


@given(policies, days)
def test_a_run_never_announces_one_state_twice(
    policy: Policy, series: list[tuple[float | None, int]]
) -> None:
    start = dt.date(2026, 1, 1)
    points: list[tuple[dt.date, float]] = []
    current = Step(S.NORMAL, dt.datetime(2025, 12, 31, tzinfo=dt.UTC), None)
    announced: list[Step] = []
    for i, (value, evaluations) in enumerate(series):
        today = start + (i + 1) * DAY
        if value is not None:
            points.append((start + i * DAY, value))  # yesterday's value, recorded this morning
        status = health(points, cadence=Cadence.DAY, thresholds=NPS, today=today)
        closed = closed_periods(points, cadence=Cadence.DAY, thresholds=NPS, today=today)
        observation = observe(status, closed, policy)
        for n in range(evaluations):
            now = dt.datetime.combine(today, dt.time(6 + 5 * n), dt.UTC)
            before = current
            current = step(*_parts(before), observation, policy, now)
            # Running again at the same moment changes nothing and announces nothing.
            assert step(*_parts(current), observation, policy, now) == Step(*_parts(current))
            assert (current.state is S.NO_DATA) == (status is Health.STALE)
            if current.state is S.NO_DATA and current.since == now:
                announced.append(current)  # silent or not, no data ends whatever was firing
            if current.event is None:
                assert current.key is None
                continue
            if current.state is not S.NO_DATA:
                announced.append(current)
            if current.event is E.FIRING:
                assert observation.bad_streak >= policy.alert_after
            if current.event is E.REPEAT:
                assert before.state in (S.ALERTING, S.RECOVERING)
                assert policy.repeat_every is not None
                assert before.notified_at is not None
                assert now - before.notified_at >= policy.repeat_every
            if current.event is E.NO_DATA:
                assert policy.notify_no_data
    keys = [s.key for s in announced if s.key is not None]
    assert len(keys) == len(set(keys))
    # Firing and resolved alternate; "no data" may stand between them.
    opened = False
    for s in announced:
        if s.event is E.FIRING:
            assert not opened
            opened = True
        elif s.event is E.RESOLVED or s.state is S.NO_DATA:
            opened = False
        elif s.event is E.REPEAT:
            assert opened
