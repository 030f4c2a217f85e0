"""How KPI values and periods read on a page: "$275", "23.5%", "54 bpm", "Nov 2026"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from headway.kpis.choices import Cadence

# Currency symbols go before the number; every other unit after it.
PREFIX_UNITS = frozenset({"$", "€", "£", "¥"})
NO_VALUE = "\u2013"  # an en dash


def number(value: object, *, grouping: bool = True) -> str:
    """A stored value without its padding zeros: Decimal("32.0000") reads "32", 118000 "118,000"."""
    if value is None or value == "":
        return NO_VALUE
    try:
        decimal = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not decimal.is_finite():
        return str(value)
    decimal = decimal.normalize()
    if decimal == 0:
        decimal = Decimal(0)  # no "-0" and no "0E+2"
    return format(decimal, ",f" if grouping else "f")


def with_unit(value: object, unit: str) -> str:
    text = number(value)
    if text == NO_VALUE or not unit:
        return text
    if unit in PREFIX_UNITS:
        return f"-{unit}{text[1:]}" if text.startswith("-") else f"{unit}{text}"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}"


def period_label(period: dt.date, cadence: str) -> str:
    """The period a value describes, as people name it."""
    if cadence == Cadence.DAY:
        return f"{period.day} {period:%b %Y}"
    if cadence == Cadence.WEEK:
        return f"Week of {period.day} {period:%b %Y}"
    if cadence == Cadence.QUARTER:
        return f"Q{(period.month - 1) // 3 + 1} {period.year}"
    return f"{period:%b %Y}"
