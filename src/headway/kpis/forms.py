"""Forms of the KPI pages. They read what people type; the services validate and write.

Numbers are read as text and handed to the services as typed, so a bad number gets the same
message on the page as in the API ("must be a number, not 'abc'").
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from headway.core.alerts import AlertLevel
from headway.core.health import Health
from headway.kpis.choices import ALERT_LEVEL_CHOICES, Aggregation, Cadence, KpiDirection
from headway.kpis.formatting import number
from headway.kpis.models import Kpi
from headway.okrs import forms as okr_forms
from headway.orgs.models import Membership, Team
from headway.web import pickers


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number(label: str, help_text: str = "", *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class MeasurementForm(forms.Form):
    period = forms.DateField(label="Period", widget=_date_input())
    value = _number("Value", required=True)
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def rows(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [{"period": data["period"], "value": data["value"], "note": data["note"]}]


class CorrectionForm(forms.Form):
    """A new value for a period that has one; the period itself stays."""

    value = _number("Value", required=True)
    note = forms.CharField(label="Note", required=False, max_length=2000)


# Services name a measurement's fields by row; the forms above hold one row.
MEASUREMENT_ERRORS = {"measurements[0].value": "value", "measurements[0].period": "period"}


class BenchmarkForm(forms.Form):
    name = forms.CharField(label="Benchmark name", max_length=200)
    value = _number("Benchmark value", required=True)
    source = forms.CharField(label="Source", required=False, max_length=300)
    observed_on = forms.DateField(label="Observed on", required=False, widget=_date_input())


def _count(label: str, help_text: str, *, initial: int) -> forms.CharField:
    # Read as text like the numbers above, so the services word the errors.
    return forms.CharField(
        label=label,
        required=False,
        max_length=10,
        help_text=help_text,
        initial=str(initial),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


ALERT_FIELDS = ("alert_level", "alert_after", "resolve_after", "repeat_hours")
NO_DATA_CHOICES = [("yes", "Announce it"), ("no", "Stay silent")]


class KpiForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    key = forms.CharField(
        label="Key",
        max_length=60,
        required=False,
        help_text="Stable identifier for imports and the API; made from the name when empty.",
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    unit = forms.CharField(label="Unit", required=False, max_length=30, help_text="%, $, min, …")
    direction = forms.ChoiceField(label="Direction", choices=KpiDirection.choices)
    cadence = forms.ChoiceField(label="Cadence", choices=Cadence.choices, initial=Cadence.MONTH)
    aggregation = forms.ChoiceField(
        label="Aggregation",
        choices=Aggregation.choices,
        help_text="How values within one period combine.",
    )
    # Made in __init__: selects, or past the limits a team slug and a username to type.
    owner_team = forms.Field(label="Owner team", required=False)
    owner = forms.Field(label="Owner", required=False)
    # The page explains how thresholds read, once for all of them.
    target = _number("Target")
    warning_threshold = _number("Warning threshold")
    warning_recovery = _number("Warning recovery level")
    critical_threshold = _number("Critical threshold")
    critical_recovery = _number("Critical recovery level")
    range_low = _number("Range low")
    range_high = _number("Range high")
    # The alert policy. Left blank, a field keeps what the KPI has (or the default).
    alert_level = forms.ChoiceField(
        label="Alert on",
        required=False,
        choices=ALERT_LEVEL_CHOICES,
        initial=AlertLevel.CRITICAL.value,
    )
    alert_after = _count("Fire after", "Bad closed periods in a row.", initial=1)
    resolve_after = _count("Resolve after", "Good closed periods in a row.", initial=1)
    repeat_hours = _count(
        "Repeat every (hours)", "Between reminders while firing; 0: never.", initial=168
    )
    notify_no_data = forms.ChoiceField(
        label="When values stop coming",
        required=False,
        choices=NO_DATA_CHOICES,
        initial="yes",
        help_text="No value for two periods: the KPI is stale.",
    )

    def __init__(
        self,
        *args: Any,
        teams: list[tuple[Team, int]],
        people: list[Membership],
        org_id: int,
        team_ids: frozenset[int | None] | None = None,
        kpi: Kpi | None = None,
        **kwargs: Any,
    ) -> None:
        """``teams`` are the teams this person may give the KPI to (``team_ids``; None: any of
        the organization's), with their tree depth. ``people`` need hold only one more than
        ``OWNER_CHOICES_LIMIT``: past it the owner is a username to type."""
        if kpi is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(kpi)
        super().__init__(*args, **kwargs)
        depth = {team.pk: d for team, d in teams}
        all_teams = Team.objects.filter(organization_id=org_id)
        everyone = Membership.objects.filter(organization_id=org_id).select_related("user")
        self.fields["owner_team"] = pickers.pick_one(
            pickers.TEAM,
            [team for team, _ in teams],
            limit=okr_forms.TEAM_CHOICES_LIMIT,
            queryset=all_teams
            if team_ids is None
            else all_teams.filter(pk__in=[t for t in team_ids if t]),
            base=all_teams,
            keep=kpi.owner_team if kpi is not None else None,
            # The tree shows as indentation in the list: departments, then their teams.
            label_of=lambda team: "\u2003" * depth.get(team.pk, 0) + team.name,
            label="Owner team",
            required=False,
            empty_label="No team",
        )
        self.fields["owner"] = pickers.pick_one(
            pickers.PERSON,
            people,
            limit=okr_forms.OWNER_CHOICES_LIMIT,
            queryset=everyone,
            base=everyone,
            keep=kpi.owner if kpi is not None else None,
            label="Owner",
            required=False,
            empty_label="Nobody",
        )
        # Renaming the key breaks the imports that use it: on edit it must be given.
        self.fields["key"].required = kpi is not None

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the KPI services take it (ids for owners, None for blanks)."""
        data = self.cleaned_data
        out: dict[str, Any] = {
            field: data[field]
            for field in ("name", "description", "unit", "direction", "cadence", "aggregation")
        }
        if data["key"]:
            out["key"] = data["key"]
        out["owner_team_id"] = data["owner_team"].pk if data["owner_team"] else None
        out["owner_id"] = data["owner"].pk if data["owner"] else None
        for field in Kpi.VALUE_FIELDS:
            out[field] = data[field].strip() or None
        for field in ALERT_FIELDS:
            if data[field].strip():
                out[field] = data[field].strip()
        if data["notify_no_data"]:
            out["notify_no_data"] = data["notify_no_data"] == "yes"
        return out


def initial_for(kpi: Kpi) -> dict[str, Any]:
    initial: dict[str, Any] = {
        field: getattr(kpi, field)
        for field in ("name", "key", "description", "unit", "direction", "cadence", "aggregation")
    }
    initial["owner_team"] = kpi.owner_team_id
    initial["owner"] = kpi.owner_id
    for field in Kpi.VALUE_FIELDS:
        value = getattr(kpi, field)
        initial[field] = "" if value is None else number(value, grouping=False)
    for field in ALERT_FIELDS:
        initial[field] = str(getattr(kpi, field))
    initial["notify_no_data"] = "yes" if kpi.notify_no_data else "no"
    return initial


class QuickSelect(forms.Select):
    """A select written in Python rather than one template per option: a large organization's
    team list (thousands of options) renders in milliseconds."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (
                    option["value"],
                    mark_safe(" selected") if option["selected"] else "",
                    option["label"],
                )
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>', name, flatatt(widget["attrs"]), options
        )


class FilterForm(forms.Form):
    """The dashboard's filters; a value that is not a choice is ignored, not an error."""

    team = forms.TypedChoiceField(
        label="Team", required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    health = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *((h.value, h.label) for h in Health)],
    )

    def __init__(self, *args: Any, teams: list[tuple[Team, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "team", [("", "All teams"), *_team_choices(teams)])

    def chosen(self) -> tuple[int | None, str | None]:
        """(team id, health) as filtered; a bad value drops out of ``cleaned_data``."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("team"), data.get("health") or None


def _team_choices(teams: list[tuple[Team, int]]) -> list[tuple[int, str]]:
    # The tree shows as indentation in the list: departments, then their teams.
    return [(team.pk, "\u2003" * depth + team.name) for team, depth in teams]


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices
