"""A KPI's alert state: when an alert fires, resolves, repeats, and when data is missing.

The states follow the KPI's health, judged on closed periods::

    normal -> pending -> alerting -> recovering -> normal        (and no_data from any of them)

*Pending* is bad for fewer closed periods in a row than the policy's ``alert_after``; *recovering*
is good again for fewer than ``resolve_after``. Only transitions are announced (firing, resolved,
no data), plus a repeat while an alert keeps firing; every announcement carries a key naming the
state it announces, so the same state is never announced twice, however often this runs.

Leaving *no data* goes wherever the values now point, as if coming from *normal*: bad long enough
fires a new alert; good announces "resolved" when the missing data was announced (so whoever heard
"no data" hears that it is back); bad but not long enough is pending and says nothing yet. A
recovering alert that turns bad again is the same alert: it goes back to alerting, silently unless
a repeat is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from headway.core.health import Health, PeriodHealth


class AlertState(StrEnum):
    NORMAL = "normal"
    PENDING = "pending"
    ALERTING = "alerting"
    RECOVERING = "recovering"
    NO_DATA = "no_data"


class AlertEvent(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"
    NO_DATA = "no_data"
    REPEAT = "repeat"


class AlertLevel(StrEnum):
    """The health that counts as bad."""

    CRITICAL = "critical"
    WARNING = "warning"


_BAD = {
    AlertLevel.CRITICAL: frozenset({Health.RED}),
    AlertLevel.WARNING: frozenset({Health.RED, Health.AMBER}),
}


@dataclass(frozen=True, slots=True)
class Policy:
    level: AlertLevel = AlertLevel.CRITICAL
    alert_after: int = 1
    resolve_after: int = 1
    repeat_every: dt.timedelta | None = dt.timedelta(hours=168)  # None: never repeat
    notify_no_data: bool = True

    def __post_init__(self) -> None:
        if self.alert_after < 1 or self.resolve_after < 1:
            raise ValueError("alert_after and resolve_after must be at least 1")
        if self.repeat_every is not None and self.repeat_every <= dt.timedelta(0):
            raise ValueError("repeat_every must be positive (or None for never)")

    def is_bad(self, health: Health) -> bool:
        return health in _BAD[self.level]


@dataclass(frozen=True, slots=True)
class Observation:
    """What an evaluation sees: the current health and the latest closed periods' streaks."""

    health: Health
    bad_streak: int = 0  # the latest closed periods that were bad, in a row
    good_streak: int = 0  # ... or that were not


def observe(health: Health, closed: Sequence[PeriodHealth], policy: Policy) -> Observation:
    """The streak of the latest closed periods (oldest first in ``closed``) under ``policy``.

    Periods without a value neither break nor extend a streak: missing data is not evidence
    either way, and long gaps end up as "no data" through ``health`` being stale.
    """
    bad = good = 0
    for entry in reversed(closed):
        if policy.is_bad(entry.health):
            if good:
                break
            bad += 1
        else:
            if bad:
                break
            good += 1
    return Observation(health, bad_streak=bad, good_streak=good)


@dataclass(frozen=True, slots=True)
class Step:
    """The state after one evaluation, and what to announce (at most one event)."""

    state: AlertState
    since: dt.datetime
    notified_at: dt.datetime | None
    event: AlertEvent | None = None
    # Names the announced state: the same key is never announced twice to one channel.
    key: str | None = None


def _enter(
    state: AlertState, now: dt.datetime, notified_at: dt.datetime | None, event: AlertEvent | None
) -> Step:
    if event is None:
        return Step(state, now, notified_at)
    return Step(state, now, now, event, f"{event.value}:{now.isoformat()}")


def _stay(
    state: AlertState, since: dt.datetime | None, notified_at: dt.datetime | None, now: dt.datetime
) -> Step:
    return Step(state, since or now, notified_at)


def _move(
    current: AlertState,
    target: AlertState,
    since: dt.datetime | None,
    notified_at: dt.datetime | None,
    now: dt.datetime,
) -> Step:
    """A silent move: the state keeps its ``since`` when it does not change."""
    if target is current:
        return _stay(current, since, notified_at, now)
    return Step(target, now, notified_at)


def step(
    state: AlertState,
    since: dt.datetime | None,
    notified_at: dt.datetime | None,
    observation: Observation,
    policy: Policy,
    now: dt.datetime,
) -> Step:
    """The next state from the current one (entered at ``since``, last announced at
    ``notified_at``) given what the evaluation at ``now`` observes.

    Running it again with its own result and the same observation changes nothing and announces
    nothing, except a repeat once its interval has passed.
    """
    health = observation.health
    if health is Health.STALE:
        if state is AlertState.NO_DATA:
            return _stay(state, since, notified_at, now)
        event = AlertEvent.NO_DATA if policy.notify_no_data else None
        return _enter(AlertState.NO_DATA, now, notified_at, event)
    bad = policy.is_bad(health)
    if state in (AlertState.NORMAL, AlertState.PENDING, AlertState.NO_DATA):
        if bad and observation.bad_streak >= policy.alert_after:
            return _enter(AlertState.ALERTING, now, notified_at, AlertEvent.FIRING)
        if bad:
            return _move(state, AlertState.PENDING, since, notified_at, now)
        if state is AlertState.NO_DATA and policy.notify_no_data:
            return _enter(AlertState.NORMAL, now, notified_at, AlertEvent.RESOLVED)
        return _move(state, AlertState.NORMAL, since, notified_at, now)
    # Alerting or recovering: the alert has been announced. A relapse while recovering is the
    # same alert going on, so it only repeats, like a steady one, once the interval is over.
    if bad:
        since = now if state is AlertState.RECOVERING else (since or now)
        last = notified_at or since
        if policy.repeat_every is not None and now - last >= policy.repeat_every:
            key = f"{AlertEvent.REPEAT.value}:{last.isoformat()}"
            return Step(AlertState.ALERTING, since, now, AlertEvent.REPEAT, key)
        return Step(AlertState.ALERTING, since, notified_at)
    # Without thresholds (or values) nothing is bad any more and no good periods will be
    # counted: the alert resolves at once.
    if health is Health.UNKNOWN or observation.good_streak >= policy.resolve_after:
        return _enter(AlertState.NORMAL, now, notified_at, AlertEvent.RESOLVED)
    return _move(state, AlertState.RECOVERING, since, notified_at, now)
