"""The cycles page (moving cycles on, reopening them, the fiscal year) and grading key results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from headway import core
from headway.errors import ValidationFailed
from headway.okrs import cycles as cycle_services
from headway.okrs import grading, scoreboard
from headway.okrs.choices import CycleState
from headway.okrs.cycle_forms import FiscalYearForm, GradeForm, ReopenForm
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.okrs.scores import key_result_score
from headway.okrs.views.common import acting
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

UNPROCESSABLE = 422


# --- the cycles page ---------------------------------------------------------------------------


def _render_cycles(
    request: HttpRequest,
    *,
    reopen_forms: dict[int, ReopenForm] | None = None,
    fiscal_form: FiscalYearForm | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = acting(request)
    rows = scoreboard.cycle_rows(membership.organization_id)
    reopen_forms = reopen_forms or {}
    organization = membership.organization
    return render(
        request,
        "okrs/cycles.html",
        {
            # Each cycle with its reopen form (when it can be reopened).
            "entries": [
                (
                    row,
                    (reopen_forms.get(row.cycle.pk) or ReopenForm(prefix=f"reopen-{row.cycle.pk}"))
                    if row.reopen_state
                    else None,
                )
                for row in rows
            ],
            "can_administer": permissions.can_administer(membership),
            "fiscal_form": fiscal_form
            or FiscalYearForm(initial={"month": organization.fiscal_year_start_month}),
            "fiscal_month": cycle_services.MONTHS[organization.fiscal_year_start_month - 1],
        },
        status=status,
    )


@member_view
def cycle_list(request: HttpRequest) -> HttpResponse:
    return _render_cycles(request)


def _admin(request: HttpRequest) -> Membership:
    membership = acting(request)
    if not permissions.can_administer(membership):
        raise PermissionDenied("only an admin may move cycles")
    return membership


@member_view
@require_POST
def transition(request: HttpRequest, cycle_id: int) -> HttpResponse:
    membership = _admin(request)
    cycle = get_or_404(membership, Cycle, cycle_id)
    try:
        moved = cycle_services.transition_cycle(
            actor=membership, cycle=cycle, to=request.POST.get("to", "")
        )
    except ValidationFailed as exc:
        messages.error(request, f"{cycle.name}: {'; '.join(exc.errors.values())}")
    else:
        messages.success(request, f"{moved.name} is now {moved.get_state_display().lower()}.")
    return redirect("okrs:cycles")


@member_view
@require_POST
def reopen(request: HttpRequest, cycle_id: int) -> HttpResponse:
    membership = _admin(request)
    cycle = get_or_404(membership, Cycle, cycle_id)
    form = ReopenForm(request.POST, prefix=f"reopen-{cycle.pk}")
    if form.is_valid():
        try:
            moved = cycle_services.reopen_cycle(
                actor=membership, cycle=cycle, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{moved.name} is reopened: {moved.get_state_display().lower()} again."
            )
            return redirect("okrs:cycles")
    return _render_cycles(request, reopen_forms={cycle.pk: form}, status=UNPROCESSABLE)


@member_view
@require_POST
def fiscal_year(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    if not permissions.can_administer(membership):
        raise PermissionDenied("only an admin may change the fiscal year")
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        try:
            cycle_services.set_fiscal_year_start(actor=membership, month=form.cleaned_data["month"])
        except ValidationFailed as exc:
            add_service_errors(form, exc, {"fiscal_year_start_month": "month"})
        else:
            messages.success(request, "Fiscal year saved.")
            return redirect("okrs:cycles")
    return _render_cycles(request, fiscal_form=form, status=UNPROCESSABLE)


# --- grading -----------------------------------------------------------------------------------


@dataclass
class GradeItem:
    """One key result in the grading section: its score, and the form when it may be graded."""

    kr: KeyResult
    default: float
    score: float
    grader: Membership | None
    form: GradeForm | None = None
    saved: bool = False

    @property
    def band(self) -> str:
        return core.grade_band(self.score).value

    @property
    def overridden(self) -> bool:
        return self.kr.score is not None and self.kr.score != self.default


def grade_prefix(kr: KeyResult) -> str:
    return f"grade-{kr.pk}"


def grade_item(
    kr: KeyResult,
    membership: Membership,
    *,
    can_edit_objective: bool,
    grader: Membership | None,
    form: GradeForm | None = None,
    saved: bool = False,
) -> GradeItem:
    """Mirrors ``permissions.can_check_in`` without a query: the caller knows the objective."""
    cycle = kr.objective.cycle
    may_grade = (
        cycle.state == CycleState.GRADING
        and permissions.can_write(membership)
        and (kr.owner_id == membership.pk or can_edit_objective)
    )
    default = core.default_score(kr.progress)
    if may_grade and form is None:
        score = kr.score if kr.score is not None else default
        form = GradeForm(
            prefix=grade_prefix(kr), initial={"score": f"{score:.1f}", "reason": kr.score_reason}
        )
    return GradeItem(
        kr=kr,
        default=default,
        score=key_result_score(kr),
        grader=grader,
        # A refused grade keeps its form, so the reason is shown beside what was typed.
        form=form if may_grade or (form is not None and form.errors) else None,
        saved=saved,
    )


def scores_context(objective: Objective) -> dict[str, Any]:
    """The objective's, its team's and the organization's scores (one query)."""
    team_score, org_score = scoreboard.rollup_scores(objective.cycle_id, objective.owner_team_id)
    return {
        "objective": objective,
        "expected_score": core.expected_score(core.ObjectiveKind(objective.kind)),
        "objective_score": objective.score,
        "team_score": team_score,
        "organization_score": org_score,
    }


@member_view
@require_POST
def grade(request: HttpRequest, kr_id: int) -> HttpResponse:
    """Grade a key result. htmx gets the key result's grading block back, and the scores
    out-of-band; a plain form post goes back to the objective page."""
    membership = acting(request)
    kr = get_or_404(
        membership, KeyResult, kr_id, select=("objective__cycle", "objective__owner_team")
    )
    if not permissions.can_check_in(membership, kr):
        raise PermissionDenied("you may not grade this key result")
    form = GradeForm(request.POST, prefix=grade_prefix(kr))
    saved = False
    if form.is_valid():
        try:
            if request.POST.get("clear"):
                grading.clear_grade(actor=membership, key_result=kr)
            else:
                grading.grade_key_result(
                    actor=membership,
                    key_result=kr,
                    score=form.cleaned_data["score"],
                    reason=form.cleaned_data["reason"],
                )
            saved = True
        except ValidationFailed as exc:
            add_service_errors(form, exc)
    objective = kr.objective
    if saved and not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, f"Grade saved on “{kr.title}”.")
        return redirect(reverse("okrs:objective", args=[objective.pk]) + f"#grade-kr-{kr.pk}")
    if saved:
        kr.refresh_from_db()
        objective.refresh_from_db(fields=["score"])
    item = grade_item(
        kr,
        membership,
        can_edit_objective=permissions.can_edit_objective(membership, objective),
        grader=scoreboard.graders([kr]).get(kr.graded_by_id or 0),
        form=None if saved else form,
        saved=saved,
    )
    context = {"item": item, "oob": saved, **(scores_context(objective) if saved else {})}
    template = "okrs/_grade_response.html" if request.htmx else "okrs/grade.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=200 if saved else UNPROCESSABLE)
