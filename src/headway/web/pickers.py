"""Choice fields that stay small at any size: a select up to a limit, past it a key to type.

A 20,000-person organization cannot list everyone as ``<option>``s: the page would weigh megabytes
and take seconds to draw. Below the limit a field is the select it always was; above it, it is a
text input for the thing's natural key (a person's username, a team's slug, an objective's key,
a KPI's key), looked up on submit among what may be chosen, with the error beside the field and
the typed text kept. The input asks ``suggest`` for up to ``SUGGESTIONS`` matches as one types.

Whatever a field is given as initial value (an object, its id, or "team:<id>") shows as its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from headway.kpis.models import Kpi
from headway.okrs.models import Objective
from headway.orgs import permissions
from headway.orgs.accessors import MAX_ID
from headway.orgs.models import Membership, Team
from headway.web.decorators import member_view

# The suggestion list under a typed field: enough to spot the one meant, small to send.
SUGGESTIONS = 20


@dataclass(frozen=True)
class Kind:
    """One sort of thing a field picks: how it is named, keyed, found and suggested."""

    slug: str  # in the suggestion URL
    noun: str
    key_name: str
    model: type[Model]
    key_of: Callable[[Any], str]
    # The rows of a queryset that a typed key names: none, one, or several (then it is ambiguous).
    find: Callable[[QuerySet[Any], str], list[Any]]
    # What the suggestions search, and show beside each key.
    search: Callable[[QuerySet[Any], str], QuerySet[Any]]
    label_of: Callable[[Any], str]


def _exact(path: str) -> Callable[[QuerySet[Any], str], list[Any]]:
    return lambda queryset, typed: list(queryset.filter(**{path: typed})[:2])


def _objective_key(objective: Objective) -> str:
    # Keys are unique within a cycle only, so the cycle goes first; unkeyed rows go by id.
    return f"{objective.cycle.name}/{objective.key}" if objective.key else f"#{objective.pk}"


def _find_objective(queryset: QuerySet[Any], typed: str) -> list[Any]:
    if typed.startswith("#"):
        pk = typed[1:]
        # Past MAX_ID no row can match, and the database would refuse the number.
        return list(queryset.filter(pk=int(pk))) if pk.isdigit() and int(pk) <= MAX_ID else []
    cycle, _, key = typed.rpartition("/")
    rows = queryset.filter(key=key)
    if cycle:
        rows = rows.filter(cycle__name=cycle)
    return list(rows.select_related("cycle")[:2])


PERSON = Kind(
    slug="person",
    noun="person",
    key_name="username",
    model=Membership,
    key_of=lambda m: m.user.username,
    find=_exact("user__username"),
    search=lambda qs, q: qs.filter(
        Q(user__username__istartswith=q) | Q(user__full_name__icontains=q)
    ).order_by("user__username"),
    label_of=lambda m: m.display_name,
)
TEAM = Kind(
    slug="team",
    noun="team",
    key_name="slug",
    model=Team,
    key_of=lambda t: t.slug,
    find=_exact("slug"),
    search=lambda qs, q: qs.filter(Q(slug__istartswith=q) | Q(name__icontains=q)).order_by("slug"),
    label_of=lambda t: t.name,
)
OBJECTIVE = Kind(
    slug="objective",
    noun="objective",
    key_name="key",
    model=Objective,
    key_of=_objective_key,
    find=_find_objective,
    search=lambda qs, q: qs.filter(Q(key__istartswith=q) | Q(title__icontains=q)).order_by(
        "-cycle__start", "key", "id"
    ),
    label_of=lambda o: o.title,
)
KPI = Kind(
    slug="kpi",
    noun="KPI",
    key_name="key",
    model=Kpi,
    key_of=lambda k: k.key,
    find=_exact("key"),
    search=lambda qs, q: qs.filter(Q(key__istartswith=q) | Q(name__icontains=q)).order_by("key"),
    label_of=lambda k: k.name,
)
KINDS = {kind.slug: kind for kind in (PERSON, TEAM, OBJECTIVE, KPI)}
# What the suggestion routes (``/pick/<kind>/``) serve: each kind, and an owner (team or person).
PICKER_KINDS = (*KINDS, "owner")
# What a key needs loaded to be written out.
_KEY_SELECT = {"person": ("user",), "team": (), "objective": ("cycle",), "kpi": ()}


def _typed_widget(kind: Kind, *, many: bool = False) -> PickerInput:
    what = f"{kind.key_name}s" if many else kind.key_name
    attrs = {
        "autocomplete": "off",
        "spellcheck": "false",
        "class": "picker",
        "data-picker": kind.slug,
        "placeholder": f"{kind.noun} {what}" + (", separated by commas" if many else ""),
    }
    return PickerInput(kind, attrs=attrs)


class PickerInput(forms.TextInput):
    """A text input with a suggestion list under it, filled by htmx from ``suggest``."""

    template_name = "web/_picker_input.html"

    def __init__(self, kind: Kind, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.kind = kind

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        list_id = f"{widget['attrs'].get('id') or name}_suggestions"
        widget["attrs"]["list"] = list_id
        widget["list_id"] = list_id
        widget["suggest_url"] = reverse(f"web:pick-{self.kind.slug}")
        return context


def _key_for(kind: Kind, base: QuerySet[Any], value: Any, keep: Any | None) -> Any:
    """The key shown for an initial value: an object, or its id (one query, at size only)."""
    if isinstance(value, Model):
        return kind.key_of(value)
    if keep is not None and str(value) == str(keep.pk):
        return kind.key_of(keep)
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        found = base.select_related(*_KEY_SELECT[kind.slug]).filter(pk=int(value)).first()
        return kind.key_of(found) if found is not None else ""
    return value


def _resolve(kind: Kind, queryset: QuerySet[Any], base: QuerySet[Any], typed: str) -> Any:
    """The one object ``typed`` names among ``queryset``, or the error to show beside the field."""
    found = kind.find(queryset, typed)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise forms.ValidationError(
            f"more than one {kind.noun} has the {kind.key_name} '{typed}': "
            f"type it in full (e.g. {kind.key_of(found[0])})"
        )
    if kind.find(base, typed):
        raise forms.ValidationError(f"you may not choose the {kind.noun} '{typed}' here")
    raise forms.ValidationError(
        f"no {kind.noun} with {kind.key_name} '{typed}' in this organization"
    )


class ListedChoiceField(forms.ChoiceField):
    """A select of the rows given; cleans to the chosen row (or None)."""

    def __init__(self, rows: Sequence[Any], *, label_of: Callable[[Any], str], **kwargs: Any):
        empty_label = kwargs.pop("empty_label", None)
        self._rows = {str(row.pk): row for row in rows}
        choices = [("", empty_label)] if empty_label is not None else []
        super().__init__(choices=[*choices, *((r.pk, label_of(r)) for r in rows)], **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Model) else value

    def clean(self, value: Any) -> Any:
        return self._rows.get(str(super().clean(value)))


class ListedMultipleChoiceField(forms.MultipleChoiceField):
    """A multiple select (or checkboxes) of the rows given; cleans to the chosen rows."""

    def __init__(self, rows: Sequence[Any], *, label_of: Callable[[Any], str], **kwargs: Any):
        self._rows = {str(row.pk): row for row in rows}
        super().__init__(choices=[(r.pk, label_of(r)) for r in rows], **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Iterable) and not isinstance(value, str):
            return [v.pk if isinstance(v, Model) else v for v in value]
        return value

    def clean(self, value: Any) -> Any:
        return [self._rows[str(v)] for v in super().clean(value)]


class KeyField(forms.CharField):
    """A key to type, for one of ``queryset``; ``keep`` (the current value) is always accepted."""

    def __init__(
        self,
        kind: Kind,
        queryset: QuerySet[Any],
        *,
        base: QuerySet[Any],
        keep: Any | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("empty_label", None)
        kwargs.setdefault("help_text", "")
        kwargs["help_text"] = " ".join(
            filter(None, [kwargs["help_text"], f"Type the {kind.noun}'s {kind.key_name}."])
        )
        super().__init__(max_length=200, widget=_typed_widget(kind), **kwargs)
        self.kind, self.queryset, self.base, self.keep = kind, queryset, base, keep

    def prepare_value(self, value: Any) -> Any:
        if value in (None, ""):
            return ""
        return _key_for(self.kind, self.base, value, self.keep)

    def clean(self, value: Any) -> Any:
        typed = str(super().clean(value)).strip()
        if not typed:
            return None
        if self.keep is not None and typed == self.kind.key_of(self.keep):
            return self.keep
        return _resolve(self.kind, self.queryset, self.base, typed)


class KeysField(forms.CharField):
    """Several keys to type, separated by commas or spaces; cleans to the rows they name."""

    def __init__(
        self, kind: Kind, queryset: QuerySet[Any], *, base: QuerySet[Any], **kwargs: Any
    ) -> None:
        kwargs.pop("widget", None)
        kwargs["help_text"] = " ".join(
            filter(
                None,
                [
                    kwargs.get("help_text", ""),
                    f"Type {kind.noun} {kind.key_name}s, separated by commas.",
                ],
            )
        )
        super().__init__(max_length=4000, widget=_typed_widget(kind, many=True), **kwargs)
        self.kind, self.queryset, self.base = kind, queryset, base

    def prepare_value(self, value: Any) -> Any:
        if value in (None, ""):
            return ""
        if isinstance(value, str):
            return value
        objects = [v for v in value if isinstance(v, Model)]
        ids = [int(v) for v in value if not isinstance(v, Model)]
        if ids:  # one query, at size only
            objects += list(
                self.base.select_related(*_KEY_SELECT[self.kind.slug]).filter(pk__in=ids)
            )
        return ", ".join(sorted(self.kind.key_of(o) for o in objects))

    def clean(self, value: Any) -> Any:
        typed = str(super().clean(value))
        chosen: list[Any] = []
        errors: list[forms.ValidationError] = []
        for key in dict.fromkeys(k for k in re.split(r"[,\s]+", typed) if k):
            try:
                row = _resolve(self.kind, self.queryset, self.base, key)
            except forms.ValidationError as exc:
                errors.append(exc)
            else:
                if row not in chosen:
                    chosen.append(row)
        if errors:
            raise forms.ValidationError(errors)
        return chosen


def first_rows(queryset: QuerySet[Any], limit: int) -> list[Any]:
    """Up to ``limit`` + 1 rows of ``queryset``, in its order, in one query that reads no more:
    ordering a large table (objectives by cycle, people by name) before the LIMIT would sort
    every row, so the rows are taken unordered and only they are sorted."""
    some = queryset.order_by().values("pk")[: limit + 1]
    return list(queryset.filter(pk__in=some))


def pick_one(
    kind: Kind,
    rows: Sequence[Any],
    *,
    limit: int,
    queryset: QuerySet[Any],
    base: QuerySet[Any],
    keep: Any | None = None,
    label_of: Callable[[Any], str] | None = None,
    **field_kwargs: Any,
) -> forms.Field:
    """A select of ``rows`` (``keep`` added when missing) while there are up to ``limit`` of them,
    else a key to type, looked up in ``queryset`` (errors say whether it is in ``base``).

    ``rows`` need hold no more than ``limit`` + 1: past ``limit`` they are not shown.
    """
    if len(rows) <= limit:
        listed = list(rows)
        if keep is not None and keep not in listed:
            # Editing never loses the current value, even one the editor could not choose.
            listed.insert(0, keep)
        return ListedChoiceField(listed, label_of=label_of or kind.label_of, **field_kwargs)
    return KeyField(kind, queryset, base=base, keep=keep, **field_kwargs)


def pick_many(
    kind: Kind,
    rows: Sequence[Any],
    *,
    limit: int,
    queryset: QuerySet[Any],
    base: QuerySet[Any],
    label_of: Callable[[Any], str] | None = None,
    select_hint: str = "",
    **field_kwargs: Any,
) -> forms.Field:
    """``pick_one`` for several: a multiple select (or the widget given), or keys to type.
    ``select_hint`` is added to the help text of the select only (how to choose several)."""
    if len(rows) <= limit:
        if select_hint:
            field_kwargs["help_text"] = f"{field_kwargs.get('help_text', '')} {select_hint}".strip()
        return ListedMultipleChoiceField(rows, label_of=label_of or kind.label_of, **field_kwargs)
    return KeysField(kind, queryset, base=base, **field_kwargs)


class OwnerKeyField(forms.CharField):
    """An objective's owner typed: a team's slug or a person's username ("team:<id>" and
    "person:<id>" in and out, as the select has them). Where a slug is also a username,
    "team:<slug>" or "person:<username>" says which."""

    def __init__(
        self,
        *,
        teams: QuerySet[Team],
        people: QuerySet[Membership],
        org_id: int,
        keep: Team | Membership | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs["help_text"] = "A team's slug, or a person's username for a personal objective."
        widget = _typed_widget(TEAM)
        widget.kind = OWNER
        widget.attrs.update(placeholder="team slug or username", **{"data-picker": "owner"})
        super().__init__(max_length=200, widget=widget, **kwargs)
        self.teams, self.people, self.keep = teams, people, keep
        self.all_teams = Team.objects.filter(organization_id=org_id)
        self.all_people = Membership.objects.filter(organization_id=org_id).select_related("user")

    def _key(self, owner: Team | Membership) -> str:
        return owner.slug if isinstance(owner, Team) else owner.user.username

    def prepare_value(self, value: Any) -> Any:
        if not isinstance(value, str) or ":" not in value:
            return value or ""
        kind, _, pk = value.partition(":")
        if not pk.isdigit():
            return value
        if self.keep is not None and (kind, int(pk)) == self._ref(self.keep):
            return self._key(self.keep)
        if kind == "team":
            return _key_for(TEAM, self.all_teams, pk, None)
        return _key_for(PERSON, self.all_people, pk, None)

    @staticmethod
    def _ref(owner: Team | Membership) -> tuple[str, int]:
        return ("team" if isinstance(owner, Team) else "person", owner.pk)

    def clean(self, value: Any) -> Any:
        typed = str(super().clean(value)).strip()
        if not typed:
            return ""
        if self.keep is not None and typed == self._key(self.keep):
            ref, pk = self._ref(self.keep)
            return f"{ref}:{pk}"
        prefix, _, rest = typed.partition(":")
        if rest and prefix in ("team", "person"):
            which = [TEAM if prefix == "team" else PERSON]
            typed = rest
        else:
            which = [TEAM, PERSON]
        found = [
            (kind, row)
            for kind in which
            for row in kind.find(self.teams if kind is TEAM else self.people, typed)
        ]
        if len(found) == 1:
            kind, row = found[0]
            return f"{kind.slug}:{row.pk}"
        if len(found) > 1:
            raise forms.ValidationError(
                f"'{typed}' is both a team's slug and a person's username: "
                f"type team:{typed} or person:{typed}"
            )
        for kind in which:
            if kind.find(self.all_teams if kind is TEAM else self.all_people, typed):
                raise forms.ValidationError(f"you may not give an objective to '{typed}'")
        raise forms.ValidationError(
            f"no team with slug or person with username '{typed}' in this organization"
        )


# The owner input suggests teams and people both.
OWNER = Kind(
    slug="owner",
    noun="owner",
    key_name="slug or username",
    model=Team,
    key_of=TEAM.key_of,
    find=TEAM.find,
    search=TEAM.search,
    label_of=TEAM.label_of,
)


@member_view
@require_safe
def suggest(request: HttpRequest, kind: str) -> HttpResponse:
    """Up to ``SUGGESTIONS`` of the organization's people, teams, objectives or KPIs matching
    what was typed, as the ``<option>``s of a ``<datalist>`` (htmx swaps them in)."""
    me: Membership = request.membership  # type: ignore[attr-defined]
    if not permissions.can_write(me):  # the pickers are on edit forms only
        return render(request, "web/_picker_options.html", {"options": []})
    # htmx sends the input under its own name; ``q`` when asked directly.
    name = request.GET.get("field", "q")
    typed = request.GET.get(name, request.GET.get("q", "")).strip()
    if "," in typed:  # a list of keys: suggest for the last one
        typed = typed.rsplit(",", 1)[1].strip()
    options: list[tuple[str, str]] = []
    if typed:
        org = me.organization_id
        for each in (TEAM, PERSON) if kind == "owner" else (KINDS[kind],):
            found = each.search(
                each.model._default_manager.filter(organization_id=org).select_related(
                    *_KEY_SELECT[each.slug]
                ),
                typed,
            )[:SUGGESTIONS]
            options += [(each.key_of(row), each.label_of(row)) for row in found]
    return render(request, "web/_picker_options.html", {"options": options[:SUGGESTIONS]})
