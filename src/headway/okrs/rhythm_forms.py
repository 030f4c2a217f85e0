"""Forms of the rhythm pages: the at-risk filter, a person's digest, the organization's settings.

Numbers stay text until the service reads them, so a bad value comes back as typed with the
service's message beside it.
"""

from __future__ import annotations

from typing import Any

from django import forms

from headway.okrs import selectors
from headway.okrs.models import Cycle
from headway.okrs.reminders import WEEKDAYS
from headway.orgs.models import Membership, Organization

WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate(WEEKDAYS)]


class AtRiskFilterForm(forms.Form):
    cycle = forms.TypedChoiceField(coerce=int, required=False)
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, cycles: list[Cycle], teams: list[selectors.TeamNode], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cycle = self.fields["cycle"]
        team = self.fields["team"]
        assert isinstance(cycle, forms.ChoiceField) and isinstance(team, forms.ChoiceField)
        cycle.choices = [(c.pk, c.name) for c in cycles]
        team.choices = [
            ("", "Every team"),
            *((n.team.pk, "\N{NO-BREAK SPACE}" * 3 * n.depth + n.team.name) for n in teams),
        ]


class ReminderPreferencesForm(forms.Form):
    checkin_reminders = forms.BooleanField(
        required=False,
        label="Send me the weekly check-in digest",
        help_text="One e-mail a week listing your key results without a check-in since Monday.",
    )
    reminder_weekday = forms.ChoiceField(
        required=False, label="Day", help_text="It arrives from 09:00 on that day."
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reminder_weekday"]
        assert isinstance(field, forms.ChoiceField)
        default = WEEKDAYS[organization.reminder_weekday]
        field.choices = [("", f"The organization's day ({default})"), *WEEKDAY_CHOICES]

    @staticmethod
    def initial_for(person: Membership) -> dict[str, Any]:
        weekday = person.reminder_weekday
        return {
            "checkin_reminders": person.checkin_reminders,
            "reminder_weekday": "" if weekday is None else str(weekday),
        }

    def service_data(self) -> dict[str, Any]:
        weekday = self.cleaned_data["reminder_weekday"]
        return {
            "checkin_reminders": self.cleaned_data["checkin_reminders"],
            "reminder_weekday": None if weekday == "" else weekday,
        }


class RhythmSettingsForm(forms.Form):
    pace_on_track_margin = forms.CharField(
        label="On-track margin",
        help_text="On track while progress is at most this far behind the elapsed share of "
        "the cycle (0.15: 15 points).",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    pace_at_risk_margin = forms.CharField(
        label="At-risk margin",
        help_text="At risk while at most this far behind; further behind is off track. "
        "From the on-track margin to 1.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reminder_weekday = forms.ChoiceField(
        choices=WEEKDAY_CHOICES,
        label="Check-in digest day",
        help_text="The day people get their weekly digest unless they chose their own.",
    )

    @staticmethod
    def initial_for(organization: Organization) -> dict[str, Any]:
        return {
            "pace_on_track_margin": f"{organization.pace_on_track_margin:g}",
            "pace_at_risk_margin": f"{organization.pace_at_risk_margin:g}",
            "reminder_weekday": str(organization.reminder_weekday),
        }
