"""The form renderer draws Django's widgets with Jinja2 and gives the HTML Django's engine gave."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer

from headway.web import form_renderer, pickers


class Sample(forms.Form):
    """A field of each widget kind the application's forms use, with awkward values."""

    title = forms.CharField(max_length=20, help_text="Short <b>and</b> clear")
    value = forms.CharField(widget=forms.NumberInput(attrs={"step": "any", "min": 0}))
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(choices=[("a", "Ann's <team>"), ("b", 'The "B" team')])
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two")], required=False)
    ok = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    owner = forms.CharField(widget=pickers._typed_widget(pickers.PERSON))


DATA = {
    "title": 'A "quoted" <title> & more',
    "value": "-1",
    "note": "Line one\n</textarea><script>",
    "day": dt.date(2026, 11, 30),
    "kind": "b",
    "many": ["1", "2"],
    "ok": True,
    "hidden": "x'y",
    "owner": "mo",
}


def _normal(text: str) -> str:
    """The same markup whatever entity escapes a character (&#x27; or &#39;) and whitespace."""
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def test_the_application_uses_the_jinja2_widget_renderer() -> None:
    assert settings.FORM_RENDERER == "headway.web.form_renderer.WidgetsByJinja2"
    renderer = get_default_renderer()
    assert isinstance(renderer, form_renderer.WidgetsByJinja2)
    # Django's own widget templates come from Jinja2, ours from Django's engine.
    assert renderer.get_template("django/forms/widgets/input.html").__module__.endswith("jinja2")
    assert "jinja2" not in type(renderer.get_template("web/_picker_input.html")).__module__


@pytest.mark.parametrize("bound", [False, True])
def test_widgets_draw_the_same_html_as_djangos_engine(bound: bool) -> None:
    data = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in DATA.items()}
    fast = Sample(data if bound else None, initial=None if bound else DATA)
    usual = Sample(
        data if bound else None, initial=None if bound else DATA, renderer=DjangoTemplates()
    )
    for name in Sample.base_fields:
        mine, theirs = str(fast[name]), str(usual[name])
        assert _normal(mine) == _normal(theirs), name
        assert "<script>" not in mine and "<title>" not in mine and "<team>" not in mine
    if bound:
        fast.is_valid()
        usual.is_valid()
    assert _normal(fast.as_div()) == _normal(usual.as_div())
