"""Forms of the OKR pages.

The forms offer only what the person may choose (their organization's cycles, the owners they
may use) and collect text; the services validate the values and their errors are put back
beside the fields (``web.shortcuts.add_service_errors``). Numbers stay text until the service
reads them, so "abc" comes back as typed with the service's message beside it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.html import format_html

from headway.core.coach import RULES
from headway.okrs import selectors
from headway.okrs.choices import (
    DIRECTION_CHOICES,
    KR_KIND_CHOICES,
    OBJECTIVE_KIND_CHOICES,
    CycleState,
    KRResultType,
    ObjectiveStatus,
)
from headway.okrs.models import Cycle, Objective
from headway.orgs.models import Membership, Organization, Team
from headway.web import pickers

# Objectives (and key results) a create page takes in one submit.
MAX_INLINE_KEY_RESULTS = 5


def _number(**attrs: str) -> forms.TextInput:
    # Text, not type=number: a browser would drop "abc" instead of keeping it for the error.
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", **attrs})


def objective_label(objective: Objective) -> str:
    return f"{objective.title} ({objective.cycle.name} · {objective.owner_name})"


class ObjectiveChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Objective) -> str:
        return objective_label(obj)


class ObjectivesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Objective) -> str:
        return objective_label(obj)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.display_name


def open_cycles(org_id: int) -> Any:
    return Cycle.objects.filter(organization_id=org_id).exclude(state=CycleState.CLOSED)


def owner_choices(teams: list[Team], people: list[Membership]) -> list[Any]:
    """An objective's possible owners, grouped: "team:<id>" and "person:<id>"."""
    choices: list[Any] = [("", "Choose an owner")]
    if teams:
        choices.append(("Teams", [(f"team:{t.pk}", t.name) for t in teams]))
    if people:
        choices.append(("People", [(f"person:{p.pk}", p.display_name) for p in people]))
    return choices


def set_owner_field(
    form: forms.Form, membership: Membership, current: Team | Membership | None = None
) -> None:
    """``form``'s ``owner``: a select of the teams and people ``membership`` may give an
    objective to (and ``current``), or past the limits a team slug or username to type."""
    teams_query, people_query = selectors.objective_owner_queries(membership)
    teams: list[Team] = list(teams_query[: TEAM_CHOICES_LIMIT + 1])
    people: list[Membership] = list(people_query[: OWNER_CHOICES_LIMIT + 1])
    owner = form.fields["owner"]
    if len(teams) > TEAM_CHOICES_LIMIT or len(people) > OWNER_CHOICES_LIMIT:
        form.fields["owner"] = pickers.OwnerKeyField(
            teams=teams_query,
            people=people_query,
            org_id=membership.organization_id,
            keep=current,
            label=owner.label,
            required=owner.required,
        )
        return
    # Editing never loses the current owner from the list, even one the editor could not
    # have chosen.
    if isinstance(current, Team) and current not in teams:
        teams.insert(0, current)
    if isinstance(current, Membership) and current not in people:
        people.insert(0, current)
    assert isinstance(owner, forms.ChoiceField)
    owner.choices = owner_choices(teams, people)


def owner_ids(owner: str) -> dict[str, int | None]:
    """ "team:3" -> the services' ``owner_team_id`` and ``owner_person_id``."""
    kind, _, pk = owner.partition(":")
    return {
        "owner_team_id": int(pk) if kind == "team" else None,
        "owner_person_id": int(pk) if kind == "person" else None,
    }


