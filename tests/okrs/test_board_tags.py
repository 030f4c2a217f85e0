"""The progress, pace and score tags write what the templates they replaced wrote.

The templates' sources stay here as the reference: the tags took their place on every page (an
``{% include %}`` per row was most of the board's rendering time).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import engines

from headway.core import PaceStatus

ENGINE = engines["django"]
# web/_progress.html, web/_pace.html and okrs/_score.html, as they were.
PROGRESS_TEMPLATE = (
    "{# A labelled progress bar: progress (0..1, or None when there is nothing to measure),"
    " label. #}\n"
    '<progress class="progress" max="1" value="{{ progress|default:0|stringformat:\'.4f\' }}"'
    ' aria-label="{{ label }}"></progress>\n'
    '<span class="pct">{% if progress is None %}\N{EN DASH}{% else %}'
    "{% widthratio progress 1 100 %}%{% endif %}</span>\n"
)
PACE_TEMPLATE = (
    '{% if pace %}<span class="badge pace-{{ pace.value }}">{{ pace.label }}</span>{% endif %}\n'
)
SCORE_TEMPLATE = (
    "{% if graded is not None %}{% with s=graded %}"
    '<span class="badge band-{{ s|band }}" title="Graded score: 0.0-0.3 red, 0.4-0.6 yellow,'
    ' 0.7-1.0 green">Score {{ s|floatformat:1 }}</span>{% endwith %}'
    "{% elif progress is not None %}{% with s=progress|score %}"
    '<span class="badge band-{{ s|band }}" title="Score on the 0.1 grid: 0.0-0.3 red,'
    ' 0.4-0.6 yellow, 0.7-1.0 green">Score {{ s|floatformat:1 }}</span>{% endwith %}'
    "{% endif %}\n"
)

PROGRESSES = [None, 0.0, 0.004, 0.005, 0.125, 0.5, 0.555, 0.9999, 1.0, 1.25, -0.1]


def render(source: str, **context: object) -> str:
    return ENGINE.from_string(source).render(context)


@pytest.mark.parametrize("progress", PROGRESSES)
def test_progress_bar_is_the_progress_template(progress):
    context = {"p": progress, "title": 'Ship <b>"it"</b> & more'}
    assert render(
        '{% load okrs %}{% progress_bar p "Progress of "|add:title %}', **context
    ) == render(
        '{% with progress=p label="Progress of "|add:title %}'
        + PROGRESS_TEMPLATE
        + "{% endwith %}",
        **context,
    )


@pytest.mark.parametrize("pace", [None, *PaceStatus])
def test_pace_badge_is_the_pace_template(pace):
    assert render("{% load okrs %}{% pace_badge p %}", p=pace) == render(
        "{% with pace=p %}" + PACE_TEMPLATE + "{% endwith %}", p=pace
    )


@pytest.mark.parametrize("graded", [None, 0.0, 0.3, 0.65, 1.0])
@pytest.mark.parametrize("progress", PROGRESSES)
def test_score_badge_is_the_score_template(progress, graded):
    context = {"p": progress, "g": graded}
    assert render("{% load okrs %}{% score_badge p g %}", **context) == render(
        "{% load okrs %}{% with progress=p graded=g %}" + SCORE_TEMPLATE + "{% endwith %}",
        **context,
    )


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        7,
        -3,
        Decimal("0"),
        Decimal("-0.0000"),
        Decimal("10.0000"),
        Decimal("32.5000"),
        Decimal("0.0050"),
        Decimal("0.0049"),
        Decimal("-0.0050"),
        Decimal("-0.0049"),
        Decimal("1.2350"),
        Decimal("-12.3450"),
        Decimal("123456789.9950"),
        Decimal("99.9999"),
        Decimal("1E+3"),
        Decimal("NaN"),
        2.5,
        "text",
    ],
)
def test_cents_is_floatformat_minus_two(value):
    assert render("{% load okrs %}{{ v|cents }}", v=value) == render(
        '{{ v|floatformat:"-2" }}', v=value
    )
