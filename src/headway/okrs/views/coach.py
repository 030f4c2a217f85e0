"""The coach on the pages: checking an objective while it is typed, a cycle's report, and the
organization's switched-off rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.core.coach import RULES
from headway.core.coach.model import Finding, ObjectiveDraft
from headway.errors import ValidationFailed
from headway.okrs import coach_report, selectors
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.coach import (
    SEVERITY_ORDER,
    CoachFindings,
    CoachNotes,
    coach_cycle_rows,
    draft_key,
    key_result_draft,
    lint_among,
    lint_draft_input,
    notes,
    row_owner,
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

# Past either bound the report lists its sections as rows, each with its count, whose notes load
# when opened (like the board at size), a page of rows at a time.
LAZY_REPORT_OBJECTIVES = selectors.LAZY_BOARD_OBJECTIVES
LAZY_REPORT_SECTIONS = selectors.LAZY_BOARD_TEAMS
REPORT_ROWS_PER_PAGE = 50


@dataclass
class ReportObjective:
    pk: int
    title: str
    coach: CoachNotes


@dataclass
class ReportSection:
    """A team (or one person's personal objectives) with what the coach says about it."""

    name: str
    path: list[str]
    # What opens it in the report: "team=<id>" or "person=<membership id>".
    query: str
    objectives: Sequence[Mapping[str, Any]]  # selectors.coach_rows rows, all of the owner's
    owner: str
    found: CoachFindings

    @cached_property
    def count(self) -> int:
        by_objective = self.found.by_objective
        return len(self.found.by_owner.get(self.owner, ())) + sum(
            len(by_objective[row["id"]]) for row in self.objectives
        )

    @cached_property
    def entries(self) -> list[ReportObjective]:
        """The objectives with something to say about them, with their notes."""
        by_objective = self.found.by_objective
        return [
            ReportObjective(row["id"], row["title"], notes(by_objective[row["id"]]))
            for row in self.objectives
            if by_objective[row["id"]]
        ]

    @cached_property
    def owner_notes(self) -> CoachNotes:
        """About the owner's whole set rather than one objective."""
        return notes(self.found.by_owner.get(self.owner, ()))


@dataclass
class RuleCount:
    id: str
    title: str
    severity: str
    count: int
    disabled: bool


def _sections(counted: coach_report.CycleCount) -> list[ReportSection]:
    """Every owner's section in board order (teams in tree order, then people), noted or not."""
    found = counted.found
    return [
        ReportSection(g.name, g.path, g.query, g.objectives, g.owner, found) for g in counted.groups
    ]


def _at_size(org_id: int, cycle: Cycle, tree: list[selectors.TeamNode]) -> bool:
    """Whether the report shows a kept count (``coach_report``) rather than linting the cycle."""
    if len(tree) > LAZY_REPORT_SECTIONS:
        return True
    active = Objective.objects.filter(
        organization_id=org_id, cycle=cycle, status=ObjectiveStatus.ACTIVE
    )
    return active.count() > LAZY_REPORT_OBJECTIVES


def _wanted(request: HttpRequest) -> tuple[str, int] | None:
    """The section asked for (``?team=<id>`` or ``?person=<membership id>``), if any."""
    for kind in ("team", "person"):
        if kind in request.GET:
            ident = _id(request.GET[kind])
            if ident is None:
                raise Http404(f"no such {kind}")
            return kind, ident
    return None


def _one_section(membership: Membership, cycle: Cycle, wanted: tuple[str, int]) -> ReportSection:
    """One section of the report, linted now: its owner's objectives beside the company's,
    which is all its findings depend on."""
    kind, ident = wanted
    org_id = membership.organization_id
    team_id = person_id = None
    if kind == "team":
        team = get_or_404(membership, Team, ident)
        team_id, owner, name = team.pk, f"team:{team.slug}", team.name
    else:
        person = get_or_404(membership, Membership, ident, select=("user",))
        person_id, owner = person.pk, f"person:{person.user.username}"
        name = f"{person.display_name} (personal)"
    rows = selectors.coach_rows(org_id, cycle.pk, team_id=team_id, person_id=person_id)
    # Company objectives first, their roots as the tree orders them (by name): as in the report.
    ordered = sorted(
        rows.objectives,
        key=lambda r: (
            (0, r["owner_team__name"], r["owner_team_id"])
            if r["owner_team_id"] is not None and r["owner_team__parent_id"] is None
            else (1, "", 0)
        ),
    )
    found = coach_cycle_rows(
        membership.organization,
        ordered,
        rows.key_results,
        cycle=cycle,
        today=timezone.localdate(),
        history=selectors.owner_history(org_id, cycle, team_id=team_id, person_id=person_id),
    )
    own = [r for r in ordered if row_owner(r) == owner]
    return ReportSection(name, [], f"{kind}={ident}", own, owner, found)


@member_view
def report(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    """A cycle's findings counted per rule, then by team and person. At size the counts are
    the kept ones (``coach_report``) and the sections are rows that load their notes when
    opened (``?team=``/``?person=``, linted live)."""
    membership = acting(request)
    org_id = membership.organization_id
    organization = membership.organization
    cycle = chosen_cycle(request, membership, cycle_id)
    wanted = _wanted(request)
    if wanted is not None and request.htmx:  # type: ignore[attr-defined]
        section = _one_section(membership, cycle, wanted)
        return render(request, "okrs/_coach_section.html", {"section": section})
    tree = selectors.team_tree(org_id)
    tally, page = None, None
    sections: Sequence[ReportSection | coach_report.TallyRow]
    if _at_size(org_id, cycle, tree):
        tally = coach_report.current_tally(organization, cycle)
        per_rule, checked, flagged = Counter(tally.per_rule), tally.checked, tally.flagged
        lazy = wanted is None
        if wanted is not None:
            # Without JavaScript a row's link opens the report with that section alone, open.
            sections = [_one_section(membership, cycle, wanted)]
        else:
            page = Paginator(tally.sections, REPORT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
            sections = coach_report.tally_rows(organization, tree, list(page.object_list))
    else:
        counted = coach_report.count_cycle(organization, cycle, tree)
        per_rule, checked, flagged = counted.per_rule, counted.checked, counted.flagged
        sections = [s for s in _sections(counted) if s.count]
        lazy = False
        if wanted is not None:
            get_or_404(membership, Team if wanted[0] == "team" else Membership, wanted[1])
            query = f"{wanted[0]}={wanted[1]}"
            sections = [s for s in sections if s.query == query]
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
    return render(
        request,
        "okrs/coach_report.html",
        {
            "cycle": cycle,
            "cycles": selectors.cycles(org_id),
            "sections": sections,
            "lazy": lazy,
            "page": page,
            "tally": tally,
            "counts": counts,
            "total": sum(per_rule.values()),
            "checked": checked,
            "flagged": flagged,
            "can_administer": permissions.can_administer(membership),
        },
    )


@require_POST
@member_view
def recount(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Count a large cycle's report again now, rather than wait for the background recount."""
    membership = acting(request)
    cycle = chosen_cycle(request, membership, cycle_id)
    coach_report.recount(membership.organization, cycle)
    messages.success(request, "Counted again.")
    return redirect("okrs:coach-report", cycle.pk)


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
