"""Bridge from stored KPIs and measurements to the core's health rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from headway.core.health import Health, KpiDirection, Thresholds, health
from headway.core.periods import Cadence, period_start
from headway.kpis.choices import Cadence as CadenceChoice
from headway.kpis.formatting import period_label, with_unit
from headway.kpis.models import Kpi


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def thresholds(kpi: Kpi) -> Thresholds:
    return Thresholds(
        direction=KpiDirection(kpi.direction),
        warning=_f(kpi.warning_threshold),
        critical=_f(kpi.critical_threshold),
        warning_recovery=_f(kpi.warning_recovery),
        critical_recovery=_f(kpi.critical_recovery),
        range_low=_f(kpi.range_low),
        range_high=_f(kpi.range_high),
    )


def kpi_health(kpi: Kpi, points: Iterable[tuple[dt.date, Decimal]], today: dt.date) -> Health:
    return health(
        [(period, float(value)) for period, value in points],
        cadence=Cadence(kpi.cadence),
        thresholds=thresholds(kpi),
        today=today,
    )


def explain(
    kpi: Kpi, points: Sequence[tuple[dt.date, Decimal]], today: dt.date, status: Health
) -> str:
    """Why the KPI has its status, in one sentence: "Critical: $272 (Oct 2026) is above ..."."""
    label = status.label
    if not points:
        return f"{label}: no values yet."
    ordered = sorted(points)
    cadence = Cadence(kpi.cadence)
    if status is Health.STALE:
        last = period_label(ordered[-1][0], cadence)
        return (
            f"{label}: no value since {last}; a {CadenceChoice(cadence).label.lower()} KPI goes "
            f"stale after two {cadence.value}s without one."
        )
    # The status is that of the latest closed period (or of the open one while there is no other).
    open_period = period_start(today, cadence)
    closed = [p for p in ordered if p[0] < open_period]
    period, value = (closed or ordered)[-1]
    shown = f"{with_unit(value, kpi.unit)} ({period_label(period, cadence)})"
    if kpi.direction == KpiDirection.RANGE:
        return f"{label}: {_explain_range(kpi, value, shown, status)}."
    if status is Health.UNKNOWN:
        return f"{label}: no warning or critical threshold is set."
    bad = "below" if kpi.direction == KpiDirection.HIGHER else "above"
    if status in (Health.RED, Health.AMBER):
        name, limit, recovery = _level(kpi, status)
        if limit is not None and _side(value, limit) == bad:
            return f"{label}: {shown} is {bad} the {name} threshold {_u(kpi, limit)}."
        # Still red or amber although back within the threshold: the recovery level decides.
        return (
            f"{label}: {shown} has not recovered yet: it is {_side(value, recovery)} the "
            f"recovery level {_u(kpi, recovery)} (the {name} threshold is {_u(kpi, limit)})."
        )
    name, limit = (
        ("warning", kpi.warning_threshold)
        if kpi.warning_threshold is not None
        else ("critical", kpi.critical_threshold)
    )
    return f"{label}: {shown} is {_side(value, limit)} the {name} threshold {_u(kpi, limit)}."


def _level(kpi: Kpi, status: Health) -> tuple[str, Decimal | None, Decimal | None]:
    if status is Health.RED:
        return "critical", kpi.critical_threshold, kpi.critical_recovery
    return "warning", kpi.warning_threshold, kpi.warning_recovery


def _u(kpi: Kpi, value: Decimal | None) -> str:
    return with_unit(value, kpi.unit)


def _side(value: Decimal, limit: Decimal | None) -> str:
    if limit is None or value == limit:
        return "at"
    return "above" if value > limit else "below"


def _explain_range(kpi: Kpi, value: Decimal, shown: str, status: Health) -> str:
    low, high = kpi.range_low, kpi.range_high
    if low is not None and high is not None:
        span = f"the range {_u(kpi, low)}\u2013{_u(kpi, high)}"
    elif low is not None:
        span = f"the range from {_u(kpi, low)}"
    elif high is not None:
        span = f"the range up to {_u(kpi, high)}"
    else:
        return "no range is set"
    if low is not None and value < low:
        outside, side = low - value, "below"
    elif high is not None and value > high:
        outside, side = value - high, "above"
    else:
        return f"{shown} is within {span}"
    where = f"{shown} is {_u(kpi, outside)} {side} {span}"
    if status in (Health.RED, Health.AMBER):
        name, limit, recovery = _level(kpi, status)
        if limit is None:
            return where
        if outside > limit:
            return f"{where}, more than the {name} distance {_u(kpi, limit)}"
        return f"{where} and has not recovered to within {_u(kpi, recovery)} of it yet"
    limit = kpi.warning_threshold if kpi.warning_threshold is not None else kpi.critical_threshold
    return f"{where}, within the allowed distance {_u(kpi, limit)}"
