"""Forms of the cycle pages and of grading: they collect text, the services validate it."""

from __future__ import annotations

from django import forms

from headway.okrs.cycles import MONTHS
from headway.okrs.grading import SCORE_CHOICES


class GradeForm(forms.Form):
    score = forms.ChoiceField(
        label="Score",
        choices=[(f"{s:.1f}", f"{s:.1f}") for s in SCORE_CHOICES],
        help_text="0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0 green.",
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed when the score differs from the default (the final progress).",
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Reason for reopening",
        help_text="Required: the audit log keeps it.",
        required=False,  # the service says it is required, beside the field
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class FiscalYearForm(forms.Form):
    month = forms.TypedChoiceField(
        label="The fiscal year starts in",
        choices=[(n, name) for n, name in enumerate(MONTHS, start=1)],
        coerce=int,
        help_text="New quarters follow it; existing cycles keep their dates and names.",
    )
