"""Bridge between stored rows and the pure core maths: Decimals in, floats out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from headway import core
from headway.okrs.models import CheckIn, Cycle, KeyResult
from headway.orgs.models import Organization


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def key_result_progress(kr: KeyResult, current: Decimal | None = None) -> float:
    return core.kr_progress(
        kind=core.KRKind(kr.kind),
        direction=core.Direction(kr.direction),
        start=float(kr.start),
        target=float(kr.target),
        current=_f(kr.current if current is None else current),
    )


def weighted_progress(rows: Iterable[tuple[float, Decimal]]) -> float | None:
    return core.weighted_mean(core.Weighted(value=p, weight=float(w)) for p, w in rows)


def cycle_bounds(cycle: Cycle) -> tuple[dt.datetime, dt.datetime]:
    """The cycle as an aware half-open interval: from its first day to the day after its last."""
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(cycle.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(cycle.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def expected_progress(cycle: Cycle, now: dt.datetime) -> float:
    start, end = cycle_bounds(cycle)
    return core.expected_progress(start=start, end=end, now=now)


def organization_thresholds(organization: Organization) -> core.PaceThresholds:
    return core.PaceThresholds(
        on_track=organization.pace_on_track_margin, at_risk=organization.pace_at_risk_margin
    )


def cycle_thresholds(cycle: Cycle) -> core.PaceThresholds:
    """The pace cut-offs of the cycle's organization.

    Selectors join the organization with the cycle (``select_related("cycle__organization")``)
    and pages attach the acting person's (``views.common.with_organization``), so this reads no
    row; a cycle loaded without it costs one query.
    """
    return organization_thresholds(cycle.organization)


def pace(progress: float, cycle: Cycle, now: dt.datetime) -> core.PaceStatus:
    """On track, at risk or off track, with the cut-offs of the cycle's organization."""
    return core.pace_status(
        progress=progress,
        expected=expected_progress(cycle, now),
        thresholds=cycle_thresholds(cycle),
    )


class Reading(NamedTuple):
    """A check-in as a forecast reads it: when, and the value (a plain tuple, not a model)."""

    created_at: dt.datetime
    value: Decimal


def key_result_forecast(
    kr: KeyResult, checkins: Iterable[CheckIn | Reading], cycle: Cycle, now: dt.datetime
) -> core.Forecast | None:
    """The KR's value and progress projected to the cycle's end from its check-ins."""
    start, end = cycle_bounds(cycle)
    return core.forecast(
        kind=core.KRKind(kr.kind),
        direction=core.Direction(kr.direction),
        start_value=float(kr.start),
        target=float(kr.target),
        observations=[core.Observation(at=c.created_at, value=float(c.value)) for c in checkins],
        cycle_start=start,
        cycle_end=end,
        now=now,
    )


def objective_forecast(
    rows: Sequence[tuple[KeyResult, core.Forecast | None]],
) -> float | None:
    """Projected progress of an objective at cycle end: the weighted mean of its key results'
    forecast progress. A key result with nothing to project from counts at its progress today;
    with no forecast at all there is nothing to say (None)."""
    if not any(f is not None for _, f in rows):
        return None
    return weighted_progress(
        (kr.progress if f is None else f.progress, kr.weight) for kr, f in rows
    )


def latest_confidence(key_results: Iterable[KeyResult]) -> int | None:
    """The confidence of the most recent check-in among these key results (None before any)."""
    checked = [kr for kr in key_results if kr.last_checkin_at and kr.confidence is not None]
    if not checked:
        return None
    return max(checked, key=lambda kr: (kr.last_checkin_at, kr.pk)).confidence
