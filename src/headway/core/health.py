"""KPI health: red / amber / green from thresholds, with recovery levels, and staleness.

Values are normalized so that "good" is higher: for a lower-is-better KPI the comparison flips,
for an in-range KPI the badness is the distance outside the range. Leaving red or amber needs the
recovery level, not just the threshold (hysteresis), so a KPI hovering at its limit does not flap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from headway.core.periods import Cadence, next_period, period_start


class Health(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    STALE = "stale"
    UNKNOWN = "unknown"  # no data yet, or no thresholds to judge by

    @property
    def label(self) -> str:
        return {
            Health.GREEN: "Healthy",
            Health.AMBER: "Warning",
            Health.RED: "Critical",
            Health.STALE: "Stale",
            Health.UNKNOWN: "No status",
        }[self]


class KpiDirection(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class Thresholds:
    direction: KpiDirection
    warning: float | None = None
    critical: float | None = None
    warning_recovery: float | None = None
    critical_recovery: float | None = None
    range_low: float | None = None
    range_high: float | None = None


def _badness(value: float, limit: float, t: Thresholds) -> float:
    """How far ``value`` is on the bad side of ``limit`` (positive = beyond it)."""
    if t.direction is KpiDirection.HIGHER:
        return limit - value
    if t.direction is KpiDirection.LOWER:
        return value - limit
    # In range: the limit is a distance outside [range_low, range_high].
    low = -math.inf if t.range_low is None else t.range_low
    high = math.inf if t.range_high is None else t.range_high
    return max(low - value, value - high, 0.0) - limit


def _beyond(value: float, limit: float | None, t: Thresholds) -> bool:
    return limit is not None and _badness(value, limit, t) > 0


def classify(value: float, t: Thresholds, previous: Health | None = None) -> Health:
    """The status of one value, given the status before it (for the recovery levels)."""
    if t.warning is None and t.critical is None:
        if t.direction is KpiDirection.RANGE and (
            t.range_low is not None or t.range_high is not None
        ):
            return Health.AMBER if _beyond(value, 0.0, t) else Health.GREEN
        return Health.UNKNOWN
    if _beyond(value, t.critical, t):
        return Health.RED
    if previous is Health.RED and _beyond(value, t.critical_recovery, t):
        return Health.RED
    if _beyond(value, t.warning, t):
        return Health.AMBER
    if previous in (Health.RED, Health.AMBER) and _beyond(value, t.warning_recovery, t):
        return Health.AMBER
    return Health.GREEN


def is_stale(latest_period: dt.date, cadence: Cadence, today: dt.date) -> bool:
    """No data for longer than two cadences since the latest measured period ended."""
    end = next_period(latest_period, cadence)
    return next_period(next_period(end, cadence), cadence) <= today


def health(
    points: Sequence[tuple[dt.date, float]],
    *,
    cadence: Cadence,
    thresholds: Thresholds,
    today: dt.date,
) -> Health:
    """Health from the latest closed period, walking the history so recovery levels apply.

    ``points`` are (period start, value) pairs in any order; the period that contains ``today``
    is still open and does not count yet.
    """
    open_period = period_start(today, cadence)
    closed = sorted((p, v) for p, v in points if p < open_period)
    if not closed:
        return Health.UNKNOWN if not points else _history_status(points, thresholds)
    if is_stale(closed[-1][0], cadence, today):
        return Health.STALE
    return _history_status(closed, thresholds)


def _history_status(points: Sequence[tuple[dt.date, float]], t: Thresholds) -> Health:
    status: Health | None = None
    for _, value in sorted(points):
        status = classify(value, t, status)
    return status or Health.UNKNOWN


@dataclass(frozen=True, slots=True)
class PeriodHealth:
    """One closed period's value and the status it closed with."""

    period: dt.date
    value: float
    health: Health


def closed_periods(
    points: Sequence[tuple[dt.date, float]],
    *,
    cadence: Cadence,
    thresholds: Thresholds,
    today: dt.date,
) -> list[PeriodHealth]:
    """The status of every closed period, oldest first, each judged after the ones before it.

    The walk is the one ``health`` makes, so unless the KPI is stale the last entry carries the
    status ``health`` reports; alerting counts how many of the latest ones were bad in a row.
    """
    open_period = period_start(today, cadence)
    statuses: list[PeriodHealth] = []
    status: Health | None = None
    for period, value in sorted((p, v) for p, v in points if p < open_period):
        status = classify(value, thresholds, status)
        statuses.append(PeriodHealth(period, value, status))
    return statuses
