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


# okrs/_kr.html's loop over a key result's check-ins, as it was before okrs.checkin_rows.
CHECKIN_ROWS_TEMPLATE = (
    "{% load okrs %}{% for c in checkins %}"
    '<tr><td><time datetime="{{ c.created_at|date:\'c\' }}">{{ c.created_at|date:"j M Y" }}'
    "</time></td><td>{{ c.value|num }}</td><td>{{ c.confidence }}/10</td>"
    "<td>{{ c.note|linebreaksbr }}</td><td>{% if c.author %}{{ c.author.display_name }}"
    "{% else %}\N{EN DASH}{% endif %}</td></tr>{% endfor %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/St_Johns"])
def test_checkin_rows_are_the_template_loops_own(world, zone: str) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt
    import re

    from django.utils import timezone

    from headway.okrs.models import CheckIn
    from tests.factories import make_kr, make_objective

    kr = make_kr(make_objective(world.cycle, world.growth), start=0, target=10)
    notes = ["", 'Two <b>lines</b>\r\nand "quotes" & more\rthird', "plain"]
    moments = [dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC), dt.datetime(2026, 1, 1, 0, 5)]
    for i, note in enumerate(notes):
        CheckIn.objects.create(
            organization=world.org,
            key_result=kr,
            value=Decimal("7.2500") + i,
            confidence=i + 3,
            note=note,
            author=world.mo if i else None,
            created_at=moments[i % 2].replace(tzinfo=dt.UTC),
        )
    checkins = list(kr.checkins.select_related("author__user").order_by("-created_at", "-id"))
    with timezone.override(zone):
        expected = ENGINE.from_string(CHECKIN_ROWS_TEMPLATE).render({"checkins": checkins})
        built = ENGINE.from_string("{% load okrs %}{% checkin_rows checkins %}").render(
            {"checkins": checkins}
        )

    assert "&lt;b&gt;lines&lt;/b&gt;<br>and &quot;quotes&quot; &amp; more<br>third" in built
    assert "\N{EN DASH}" in built and world.mo.display_name in built
    assert re.sub(r">\s+<", "><", built) == re.sub(r">\s+<", "><", expected)
