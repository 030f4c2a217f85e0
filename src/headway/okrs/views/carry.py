"""Retrospective notes, carrying an objective over and duplicating it, from the objective page.

The objective page shows these in a panel (``okrs/_carry.html``); the pages here take its posts,
and show the form again with the errors beside the fields when a post is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from headway.errors import ValidationFailed
from headway.okrs import carry
from headway.okrs.models import Cycle, Objective
from headway.okrs.views.common import acting
from headway.okrs.views.objectives import UNPROCESSABLE, get_objective
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404


class RetrospectiveForm(forms.Form):
    worked = forms.CharField(
        label="What worked",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"At most {carry.RETRO_MAX_LENGTH} characters.",
    )
    change = forms.CharField(
        label="What to change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Next cycle, what would you do differently?",
    )


class CopyForm(forms.Form):
    """The cycle a copy goes to. The view resolves the id itself (another organization's is a
    404); the field only offers the choices and keeps what was chosen."""

    cycle = forms.ChoiceField(label="To cycle", required=False)

    def __init__(self, *args: Any, cycles: list[Cycle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cycle"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(c.pk, f"{c.name} ({c.get_state_display()})") for c in cycles]


def _editable(membership: Membership, objective_id: int) -> Objective:
    objective = get_objective(membership, objective_id)
    if not permissions.can_edit_objective(membership, objective):
        raise PermissionDenied("you may not change this objective")
    return objective


@member_view
def retrospective(request: HttpRequest, objective_id: int) -> HttpResponse:
    membership = acting(request)
    objective = _editable(membership, objective_id)
    status = 200
    if request.method == "POST":
        form = RetrospectiveForm(request.POST)
        if form.is_valid():
            try:
                carry.save_retrospective(
                    actor=membership,
                    objective=objective,
                    worked=form.cleaned_data["worked"],
                    change=form.cleaned_data["change"],
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Retrospective saved.")
                return redirect(reverse("okrs:objective", args=[objective.pk]) + "#retrospective")
        status = UNPROCESSABLE
    else:
        form = RetrospectiveForm(
            initial={"worked": objective.retro_worked, "change": objective.retro_change}
        )
    return render(
        request,
        "okrs/carry_form.html",
        {
            "form": form,
            "objective": objective,
            "heading": "Retrospective",
            "explain": "What worked this cycle, and what to change next time.",
            "submit": "Save retrospective",
        },
        status=status,
    )


Copier = Callable[..., Objective]


def _copy_page(
    request: HttpRequest,
    objective_id: int,
    *,
    copier: Copier,
    targets: Callable[[list[Cycle], Objective], list[Cycle]],
    heading: str,
    explain: str,
    done: str,
) -> HttpResponse:
    membership = acting(request)
    objective = _editable(membership, objective_id)
    cycles = targets(list(carry.open_cycles(membership.organization_id)), objective)
    status = 200
    if request.method == "POST":
        form = CopyForm(request.POST, cycles=cycles)
        raw = request.POST.get("cycle", "").strip()
        cycle = get_or_404(membership, Cycle, raw) if raw else None
        try:
            copy = copier(actor=membership, objective=objective, cycle=cycle)
        except ValidationFailed as exc:
            form.is_valid()  # the refusal comes from the service, not from the choices offered
            form.errors.pop("cycle", None)
            add_service_errors(form, exc)
            status = UNPROCESSABLE
        else:
            messages.success(request, done.format(cycle=copy.cycle.name))
            return redirect("okrs:objective", copy.pk)
    else:
        form = CopyForm(cycles=cycles)
    return render(
        request,
        "okrs/carry_form.html",
        {
            "form": form,
            "objective": objective,
            "heading": heading,
            "explain": explain,
            "submit": heading,
        },
        status=status,
    )


@member_view
def carry_over(request: HttpRequest, objective_id: int) -> HttpResponse:
    return _copy_page(
        request,
        objective_id,
        copier=carry.carry_over,
        targets=carry.carry_over_targets,
        heading="Carry over",
        explain=(
            "A copy with every key result and its current values goes to the chosen cycle, "
            "linked to this objective. The check-ins, scores and notes stay here."
        ),
        done="Carried over to {cycle}.",
    )


@member_view
def duplicate(request: HttpRequest, objective_id: int) -> HttpResponse:
    return _copy_page(
        request,
        objective_id,
        copier=carry.duplicate_objective,
        targets=carry.duplicate_targets,
        heading="Duplicate",
        explain=(
            "A copy with every key result and its current values, linked to this objective. "
            "The check-ins, scores and notes stay here."
        ),
        done="Duplicated into {cycle}.",
    )
