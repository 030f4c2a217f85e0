"""Raw events (a sale, a sign-up, a reading) into one value per period of a KPI's cadence."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from headway.core.periods import Cadence, period_start


class Aggregation(StrEnum):
    LAST = "last"
    SUM = "sum"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    COUNT = "count"


@dataclass(slots=True)
class _Period:
    """What one period needs to know about its events, whatever their number."""

    count: int
    total: Decimal
    low: Decimal
    high: Decimal
    last_at: dt.datetime
    last: Decimal

    def add(self, at: dt.datetime, value: Decimal) -> None:
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        # ">=": of two events at the same moment, the one given later is the last.
        if at >= self.last_at:
            self.last_at, self.last = at, value

    def value(self, how: Aggregation) -> Decimal:
        if how is Aggregation.SUM:
            return self.total
        if how is Aggregation.MEAN:
            return self.total / self.count
        if how is Aggregation.MIN:
            return self.low
        if how is Aggregation.MAX:
            return self.high
        if how is Aggregation.COUNT:
            return Decimal(self.count)
        return self.last


def aggregate(
    events: Iterable[tuple[dt.datetime, Decimal]], cadence: Cadence, how: Aggregation
) -> dict[dt.date, Decimal]:
    """The value of every period that has events, keyed by the period's first day.

    An event belongs to the period of its calendar date as given: the caller passes times in the
    organization's time zone, since "the day of a sale" is a local notion. ``last`` is the value
    of the latest event (of events at the same moment, the one given later). ``mean`` is exact
    to the precision of ``decimal``; callers round it to what they store.
    """
    periods: dict[dt.date, _Period] = {}
    for at, value in events:
        start = period_start(at.date(), cadence)
        found = periods.get(start)
        if found is None:
            periods[start] = _Period(1, value, value, value, at, value)
        else:
            found.add(at, value)
    return {start: found.value(how) for start, found in sorted(periods.items())}
