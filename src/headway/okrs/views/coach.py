"""The coach on the pages: checking an objective while it is typed, a cycle's report, and the
organization's switched-off rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.core.coach import RULES
from headway.core.coach.model import Finding, ObjectiveDraft
from headway.errors import ValidationFailed
from headway.okrs import selectors
from headway.okrs.coach import (
    SEVERITY_ORDER,
    CoachNotes,
    coach_objectives,
    draft_key,
    key_result_draft,
    lint_among,
    lint_draft_input,
    notes,
    owner_name,
)
from headway.okrs.forms import MAX_INLINE_KEY_RESULTS, CoachSettingsForm
from headway.okrs.models import Cycle, Objective
from headway.okrs.views.common import acting, chosen_cycle
from headway.orgs import permissions
from headway.orgs.accessors import MAX_ID
from headway.orgs.models import Membership, Team
from headway.orgs.services import set_coach_disabled_rules
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

# The editor's key for an objective not saved yet: tells its findings from its siblings'. Not a
# slug, so no saved objective has it.
NEW_OBJECTIVE_KEY = "(new)"
KR_FIELDS = ("title", "kind", "start", "target", "unit", "direction")


# --- the editor -------------------------------------------------------------------------------


def _id(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdecimal() and 0 < int(text) <= MAX_ID else None


def _typed_key_results(post: QueryDict) -> list[dict[str, str]]:
    """The create form's inline key result rows that have a title; untouched rows are skipped
    as the form skips them."""
    total = _id(post.get("kr-TOTAL_FORMS")) or 0
    rows = []
    for index in range(min(total, MAX_INLINE_KEY_RESULTS)):
        row = {name: post.get(f"kr-{index}-{name}", "") for name in KR_FIELDS}
        if row["title"].strip():
            rows.append(row)
    return rows


@dataclass
class _Owner:
    team_id: int | None = None
    person_id: int | None = None
    fields: dict[str, Any] | None = None  # owner, owner_is_team, is_company for the draft


def _typed_owner(membership: Membership, raw: str) -> _Owner:
    """The owner chosen in the form ("team:<id>" or "person:<id>"), if it is one of ours."""
    kind, _, pk = raw.partition(":")
    ident = _id(pk)
    org_id = membership.organization_id
    if kind == "team" and ident is not None:
        team = Team.objects.filter(organization_id=org_id, pk=ident).first()
        if team is not None:
            return _Owner(
                team_id=team.pk,
                fields={
                    "owner": f"team:{team.slug}",
                    "owner_is_team": True,
                    "is_company": team.parent_id is None,
                },
            )
    if kind == "person" and ident is not None:
        person = (
            Membership.objects.filter(organization_id=org_id, pk=ident)
            .select_related("user")
            .first()
        )
        if person is not None:
            return _Owner(
                person_id=person.pk,
                fields={
                    "owner": f"person:{person.user.username}",
                    "owner_is_team": False,
                    "is_company": False,
                },
            )
    return _Owner()


def editor_findings(
    membership: Membership, post: QueryDict
) -> tuple[ObjectiveDraft, list[Finding]]:
    """The draft typed in the create or edit form and what the coach says about it.

    On the edit page (``objective`` names the objective) the key results are the saved ones;
    on the create page they are the inline rows. Once a cycle and owner are chosen, the owner's
    other objectives of that cycle and the company's are looked at too, as on the board.
    """
    editing: Objective | None = None
    if (objective_id := _id(post.get("objective"))) is not None:
        editing = get_or_404(
            membership,
            Objective,
            objective_id,
            select=("cycle", "owner_team", "owner_person__user"),
        )
    typed: dict[str, Any] = {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "kind": post.get("kind", ""),
        "aligned": any(_id(p) for p in post.getlist("parents")),
        "key_results": [] if editing else _typed_key_results(post),
    }
    owner = _typed_owner(membership, post.get("owner", ""))
    typed.update(owner.fields or {})
    draft = lint_draft_input(typed)
    cycle: Cycle | None
    if editing is not None:
        draft = replace(
            draft,
            key=draft_key(editing),
            key_results=tuple(
                key_result_draft(kr) for kr in editing.key_results.order_by("position", "id")
            ),
        )
        cycle = editing.cycle
    else:
        draft = replace(draft, key=NEW_OBJECTIVE_KEY)
        cycle_id = _id(post.get("cycle"))
        cycle = (
            Cycle.objects.filter(organization_id=membership.organization_id, pk=cycle_id).first()
            if cycle_id is not None
            else None
        )
    context: list[Objective] = []
    if cycle is not None and (owner.team_id or owner.person_id):
        context = selectors.coach_context(
            membership.organization_id,
            cycle.pk,
            owner_team_id=owner.team_id,
            owner_person_id=owner.person_id,
            exclude_id=editing.pk if editing else None,
        )
    found = lint_among(membership.organization, draft, context, cycle=cycle)
    return draft, found


@member_view
@require_POST
def lint(request: HttpRequest) -> HttpResponse:
    """The coach's findings on the objective being typed (htmx, from the create and edit forms)."""
    draft, found = editor_findings(acting(request), request.POST)
    return render(
        request,
        "okrs/_coach_editor.html",
        {"coach": notes(found), "started": bool(draft.title or draft.key_results)},
    )


