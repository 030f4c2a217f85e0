"""An objective's page, and creating, editing, archiving and moving objectives."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.errors import ValidationFailed
from headway.okrs import selectors, services
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.coach import findings_by_objective, notes
from headway.okrs.forms import (
    KR_FIELD_MAP,
    OBJECTIVE_FIELD_MAP,
    CheckInForm,
    InlineKeyResultFormSet,
    MoveObjectiveForm,
    ObjectiveForm,
    key_result_owners,
)
from headway.okrs.models import Objective
from headway.okrs.progress import pace
from headway.okrs.views.common import acting, key_result_row
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

UNPROCESSABLE = 422
OBJECTIVE_SELECT = ("cycle__organization", "owner_team", "owner_person__user")


def get_objective(membership: Membership, objective_id: Any) -> Objective:
    return get_or_404(membership, Objective, objective_id, select=OBJECTIVE_SELECT)


def editable_objective(membership: Membership, objective_id: Any) -> Objective:
    objective = get_objective(membership, objective_id)
    if not permissions.can_edit_objective(membership, objective):
        raise PermissionDenied("you may not edit this objective")
    return objective


def progress_context(objective: Objective, team_progress: float | None) -> dict[str, Any]:
    """What the objective's and team's progress blocks show (on the page and after a check-in)."""
    now = timezone.now()
    return {
        "objective": objective,
        "objective_pace": pace(objective.progress, objective.cycle, now),
        "team_progress": team_progress,
        "team_pace": (
            pace(team_progress, objective.cycle, now) if team_progress is not None else None
        ),
    }


def render_objective(
    request: HttpRequest,
    objective: Objective,
    *,
    forms: dict[int, CheckInForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    membership = acting(request)
    data = selectors.objective_page(objective)
    can_edit = permissions.can_edit_objective(membership, objective)
    now = timezone.now()
    forms = forms or {}
    rows = [
        key_result_row(kr, objective, membership, now, can_edit=can_edit, form=forms.get(kr.pk))
        for kr in data.key_results
    ]
    # With the owner's other objectives of the cycle and the company's: some rules look across
    # them, and the card says what the board's badge says.
    findings = findings_by_objective(
        membership.organization,
        selectors.coach_context(
            objective.organization_id,
            objective.cycle_id,
            owner_team_id=objective.owner_team_id,
            owner_person_id=objective.owner_person_id,
            include_id=objective.pk,
        ),
        cycle=objective.cycle,
        today=timezone.localdate(now),
    )
    return render(
        request,
        "okrs/objective.html",
        {
            **progress_context(objective, data.team_progress),
            "page": data,
            "rows": rows,
            "can_edit": can_edit,
            "cycle_open": selectors.cycle_is_open(objective.cycle),
            "coach": notes(findings.get(objective.pk, ())),
            "can_administer": permissions.can_administer(membership),
        },
        status=status,
    )


@member_view
def objective(request: HttpRequest, objective_id: int) -> HttpResponse:
    return render_objective(request, get_objective(acting(request), objective_id))


@member_view
def create(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    if not permissions.can_write(membership):
        raise PermissionDenied("viewers do not create objectives")
    initial: dict[str, Any] = {}
    if (cycle_id := request.GET.get("cycle", "")).isdigit():
        initial["cycle"] = int(cycle_id)
    # The rows share one read of who may own a key result.
    kr_kwargs = {"membership": membership, "people": key_result_owners(membership.organization_id)}
    if request.method == "POST":
        form = ObjectiveForm(request.POST, membership=membership)
        key_results = InlineKeyResultFormSet(request.POST, prefix="kr", form_kwargs=kr_kwargs)
        if form.is_valid() and key_results.is_valid():
            rows = [f for f in key_results.forms if f.has_changed()]
            try:
                created = services.create_objective_with_key_results(
                    actor=membership,
                    key_results=[f.service_data() for f in rows],
                    **form.service_data(),
                )
            except ValidationFailed as exc:
                _split_errors(exc, form, rows)
            else:
                messages.success(request, f"Objective “{created.title}” created.")
                return redirect("okrs:objective", created.pk)
        status = UNPROCESSABLE
    else:
        form = ObjectiveForm(initial=initial, membership=membership)
        key_results = InlineKeyResultFormSet(prefix="kr", form_kwargs=kr_kwargs)
        status = 200
    return render(
        request,
        "okrs/objective_form.html",
        {
            "form": form,
            "key_results": key_results,
            "creating": True,
            # Rows past the second fold away unless something was typed there.
            "more_open": any(f.is_bound and f.has_changed() for f in key_results.forms[2:]),
        },
        status=status,
    )


def _split_errors(exc: ValidationFailed, form: ObjectiveForm, rows: list[Any]) -> None:
    """``key_results.<i>.<field>`` errors go to the i-th key result, the rest to the objective."""
    own: dict[str, str] = {}
    per_row: dict[int, dict[str, str]] = {}
    for key, message in exc.errors.items():
        prefix, _, rest = key.partition(".")
        if prefix == "key_results" and "." in rest:
            position, _, name = rest.partition(".")
            per_row.setdefault(int(position), {})[name] = message
        else:
            own[key] = message
    if own:
        add_service_errors(form, ValidationFailed(own), OBJECTIVE_FIELD_MAP)
    for row_index, errors in per_row.items():
        add_service_errors(rows[row_index], ValidationFailed(errors), KR_FIELD_MAP)


@member_view
def edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    membership = acting(request)
    objective = editable_objective(membership, objective_id)
    status = 200
    if request.method == "POST":
        form = ObjectiveForm(request.POST, membership=membership, objective=objective)
        if form.is_valid():
            try:
                services.update_objective(
                    actor=membership, objective=objective, **form.service_data()
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc, OBJECTIVE_FIELD_MAP)
            else:
                messages.success(request, "Objective saved.")
                return redirect("okrs:objective", objective.pk)
        status = UNPROCESSABLE
    else:
        form = ObjectiveForm(
            initial=ObjectiveForm.initial_for(objective), membership=membership, objective=objective
        )
    return render(
        request,
        "okrs/objective_form.html",
        {"form": form, "objective": objective, "creating": False},
        status=status,
    )


def _set_status(request: HttpRequest, objective_id: int, status: str, done: str) -> HttpResponse:
    membership = acting(request)
    objective = editable_objective(membership, objective_id)
    try:
        services.update_objective(actor=membership, objective=objective, status=status)
    except ValidationFailed as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(request, done)
    return redirect("okrs:objective", objective.pk)


@member_view
@require_POST
def archive(request: HttpRequest, objective_id: int) -> HttpResponse:
    return _set_status(
        request,
        objective_id,
        ObjectiveStatus.ARCHIVED,
        "Objective archived: it no longer counts in the roll-ups.",
    )


@member_view
@require_POST
def unarchive(request: HttpRequest, objective_id: int) -> HttpResponse:
    return _set_status(
        request, objective_id, ObjectiveStatus.ACTIVE, "Objective restored: it counts again."
    )


@member_view
def move(request: HttpRequest, objective_id: int) -> HttpResponse:
    membership = acting(request)
    objective = editable_objective(membership, objective_id)
    status = 200
    if request.method == "POST":
        form = MoveObjectiveForm(request.POST, objective=objective)
        if form.is_valid():
            try:
                services.update_objective(
                    actor=membership, objective=objective, cycle_id=form.cleaned_data["cycle"].pk
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc, OBJECTIVE_FIELD_MAP)
            else:
                messages.success(request, f"Objective moved to {form.cleaned_data['cycle'].name}.")
                return redirect("okrs:objective", objective.pk)
        status = UNPROCESSABLE
    else:
        form = MoveObjectiveForm(objective=objective)
    return render(
        request,
        "okrs/move_form.html",
        {
            "form": form,
            "objective": objective,
            "heading": "Move objective to another cycle",
            "subject": objective.title,
            "explain": (
                "Its key results and their check-ins go with it; both cycles' roll-ups are "
                "recomputed."
            ),
            "submit": "Move objective",
        },
        status=status,
    )
