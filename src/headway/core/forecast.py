"""Forecast of a KR's value at cycle end from the check-ins so far."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from headway.core.pace import require_aware
from headway.core.progress import Direction, KRKind, kr_progress

# Below this many check-ins a fitted line says more about noise than about the trend.
_MIN_TREND_POINTS = 3
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Observation:
    at: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Forecast:
    value: float
    progress: float
    method: str  # "trend" (least squares) or "pace" (extrapolated from the baseline)


def _trend(points: Sequence[Observation], origin: datetime, end: datetime) -> float | None:
    """Least-squares line through the points, evaluated at ``end``; None if no line is defined."""
    if len({point.at for point in points}) < 2:
        return None
    times = [(point.at - origin) / _DAY for point in points]
    values = [point.value for point in points]
    count = len(points)
    # Centring on the means keeps the sums well conditioned when values are large.
    time_mean = math.fsum(times) / count
    value_mean = math.fsum(values) / count
    sxx = math.fsum((t - time_mean) ** 2 for t in times)
    if sxx <= 0:
        return None
    sxy = math.fsum((t - time_mean) * (v - value_mean) for t, v in zip(times, values, strict=True))
    return value_mean + sxy / sxx * ((end - origin) / _DAY - time_mean)


def forecast(
    *,
    kind: KRKind,
    direction: Direction,
    start_value: float,
    target: float,
    observations: Sequence[Observation],
    cycle_start: datetime,
    cycle_end: datetime,
    now: datetime,
) -> Forecast | None:
    """Projected value and progress at cycle end, or None without any check-in to go on."""
    require_aware("cycle_start", cycle_start)
    require_aware("cycle_end", cycle_end)
    require_aware("now", now)
    for observation in observations:
        require_aware("observation time", observation.at)
    if cycle_end <= cycle_start:
        raise ValueError(f"cycle end {cycle_end!r} must be after its start {cycle_start!r}")

    # Check-ins from the future or after the cycle closed are not part of this cycle's record.
    horizon = min(now, cycle_end)
    points = [o for o in observations if cycle_start <= o.at <= horizon]
    if not points:
        return None

    value: float | None = None
    method = "trend"
    if len(points) >= _MIN_TREND_POINTS:
        value = _trend(points, cycle_start, cycle_end)
    if value is None:
        if now <= cycle_start:
            return None
        latest = points[0]
        for point in points[1:]:
            # On a tie the later entry wins: it was recorded last.
            if point.at >= latest.at:
                latest = point
        stretch = (cycle_end - cycle_start) / (horizon - cycle_start)
        value = start_value + (latest.value - start_value) * stretch
        method = "pace"
    if not math.isfinite(value):
        return None
    progress = kr_progress(
        kind=kind, direction=direction, start=start_value, target=target, current=value
    )
    return Forecast(value=value, progress=progress, method=method)