# --- the cycle report -------------------------------------------------------------------------


@dataclass
class ReportObjective:
    objective: Objective
    coach: CoachNotes


@dataclass
class ReportSection:
    """A team (or one person's personal objectives) with what the coach says about it."""

    name: str
    path: list[str]
    objectives: list[ReportObjective]
    # About the owner's whole set rather than one objective.
    owner_notes: CoachNotes

    @property
    def count(self) -> int:
        return len(self.owner_notes) + sum(len(o.coach) for o in self.objectives)


@dataclass
class RuleCount:
    id: str
    title: str
    severity: str
    count: int
    disabled: bool


@member_view
def report(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    membership = acting(request)
    org_id = membership.organization_id
    organization = membership.organization
    cycle = chosen_cycle(request, membership, cycle_id)
    data = selectors.board(org_id, cycle)
    found = coach_objectives(
        organization,
        [o for t in data.teams for o in t.objectives] + data.personal,
        cycle=cycle,
        today=timezone.localdate(),
        history=selectors.owner_history(org_id, cycle),
    )

    def section(
        name: str, path: list[str], objectives: list[Objective], owner: str
    ) -> ReportSection:
        return ReportSection(
            name,
            path,
            [
                ReportObjective(o, notes(found.by_objective.get(o.pk, ())))
                for o in objectives
                if found.by_objective.get(o.pk)
            ],
            notes(found.by_owner.get(owner, ())),
        )

    sections = [
        section(t.node.team.name, t.node.path[:-1], t.objectives, f"team:{t.node.team.slug}")
        for t in data.teams
    ]
    people: dict[str, list[Objective]] = {}
    for objective in data.personal:
        people.setdefault(owner_name(objective), []).append(objective)
    sections += [
        section(f"{objectives[0].owner_name} (personal)", [], objectives, owner)
        for owner, objectives in people.items()
    ]
    every = [f for fs in found.by_objective.values() for f in fs] + [
        f for fs in found.by_owner.values() for f in fs
    ]
    per_rule = Counter(f.rule for f in every)
    disabled = set(organization.coach_disabled_rules or ())
    counts = sorted(
        (
            RuleCount(
                rule.id, rule.title, rule.severity.value, per_rule[rule.id], rule.id in disabled
            )
            for rule in RULES.values()
        ),
        key=lambda r: (-r.count, SEVERITY_ORDER.index(RULES[r.id].severity), r.title),
    )
    checked = len(data.personal) + sum(len(t.objectives) for t in data.teams)
    return render(
        request,
        "okrs/coach_report.html",
        {
            "cycle": cycle,
            "cycles": selectors.cycles(org_id),
            "sections": [s for s in sections if s.count],
            "counts": counts,
            "total": len(every),
            "checked": checked,
            "flagged": sum(1 for fs in found.by_objective.values() if fs),
            "can_administer": permissions.can_administer(membership),
        },
    )


# --- switching rules off ----------------------------------------------------------------------


@member_view
def settings(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    if not permissions.can_administer(membership):
        raise PermissionDenied("only an admin may switch coach rules off")
    organization = membership.organization
    status = 200
    if request.method == "POST":
        form = CoachSettingsForm(request.POST)
        if form.is_valid():
            try:
                set_coach_disabled_rules(membership, form.disabled_rules())
            except ValidationFailed as exc:
                add_service_errors(form, exc, {"rule_ids": "enabled"})
            else:
                messages.success(request, "Coach rules saved.")
                return redirect("okrs:coach-settings")
        status = 422
    else:
        form = CoachSettingsForm(initial=CoachSettingsForm.initial_for(organization))
    return render(request, "okrs/coach_settings.html", {"form": form}, status=status)
