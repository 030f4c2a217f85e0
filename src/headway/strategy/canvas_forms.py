"""Forms of the Strategy Canvas pages: they collect text, the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F

from headway.okrs.choices import CycleState
from headway.okrs.models import Cycle
from headway.orgs.models import Team
from headway.strategy.choices import Errc, PlayerKind


class CanvasForm(forms.Form):
    title = forms.CharField(max_length=200)
    tagline = forms.CharField(
        max_length=200,
        required=False,
        help_text="One line customers would repeat: what the new curve stands for.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FactorForm(forms.Form):
    name = forms.CharField(max_length=120, label="Factor")
    errc = forms.ChoiceField(choices=Errc.choices, required=False, label="Action")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PlayerForm(forms.Form):
    name = forms.CharField(max_length=120, label="Player")
    kind = forms.ChoiceField(choices=PlayerKind.choices)


class ObjectiveFromFactorForm(forms.Form):
    title = forms.CharField(max_length=200)
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), empty_label=None)
    owner_team = forms.ModelChoiceField(
        queryset=Team.objects.none(), empty_label=None, label="Owner"
    )

    def __init__(self, *args: Any, org_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cycle_field: Any = self.fields["cycle"]
        cycle_field.queryset = Cycle.objects.filter(organization_id=org_id).exclude(
            state=CycleState.CLOSED
        )
        team_field: Any = self.fields["owner_team"]
        # The company first: it owns company objectives.
        team_field.queryset = Team.objects.filter(organization_id=org_id).order_by(
            F("parent_id").asc(nulls_first=True), "name"
        )
