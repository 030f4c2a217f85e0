"""The calibration review and the executive report of a cycle (page and PDF)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from headway.core.calibration import OVERREACH, STREAK_CYCLES
from headway.core.coach.cycle_rules import TOO_EASY
from headway.okrs import selectors
from headway.okrs.calibration import calibration as load_calibration
from headway.okrs.calibration import distribution_chart, is_graded
from headway.okrs.models import Cycle
from headway.okrs.report import executive_report, render_pdf
from headway.okrs.views.common import acting, chosen_cycle
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404


@member_view
def calibration(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    chosen: Cycle | None = None
    error = ""
    if request.GET.get("cycle"):
        chosen = get_or_404(membership, Cycle, request.GET["cycle"])
        if not is_graded(chosen):
            error = f"{chosen.name} is not being graded yet: choose a graded quarter."
            chosen = None
    data = load_calibration(membership.organization_id, cycle=chosen)
    return render(
        request,
        "okrs/calibration.html",
        {
            "data": data,
            "chart": distribution_chart(data),
            "error": error,
            "too_easy": TOO_EASY,
            "overreach": OVERREACH,
            "streak_cycles": STREAK_CYCLES,
        },
        status=422 if error else 200,
    )


@member_view
def report(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    membership = acting(request)
    cycle = chosen_cycle(request, membership, cycle_id)
    data = executive_report(membership.organization, cycle, timezone.now())
    return render(
        request,
        "okrs/report.html",
        {
            "report": data,
            "cycle": cycle,
            "cycles": selectors.cycles(membership.organization_id),
            "chart": data.chart(),
        },
    )


@member_view
def report_pdf(request: HttpRequest, cycle_id: int) -> HttpResponse:
    membership = acting(request)
    cycle = get_or_404(membership, Cycle, cycle_id)
    data = executive_report(membership.organization, cycle, timezone.now())
    response = HttpResponse(
        render_pdf(data, base_url=request.build_absolute_uri("/")),
        content_type="application/pdf",
    )
    name = slugify(f"{membership.organization.slug} {cycle.name} report")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
