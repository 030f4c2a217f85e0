"""Forms of the X-Matrix editor. They only collect input: the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q

from headway.kpis.models import Kpi
from headway.okrs.forms import ObjectivesChoiceField, PersonChoiceField
from headway.okrs.models import Objective
from headway.orgs.models import Membership, Team
from headway.strategy.choices import ItemKind
from headway.strategy.models import XMatrix


def _decimal_input() -> forms.TextInput:
    # Text, not type=number, so that "abc" comes back with its error instead of vanishing.
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class MatrixForm(forms.Form):
    year = forms.CharField(max_length=4, help_text="The year of the annual objectives.")
    title = forms.CharField(max_length=200, required=False)


class ItemForm(forms.Form):
    """Add a row to one list; metric and annual rows get their extra fields."""

    title = forms.CharField(max_length=200)
    description = forms.CharField(max_length=5000, required=False)

    def __init__(self, *args: Any, kind: str, matrix: XMatrix, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"add-{kind}")
        super().__init__(*args, **kwargs)
        self.kind = kind
        org_id = matrix.organization_id
        if kind == ItemKind.ANNUAL:
            self.fields["objectives"] = ObjectivesChoiceField(
                queryset=Objective.objects.filter(organization_id=org_id)
                .filter(Q(cycle__start__year__lte=matrix.year, cycle__end__year__gte=matrix.year))
                .select_related("cycle", "owner_team", "owner_person__user")
                .order_by("cycle__start", "title"),
                required=False,
                label="Company objectives",
                help_text=f"The objectives of {matrix.year}'s cycles it stands for.",
                widget=forms.SelectMultiple(attrs={"size": 3}),
            )
        if kind == ItemKind.METRIC:
            self.fields["kpi"] = forms.ModelChoiceField(
                queryset=Kpi.objects.filter(organization_id=org_id).order_by("name"),
                required=False,
                label="KPI",
            )
            self.fields["baseline"] = forms.CharField(required=False, widget=_decimal_input())
            self.fields["target"] = forms.CharField(required=False, widget=_decimal_input())
            self.fields["unit"] = forms.CharField(max_length=30, required=False)
            self.fields["owner"] = PersonChoiceField(
                queryset=Membership.objects.filter(organization_id=org_id)
                .select_related("user")
                .order_by("user__username"),
                required=False,
            )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {"title": data["title"], "description": data["description"]}
        if self.kind == ItemKind.ANNUAL:
            out["objective_ids"] = [o.pk for o in data.get("objectives") or []]
        if self.kind == ItemKind.METRIC:
            out["kpi_id"] = data["kpi"].pk if data.get("kpi") else None
            out["owner_id"] = data["owner"].pk if data.get("owner") else None
            out["baseline"] = data.get("baseline")
            out["target"] = data.get("target")
            out["unit"] = data.get("unit", "")
        return out


class ResourceForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    person = PersonChoiceField(queryset=Membership.objects.none(), required=False)
    label = forms.CharField(
        max_length=200, required=False, label="Or a name", help_text="When neither."
    )

    def __init__(self, *args: Any, matrix: XMatrix, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "add-resource")
        super().__init__(*args, **kwargs)
        org_id = matrix.organization_id
        self.fields["team"].queryset = Team.objects.filter(organization_id=org_id).order_by("name")  # type: ignore[attr-defined]
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(organization_id=org_id)
            .select_related("user")
            .order_by("user__username")
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "team_id": data["team"].pk if data.get("team") else None,
            "person_id": data["person"].pk if data.get("person") else None,
            "label": data.get("label", ""),
        }
