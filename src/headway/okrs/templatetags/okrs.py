"""Template filters for OKR pages: scores on the 0.1 grid and their colour bands."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from headway import core
from headway.core import PaceStatus
from headway.okrs.models import CheckIn
from headway.web.rows import LocalDays

register = template.Library()
# What the linebreaksbr filter takes for a line break, besides "\n".
_NEWLINES = re.compile(r"\r\n|\r")


@register.filter
def score(progress: float | None) -> float | None:
    """The default grade of a progress: snapped to the 0.1 grid."""
    return None if progress is None else core.default_score(progress)


@register.filter
def band(score: float | None) -> str:
    """The colour band of a score (red, yellow, green), for the ``band-*`` classes."""
    return "" if score is None else core.grade_band(score).value


@register.filter
def thousands(value: int | None) -> str:
    """A count with its thousands grouped: 20000 -> "20,000" (not for ids: those stay plain)."""
    return "" if value is None else f"{int(value):,}"


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


# Pages draw a progress bar, a pace and a score badge for every objective, key result and team
# row: as tags they cost a function call each, where an ``{% include %}`` of the same markup
# costs a template render (most of the board's rendering time at size).


@register.simple_tag
def progress_bar(progress: float | None, label: str) -> SafeString:
    """A labelled progress bar, ``progress`` 0..1 or None (\N{EN DASH} for None)."""
    shown = "\N{EN DASH}" if progress is None else f"{round(float(progress) * 100)}%"
    return format_html(
        '\n<progress class="progress" max="1" value="{}" aria-label="{}"></progress>\n'
        '<span class="pct">{}</span>\n',
        f"{progress or 0:.4f}",
        label,
        shown,
    )


@register.simple_tag
def pace_badge(pace: PaceStatus | None) -> SafeString:
    """The pace's badge, nothing without one."""
    if not pace:
        return mark_safe("\n")
    return format_html('<span class="badge pace-{}">{}</span>\n', pace.value, pace.label)


@register.simple_tag
def score_badge(progress: float | None, graded: float | None) -> SafeString:
    """The graded score, else the score the progress would get, else nothing."""
    if graded is not None:
        value, title = graded, "Graded score"
    elif progress is not None:
        value, title = core.default_score(progress), "Score on the 0.1 grid"
    else:
        return mark_safe("\n")
    return format_html(
        '<span class="badge band-{}" title="{}: 0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green">'
        "Score {}</span>\n",
        band(value),
        title,
        floatformat(value, 1),
    )


_CENT = Decimal("0.01")


@register.filter
def cents(value: Decimal | int | float | None) -> str:
    """``floatformat:"-2"`` (whole numbers bare, others to two places, half up) for the
    Decimal values of key results, without its locale work: the home page writes two for each
    of a hundred key results. Anything else goes to ``floatformat``."""
    if (
        not isinstance(value, Decimal | int)
        or isinstance(value, bool)
        or not Decimal(value).is_finite()
    ):
        return floatformat(value, "-2")
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    rounded = number.quantize(_CENT, ROUND_HALF_UP)
    return f"-{-rounded:f}" if rounded < 0 else f"{abs(rounded):f}"


@register.simple_tag
def checkin_rows(checkins: list[CheckIn]) -> SafeString:
    """A key result's check-ins as table rows (``headway.web.rows``): the objective page lists
    every check-in of each key result, and the template loop cost about 0.1 ms a row."""
    local_day = LocalDays()
    parts = []
    for c in checkins:
        local, day = local_day(c.created_at)
        note = escape(_NEWLINES.sub("\n", c.note)).replace("\n", "<br>")
        author = escape(c.author.display_name) if c.author is not None else "\N{EN DASH}"
        parts.append(
            f'<tr><td><time datetime="{local.isoformat()}">{day}</time></td>'
            f"<td>{escape(num(c.value))}</td><td>{c.confidence}/10</td>"
            f"<td>{note}</td><td>{author}</td></tr>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every value above is escaped
