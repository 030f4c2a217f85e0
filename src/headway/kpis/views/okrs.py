"""From a KPI to OKRs: make it a key result that follows it, or propose an objective to fix it.

Both pages are reached from the KPI page: "Make this a key result", a benchmark gap's proposed key
result ("Raise NPS from 32 to 50", prefilled through ``?target=&title=``), and the objective a KPI
that stays critical proposes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway.errors import ValidationFailed
from headway.kpis.formatting import number
from headway.kpis.models import Kpi, Measurement
from headway.kpis.okr_forms import (
    OBJECTIVE_FIELD_MAP,
    KeyResultFromKpiForm,
    ObjectiveFromKpiForm,
    followable_objectives,
)
from headway.kpis.proposals import healthy_target, improves, objective_proposal, objective_title
from headway.kpis.views import GET_POST, _get_kpi, _me
from headway.okrs.from_kpis import (
    create_key_result_from_kpi,
    create_objective_from_kpi,
    default_title,
    latest_measurement,
)
from headway.okrs.selectors import current_cycle
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors

UNPROCESSABLE = 422


def _proposed_target(request: HttpRequest, kpi: Kpi, current: Decimal | None) -> str:
    """``?target=`` from a benchmark gap, else the KPI's own target when it would improve it."""
    asked = request.GET.get("target", "").strip()
    if asked:
        return asked[:40]
    if current is None:
        return ""
    if kpi.target is not None and improves(kpi, current, kpi.target):
        return number(kpi.target, grouping=False)
    target = healthy_target(kpi, current)
    return number(target, grouping=False) if target is not None else ""


def _writer_and_kpi(request: HttpRequest, kpi_id: int, what: str) -> tuple[Membership, Kpi]:
    """The acting person and the KPI (404 across organizations); viewers get 403."""
    me = _me(request)
    kpi = _get_kpi(me, kpi_id)
    if not permissions.can_write(me):
        raise PermissionDenied(f"viewers do not create {what}")
    return me, kpi


@member_view
@GET_POST
def make_key_result(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me, kpi = _writer_and_kpi(request, kpi_id, "key results")
    objectives = followable_objectives(me)
    latest = latest_measurement(kpi.pk)
    if request.method == "POST":
        form = KeyResultFromKpiForm(request.POST, objectives=objectives, org_id=me.organization_id)
        if form.is_valid():
            try:
                kr = create_key_result_from_kpi(actor=me, kpi=kpi, **form.service_data())
            except ValidationFailed as exc:
                add_service_errors(form, exc, {"kpi": "target"})
            else:
                messages.success(
                    request, f"“{kr.title}” now follows {kpi.name}: no check-ins to type."
                )
                return redirect("okrs:objective", kr.objective_id)
        status = UNPROCESSABLE
    else:
        initial: dict[str, Any] = {
            "target": _proposed_target(request, kpi, latest.value if latest else None),
            "title": request.GET.get("title", "")[:200],
        }
        if (wanted := request.GET.get("objective", "")).isdigit():
            initial["objective"] = int(wanted)
        form = KeyResultFromKpiForm(
            initial=initial, objectives=objectives, org_id=me.organization_id
        )
        status = 200
    return render(
        request,
        "kpis/make_key_result.html",
        {
            "kpi": kpi,
            "form": form,
            "latest": latest,
            "has_objectives": objectives.exists(),
            "example": (
                default_title(kpi, latest.value, kpi.target)
                if latest and kpi.target is not None and kpi.target != latest.value
                else ""
            ),
        },
        status=status,
    )


@member_view
@GET_POST
def propose_objective(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me, kpi = _writer_and_kpi(request, kpi_id, "objectives")
    today = timezone.localdate()
    points = list(
        Measurement.objects.filter(kpi=kpi).order_by("period").values_list("period", "value")
    )
    proposal = objective_proposal(kpi, points, today)
    if request.method == "POST":
        form = ObjectiveFromKpiForm(request.POST, membership=me)
        if form.is_valid():
            try:
                objective = create_objective_from_kpi(actor=me, kpi=kpi, **form.service_data())
            except ValidationFailed as exc:
                add_service_errors(form, exc, OBJECTIVE_FIELD_MAP)
            else:
                messages.success(
                    request,
                    f"Objective “{objective.title}” created; its key result follows {kpi.name}.",
                )
                return redirect("okrs:objective", objective.pk)
        status = UNPROCESSABLE
    else:
        current = points[-1][1] if points else None
        cycle = current_cycle(me.organization_id, today)
        form = ObjectiveFromKpiForm(
            membership=me,
            initial={
                "title": objective_title(kpi),
                "cycle": cycle.pk if cycle else None,
                "owner": f"team:{kpi.owner_team_id}" if kpi.owner_team_id else "",
                "target": _proposed_target(request, kpi, current),
            },
        )
        status = 200
    return render(
        request,
        "kpis/propose_objective.html",
        {"kpi": kpi, "form": form, "proposal": proposal, "latest": points[-1] if points else None},
        status=status,
    )
