"""Filters that show KPI values and periods: ``{{ value|with_unit:kpi.unit }}``."""

from __future__ import annotations

import datetime as dt

from django import template

from headway.kpis import formatting

register = template.Library()


@register.filter
def number(value: object) -> str:
    return formatting.number(value)


@register.filter
def with_unit(value: object, unit: str) -> str:
    return formatting.with_unit(value, unit or "")


@register.filter
def period(value: dt.date | None, cadence: str) -> str:
    return "" if value is None else formatting.period_label(value, cadence)
