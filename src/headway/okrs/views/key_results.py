"""Key results: adding, editing, moving and deleting them, and checking in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.errors import ValidationFailed
from headway.okrs import selectors, services
from headway.okrs.forms import KR_FIELD_MAP, CheckInForm, KeyResultFullForm, MoveKeyResultForm
from headway.okrs.models import CheckIn, KeyResult, Objective
from headway.okrs.views.common import acting, checkin_prefix, key_result_row
from headway.okrs.views.objectives import (
    OBJECTIVE_SELECT,
    UNPROCESSABLE,
    editable_objective,
    progress_context,
    render_objective,
)
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

KR_SELECT = ("owner__user", *(f"objective__{name}" for name in OBJECTIVE_SELECT))


def get_key_result(membership: Membership, kr_id: Any) -> KeyResult:
    return get_or_404(membership, KeyResult, kr_id, select=KR_SELECT)


def kr_url(kr: KeyResult) -> str:
    return reverse("okrs:objective", args=[kr.objective_id]) + f"#kr-{kr.pk}"


@member_view
def create(request: HttpRequest, objective_id: int) -> HttpResponse:
    membership = acting(request)
    objective = editable_objective(membership, objective_id)
    status = 200
    if request.method == "POST":
        form = KeyResultFullForm(request.POST, membership=membership)
        if form.is_valid():
            try:
                kr = services.create_key_result(
                    actor=membership, objective=objective, **form.service_data()
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc, KR_FIELD_MAP)
            else:
                messages.success(request, f"Key result “{kr.title}” added.")
                return redirect(kr_url(kr))
        status = UNPROCESSABLE
    else:
        form = KeyResultFullForm(membership=membership)
    return render(
        request,
        "okrs/key_result_form.html",
        {"form": form, "objective": objective, "key_result": None},
        status=status,
    )


@member_view
def edit(request: HttpRequest, kr_id: int) -> HttpResponse:
    membership = acting(request)
    kr = get_key_result(membership, kr_id)
    if not permissions.can_check_in(membership, kr):
        raise PermissionDenied("you may not edit this key result")
    status = 200
    if request.method == "POST":
        form = KeyResultFullForm(request.POST, membership=membership)
        if form.is_valid():
            try:
                services.update_key_result(actor=membership, key_result=kr, **form.service_data())
            except ValidationFailed as exc:
                add_service_errors(form, exc, KR_FIELD_MAP)
            else:
                messages.success(request, "Key result saved.")
                return redirect(kr_url(kr))
        status = UNPROCESSABLE
    else:
        form = KeyResultFullForm(initial=KeyResultFullForm.initial_for(kr), membership=membership)
    return render(
        request,
        "okrs/key_result_form.html",
        {"form": form, "objective": kr.objective, "key_result": kr},
        status=status,
    )


def _editable_kr(membership: Membership, kr_id: int) -> KeyResult:
    kr = get_key_result(membership, kr_id)
    if not permissions.can_edit_objective(membership, kr.objective):
        raise PermissionDenied("you may not change this objective's key results")
    return kr


@member_view
def move(request: HttpRequest, kr_id: int) -> HttpResponse:
    membership = acting(request)
    kr = _editable_kr(membership, kr_id)
    status = 200
    if request.method == "POST":
        form = MoveKeyResultForm(request.POST, membership=membership, current=kr.objective)
        if form.is_valid():
            target: Objective = form.cleaned_data["objective"]
            try:
                services.move_key_result(actor=membership, key_result=kr, objective=target)
            except ValidationFailed as exc:
                add_service_errors(form, exc, {"objective_id": "objective"})
            else:
                messages.success(request, f"Key result moved to “{target.title}”.")
                return redirect(reverse("okrs:objective", args=[target.pk]) + f"#kr-{kr.pk}")
        status = UNPROCESSABLE
    else:
        form = MoveKeyResultForm(membership=membership, current=kr.objective)
    return render(
        request,
        "okrs/move_form.html",
        {
            "form": form,
            "objective": kr.objective,
            "heading": "Move key result to another objective",
            "subject": kr.title,
            "explain": (
                "Its check-ins go with it; both objectives and their teams' roll-ups are "
                "recomputed."
            ),
            "submit": "Move key result",
        },
        status=status,
    )


@member_view
def delete(request: HttpRequest, kr_id: int) -> HttpResponse:
    membership = acting(request)
    kr = _editable_kr(membership, kr_id)
    if request.method == "POST":
        services.delete_key_result(actor=membership, key_result=kr)
        messages.success(request, f"Key result “{kr.title}” deleted.")
        return redirect("okrs:objective", kr.objective_id)
    return render(
        request,
        "okrs/key_result_delete.html",
        {"kr": kr, "objective": kr.objective, "checkins": kr.checkins.count()},
    )


@member_view
@require_POST
def check_in(request: HttpRequest, kr_id: int) -> HttpResponse:
    """Record a check-in. htmx gets the key result back and the progress blocks out-of-band."""
    membership = acting(request)
    kr = get_key_result(membership, kr_id)
    if not permissions.can_check_in(membership, kr):
        raise PermissionDenied("you may not check in on this key result")
    form = CheckInForm(request.POST, prefix=checkin_prefix(kr))
    saved: CheckIn | None = None
    if form.is_valid():
        try:
            saved = services.record_checkin(actor=membership, key_result=kr, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
    objective = kr.objective
    if not request.htmx:  # type: ignore[attr-defined]
        if saved is not None:
            messages.success(request, f"Check-in saved on “{kr.title}”.")
            return redirect(kr_url(kr))
        return render_objective(request, objective, forms={kr.pk: form}, status=UNPROCESSABLE)
    objective.refresh_from_db(fields=["progress"])
    fresh = selectors.key_results_with_history(objective, key_result_id=kr.pk).get()
    row = key_result_row(
        fresh,
        objective,
        membership,
        timezone.now(),
        can_edit=permissions.can_edit_objective(membership, objective),
        form=None if saved else form,
        saved=saved,
    )
    context = {"row": row, "oob": saved is not None}
    if saved is not None:
        context.update(progress_context(objective, selectors.team_progress(objective)))
    return render(
        request,
        "okrs/_checkin_response.html",
        context,
        status=200 if saved is not None else UNPROCESSABLE,
    )
