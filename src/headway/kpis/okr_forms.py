"""Forms that turn a KPI into OKRs: a key result that follows it, or an objective to fix it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from headway.okrs import selectors
from headway.okrs.choices import OBJECTIVE_KIND_CHOICES, ObjectiveStatus
from headway.okrs.forms import objective_field, open_cycles, owner_ids, set_owner_field
from headway.okrs.from_kpis import FOLLOWING_STATES
from headway.okrs.models import Cycle, Objective
from headway.orgs.models import Membership


def _number(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=40,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _confidence() -> forms.CharField:
    return forms.CharField(
        label="Confidence (0-10)",
        initial="5",
        max_length=3,
        help_text="How sure you are today that the target will be reached.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def followable_objectives(membership: Membership) -> QuerySet[Objective]:
    """Active objectives that ``membership`` may edit, in cycles where a key result follows its
    KPI (planning or active): where a key result made from a KPI may go."""
    return selectors.editable_objectives(membership).filter(
        status=ObjectiveStatus.ACTIVE, cycle__state__in=FOLLOWING_STATES
    )


class KeyResultFromKpiForm(forms.Form):
    # Made in __init__: a list, or past OBJECTIVE_CHOICES_LIMIT a key to type.
    objective = forms.Field()
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Left empty, it says where the KPI should go: “Raise NPS from 32 to 50”.",
    )
    target = _number("Target", "The value this KPI should reach by the end of the cycle.")
    confidence = _confidence()

    def __init__(
        self, *args: Any, objectives: QuerySet[Objective], org_id: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"] = objective_field(objectives, org_id, label="Objective")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "objective": data["objective"],
            "title": data["title"],
            "target": data["target"],
            "confidence": data["confidence"],
        }


class ObjectiveFromKpiForm(forms.Form):
    title = forms.CharField(
        max_length=200, help_text="Qualitative and short: the key result carries the numbers."
    )
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), empty_label=None)
    owner = forms.ChoiceField(help_text="The team that will fix it, or a person.")
    kind = forms.ChoiceField(
        choices=OBJECTIVE_KIND_CHOICES,
        initial="committed",
        help_text="Getting a KPI back to health is usually committed (aim: 1.0).",
    )
    key_result_title = forms.CharField(
        label="Key result",
        max_length=200,
        required=False,
        help_text="Left empty, it says where the KPI should go.",
    )
    target = _number("Key result target")
    confidence = _confidence()

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_owner_field(self, membership)
        cycle = self.fields["cycle"]
        assert isinstance(cycle, forms.ModelChoiceField)
        cycle.queryset = open_cycles(membership.organization_id).order_by("-start", "name")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "cycle_id": data["cycle"].pk,
            "kind": data["kind"],
            **owner_ids(data["owner"]),
            "key_result": {
                "title": data["key_result_title"],
                "target": data["target"],
                "confidence": data["confidence"],
            },
        }


# Service field -> form field, where the names differ.
OBJECTIVE_FIELD_MAP = {
    "cycle_id": "cycle",
    "owner_team_id": "owner",
    "owner_person_id": "owner",
    "key_result.target": "target",
    "key_result.confidence": "confidence",
    "key_result.title": "key_result_title",
    "key_result.kpi": "target",
}
