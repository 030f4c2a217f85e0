"""Template filters of the quarterly rhythm: an objective's forecast from its key-result rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from headway.okrs.progress import latest_confidence, objective_forecast

register = template.Library()


@register.filter
def rows_forecast(rows: Sequence[Any]) -> float | None:
    """Projected progress of the objective whose key-result rows (``KeyResultRow``) these are."""
    return objective_forecast([(row.kr, row.forecast) for row in rows])


@register.filter
def rows_confidence(rows: Sequence[Any]) -> int | None:
    return latest_confidence(row.kr for row in rows)
