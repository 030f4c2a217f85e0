"""Bridge between stored rows and the pure core maths: Decimals in, floats out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from headway import core
from headway.okrs.models import Cycle, KeyResult


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


def pace(progress: float, cycle: Cycle, now: dt.datetime) -> core.PaceStatus:
    return core.pace_status(progress=progress, expected=expected_progress(cycle, now))