class ObjectiveForm(forms.Form):
    """Create or edit an objective. ``owner`` is "team:<id>" or "person:<id>"."""

    title = forms.CharField(
        max_length=200,
        help_text="Qualitative and short: no jargon and usually no numbers.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), empty_label=None)
    owner = forms.ChoiceField(help_text="A team, or a person for a personal objective.")
    kind = forms.ChoiceField(
        choices=OBJECTIVE_KIND_CHOICES,
        initial="aspirational",
        help_text="Committed objectives aim at a score of 1.0, aspirational ones at 0.7.",
    )
    weight = forms.CharField(
        initial="1",
        widget=_number(),
        help_text="How much it counts in its team's roll-up.",
    )
    # Made in __init__: a list, or past OBJECTIVE_CHOICES_LIMIT keys to type (declared here
    # for its place in the form).
    parents = forms.Field(required=False)

    def __init__(
        self,
        *args: Any,
        membership: Membership,
        objective: Objective | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_id = membership.organization_id
        current = None
        if objective is not None:
            current = objective.owner_team or objective.owner_person
        set_owner_field(self, membership, current)
        cycle = self.fields["cycle"]
        assert isinstance(cycle, forms.ModelChoiceField)
        cycle.queryset = open_cycles(org_id).order_by("-start", "name")
        candidates = (
            Objective.objects.filter(organization_id=org_id, status=ObjectiveStatus.ACTIVE)
            .select_related("cycle", "owner_team", "owner_person__user")
            .order_by("-cycle__start", "title", "id")
        )
        if objective is not None:
            del self.fields["cycle"]  # moving to another cycle has its own page
            candidates = candidates.exclude(pk=objective.pk)
        self.fields["parents"] = pickers.pick_many(
            pickers.OBJECTIVE,
            pickers.first_rows(candidates, OBJECTIVE_CHOICES_LIMIT),
            limit=OBJECTIVE_CHOICES_LIMIT,
            queryset=candidates,
            base=Objective.objects.filter(organization_id=org_id),
            label_of=objective_label,
            required=False,
            label="Supports",
            help_text="The objectives this one contributes to.",
            select_hint="Choose several with Ctrl or ⌘.",
            widget=forms.SelectMultiple(attrs={"size": 6}),
        )

    def owner_ids(self) -> dict[str, int | None]:
        """The owner as the services take it: ``owner_team_id`` and ``owner_person_id``."""
        return owner_ids(self.cleaned_data["owner"])

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result = {
            "title": data["title"],
            "description": data["description"],
            "kind": data["kind"],
            "weight": data["weight"],
            "parent_ids": [p.pk for p in data["parents"]],
            **self.owner_ids(),
        }
        if "cycle" in data:
            result["cycle_id"] = data["cycle"].pk
        return result

    @staticmethod
    def initial_for(objective: Objective) -> dict[str, Any]:
        owner = (
            f"team:{objective.owner_team_id}"
            if objective.owner_team_id
            else f"person:{objective.owner_person_id}"
        )
        return {
            "title": objective.title,
            "description": objective.description,
            "owner": owner,
            "kind": objective.kind,
            "weight": f"{objective.weight.normalize():f}",
            # With their cycles: at size the field shows their keys ("2026-Q4/grow-revenue").
            "parents": list(
                Objective.objects.filter(child_links__child=objective).select_related("cycle")
            ),
        }


# Service field -> form field, where the names differ.
OBJECTIVE_FIELD_MAP = {
    "cycle_id": "cycle",
    "owner_team_id": "owner",
    "owner_person_id": "owner",
    "parent_ids": "parents",
}


class KeyResultForm(forms.Form):
    """A key result's fields. Inline on the objective create page, every row is optional."""

    title = forms.CharField(max_length=200, help_text="What you will measure, from X to Y.")
    kind = forms.ChoiceField(choices=KR_KIND_CHOICES, initial="metric")
    start = forms.CharField(label="Start (baseline)", initial="0", widget=_number())
    target = forms.CharField(widget=_number())
    unit = forms.CharField(required=False, max_length=30)
    direction = forms.ChoiceField(choices=DIRECTION_CHOICES, initial="increase")
    # Made in __init__: a list of people, or past OWNER_CHOICES_LIMIT a username.
    owner = forms.Field(required=False)

    def __init__(
        self,
        *args: Any,
        membership: Membership,
        people: list[Membership] | None = None,
        **kwargs: Any,
    ) -> None:
        """``people``: ``key_result_owners`` read once for several forms (a formset's rows)."""
        super().__init__(*args, **kwargs)
        query = _org_people(membership.organization_id)
        if people is None:
            people = key_result_owners(membership.organization_id)
        self.fields["owner"] = pickers.pick_one(
            pickers.PERSON,
            people,
            limit=OWNER_CHOICES_LIMIT,
            queryset=query,
            base=query,
            required=False,
            empty_label="Nobody yet",
            label="Owner",
        )

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        owner = data.get("owner")
        result = {name: data[name] for name in self.fields if name != "owner"}
        result["owner_id"] = owner.pk if owner else None
        return result


class KeyResultFullForm(KeyResultForm):
    """The key result page's form: also its weight and whether it measures an outcome."""

    weight = forms.CharField(
        initial="1", widget=_number(), help_text="How much it counts in its objective."
    )
    result_type = forms.ChoiceField(
        choices=KRResultType.choices,
        initial=KRResultType.OUTCOME,
        label="Measures",
        help_text="An outcome (what changes) rather than an output (what we ship).",
    )

    @staticmethod
    def initial_for(kr: Any) -> dict[str, Any]:
        return {
            "title": kr.title,
            "kind": kr.kind,
            "start": f"{kr.start.normalize():f}",
            "target": f"{kr.target.normalize():f}",
            "unit": kr.unit,
            "direction": kr.direction,
            "owner": kr.owner,  # loaded with the key result; shown as a username at size
            "weight": f"{kr.weight.normalize():f}",
            "result_type": kr.result_type,
        }


KR_FIELD_MAP = {"owner_id": "owner"}


def _org_people(org_id: int) -> Any:
    return Membership.objects.filter(organization_id=org_id).select_related("user")


def key_result_owners(org_id: int) -> list[Membership]:
    """Who a key result may be given to, as many as a select lists (one more says "too many")."""
    return list(_org_people(org_id).order_by("user__username")[: OWNER_CHOICES_LIMIT + 1])


class InlineKeyResultForm(KeyResultForm):
    # A row left as it was is skipped, so its required fields only count once it is touched.
    use_required_attribute = False


InlineKeyResultFormSet = formset_factory(
    InlineKeyResultForm,
    extra=MAX_INLINE_KEY_RESULTS,
    max_num=MAX_INLINE_KEY_RESULTS,
    absolute_max=MAX_INLINE_KEY_RESULTS,
    validate_max=True,
)


class MoveObjectiveForm(forms.Form):
    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.none(), empty_label=None, label="Move to cycle"
    )

    def __init__(self, *args: Any, objective: Objective, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cycle = self.fields["cycle"]
        assert isinstance(cycle, forms.ModelChoiceField)
        cycle.queryset = (
            open_cycles(objective.organization_id)
            .exclude(pk=objective.cycle_id)
            .order_by("-start", "name")
        )


class MoveKeyResultForm(forms.Form):
    def __init__(
        self, *args: Any, membership: Membership, current: Objective, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["objective"] = objective_field(
            selectors.editable_objectives(membership).exclude(pk=current.pk),
            membership.organization_id,
            empty_label="Choose an objective",
            label="Move to objective",
            help_text="Objectives you may edit, in cycles that are not closed.",
        )


def objective_field(candidates: Any, org_id: int, **field_kwargs: Any) -> forms.Field:
    """One of ``candidates``: a select, or past OBJECTIVE_CHOICES_LIMIT a key to type."""
    return pickers.pick_one(
        pickers.OBJECTIVE,
        pickers.first_rows(candidates, OBJECTIVE_CHOICES_LIMIT),
        limit=OBJECTIVE_CHOICES_LIMIT,
        queryset=candidates,
        base=Objective.objects.filter(organization_id=org_id),
        label_of=objective_label,
        **field_kwargs,
    )


class CheckInForm(forms.Form):
    """One check-in: every value stays text so the service's messages name what is wrong."""

    value = forms.CharField(label="Value now", widget=_number())
    confidence = forms.CharField(
        label="Confidence (0-10)",
        widget=forms.NumberInput(attrs={"min": 0, "max": 10, "step": 1}),
        help_text="How sure you are of reaching the target.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


# Above this many people the board's person filter is a username to type, not a list.
OWNER_CHOICES_LIMIT = 200
# Above this many teams the board's team filter lists the top levels only: thousands of
# <option>s weigh more than the board and take longer to draw.
TEAM_CHOICES_LIMIT = 200
TEAM_CHOICES_DEPTH = 2
# Above this many objectives to choose from, the edit forms take an objective's key instead.
OBJECTIVE_CHOICES_LIMIT = 200


class BoardFilterForm(forms.Form):
    """The board's filters (GET): which cycle, team, person and status.

    ``people`` holds everyone, or more than ``OWNER_CHOICES_LIMIT`` of them (the one named by
    username first: see ``selectors.board_people``).
    """

    STATUS_CHOICES = [*ObjectiveStatus.choices, ("all", "All")]

    cycle = forms.TypedChoiceField(coerce=int, required=False)
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    owner = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        label="Person",
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False, initial="active")

    def __init__(
        self,
        *args: Any,
        cycles: list[Cycle],
        teams: list[selectors.TeamNode],
        people: list[selectors.PersonChoice],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set("cycle", [(c.pk, c.name) for c in cycles])
        if len(teams) > TEAM_CHOICES_LIMIT:
            # The top of a large tree, and the team chosen: the board's rows lead further down.
            chosen = str(self.data.get("team", ""))
            teams = [n for n in teams if n.depth <= TEAM_CHOICES_DEPTH or str(n.team.pk) == chosen]
        self._set(
            "team",
            [
                ("", "Every team"),
                *((n.team.pk, "\N{NO-BREAK SPACE}" * 3 * n.depth + n.team.name) for n in teams),
            ],
        )
        self._by_username: dict[str, int] | None = None
        if len(people) > OWNER_CHOICES_LIMIT:
            # Thousands of <option>s would outweigh the board itself: the person is typed.
            self.fields["owner"] = forms.CharField(
                required=False,
                label="Person",
                help_text="Their username; empty for anyone.",
                max_length=150,
            )
            self._by_username = {p.username: p.pk for p in people}
        else:
            self._set("owner", [("", "Anyone"), *((p.pk, p.display_name) for p in people)])

    def clean_owner(self) -> int | None:
        value = self.cleaned_data["owner"]
        if self._by_username is None or value is None:
            return value  # type: ignore[no-any-return]
        username = value.strip()
        if not username:
            return None
        if username not in self._by_username:
            raise forms.ValidationError(f"No one here has the username {username}.")
        return self._by_username[username]

    def _set(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class CoachSettingsForm(forms.Form):
    """One checkbox per coach rule: ticked rules are applied, the others switched off."""

    enabled = forms.MultipleChoiceField(
        required=False,
        label="Rules the coach applies",
        widget=forms.CheckboxSelectMultiple,
        help_text="Untick a rule to switch it off for the whole organization.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enabled = self.fields["enabled"]
        assert isinstance(enabled, forms.MultipleChoiceField)
        enabled.choices = [
            (
                rule.id,
                format_html(
                    '<span class="rule-title">{}</span> <span class="badge severity-{}">{}</span>'
                    ' <small class="why">{}</small>',
                    rule.title,
                    rule.severity.value,
                    rule.severity.value.capitalize(),
                    rule.why,
                ),
            )
            for rule in RULES.values()
        ]

    def disabled_rules(self) -> list[str]:
        on = set(self.cleaned_data["enabled"])
        return [rule for rule in RULES if rule not in on]

    @staticmethod
    def initial_for(organization: Organization) -> dict[str, Any]:
        off = set(organization.coach_disabled_rules or ())
        return {"enabled": [rule for rule in RULES if rule not in off]}
