"""Template filters for OKR pages: scores on the 0.1 grid and their colour bands."""

from __future__ import annotations

from decimal import Decimal

from django import template

from headway import core

register = template.Library()


@register.filter
def score(progress: float | None) -> float | None:
    """The default grade of a progress: snapped to the 0.1 grid."""
    return None if progress is None else core.default_score(progress)


@register.filter
def band(score: float | None) -> str:
    """The colour band of a score (red, yellow, green), for the ``band-*`` classes."""
    return "" if score is None else core.grade_band(score).value


@register.filter
def num(value: Decimal | float | int | None) -> str:
    """A value as typed, without padding zeros: 32.5000 -> "32.5", 7000.0000 -> "7000".

    Computed floats (forecasts) have no typed precision: two decimals below 100, none above.
    """
    if value is None:
        return "\N{EN DASH}"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    digits = 0 if abs(value) >= 100 else 2
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
