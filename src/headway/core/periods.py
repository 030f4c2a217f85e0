"""Calendar periods of KPI cadences and of quarterly cycles."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Cadence(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"


def period_start(day: dt.date, cadence: Cadence) -> dt.date:
    """The first day of the period that contains ``day`` (weeks start on Monday)."""
    if cadence is Cadence.DAY:
        return day
    if cadence is Cadence.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if cadence is Cadence.MONTH:
        return day.replace(day=1)
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; only used on first days of months, so no clamping needed."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def next_period(start: dt.date, cadence: Cadence) -> dt.date:
    if cadence is Cadence.DAY:
        return start + dt.timedelta(days=1)
    if cadence is Cadence.WEEK:
        return start + dt.timedelta(days=7)
    return add_months(start, 1 if cadence is Cadence.MONTH else 3)


def periods_between(first: dt.date, last: dt.date, cadence: Cadence) -> list[dt.date]:
    """Every period start from the one containing ``first`` to the one containing ``last``."""
    out = []
    current = period_start(first, cadence)
    while current <= last:
        out.append(current)
        current = next_period(current, cadence)
    return out


def fiscal_quarter(day: dt.date, fiscal_start_month: int = 1) -> tuple[int, int, dt.date, dt.date]:
    """(fiscal year, quarter 1-4, first day, last day) of the fiscal quarter containing ``day``.

    The fiscal year is named after the calendar year it ends in, as most companies do
    (a year starting in October 2026 is FY2027); with a January start it is the calendar year.
    """
    if not 1 <= fiscal_start_month <= 12:
        raise ValueError("fiscal_start_month must be 1-12")
    months_in = (day.month - fiscal_start_month) % 12
    quarter = months_in // 3 + 1
    first = add_months(day.replace(day=1), -(months_in % 3))
    last = add_months(first, 3) - dt.timedelta(days=1)
    year_start = add_months(day.replace(day=1), -months_in)
    fiscal_year = year_start.year if fiscal_start_month == 1 else year_start.year + 1
    return fiscal_year, quarter, first, last
