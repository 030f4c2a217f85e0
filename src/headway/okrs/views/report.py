"""The calibration review and the executive report of a cycle (page and PDF)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from headway.core.calibration import OVERREACH, STREAK_CYCLES
from headway.core.coach.cycle_rules import TOO_EASY
from headway.okrs import report_at_size as at_size
from headway.okrs import selectors
from headway.okrs.calibration import (
    CalibrationAtSize,
    calibration_page,
    counted_chart,
    counted_points,
    distribution_chart,
    graded_cycles,
    is_graded,
)
from headway.okrs.models import Cycle
from headway.okrs.report import executive_report
from headway.okrs.views.common import acting, chosen_cycle
from headway.orgs.models import Membership, Team
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404


@member_view
def calibration(request: HttpRequest) -> HttpResponse:
    """The calibration review; at size a page of teams (``?team=<id>``: those under it) and the
    chart counted, loaded with a request of its own (``?part=chart``)."""
    membership = acting(request)
    org_id = membership.organization_id
    chart_now = request.GET.get("part") == "chart"
    if chart_now and request.htmx:  # type: ignore[attr-defined]
        cycles = graded_cycles(org_id)
        points = counted_points(org_id, cycles)
        return render(
            request,
            "okrs/_calibration_chart_at_size.html",
            {"cycles": cycles, "points": points, "chart": counted_chart(cycles, points)},
        )
    chosen: Cycle | None = None
    error = ""
    if request.GET.get("cycle"):
        chosen = get_or_404(membership, Cycle, request.GET["cycle"])
        if not is_graded(chosen):
            error = f"{chosen.name} is not being graded yet: choose a graded quarter."
            chosen = None
    raw_team = request.GET.get("team", "").strip()
    if raw_team and not raw_team.isdecimal():
        raise Http404("no such team")
    try:
        data = calibration_page(
            org_id,
            cycle=chosen,
            team_id=int(raw_team) if raw_team else None,
            page=request.GET.get("page"),
        )
    except Team.DoesNotExist:
        raise Http404("no such team") from None
    context = {
        "error": error,
        "too_easy": TOO_EASY,
        "overreach": OVERREACH,
        "streak_cycles": STREAK_CYCLES,
    }
    if isinstance(data, CalibrationAtSize):
        filters = request.GET.copy()
        for key in ("page", "part"):
            filters.pop(key, None)
        cycles = data.data.cycles
        context |= {
            "data": data.data,
            "at_size": data,
            "filters": filters.urlencode(),
            "chart_later": not chart_now,
            "chart": counted_chart(cycles, counted_points(org_id, cycles)) if chart_now else None,
        }
    else:
        context |= {"data": data, "chart": distribution_chart(data)}
    return render(request, "okrs/calibration.html", context, status=422 if error else 200)


def _wanted_team(request: HttpRequest, membership: Membership) -> Team | None:
    """The team asked for with ``?team=<id>``, if any: its subtree's part of the report."""
    if "team" not in request.GET:
        return None
    raw = request.GET["team"].strip()
    if not raw.isdecimal():
        raise Http404("no such team")
    return get_or_404(membership, Team, int(raw))


@member_view
def report(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    """The executive report; at size the organization's summary with its departments as rows
    that load their part when opened (``?team=<id>``, which alone is that team's page)."""
    membership = acting(request)
    organization = membership.organization
    cycle = chosen_cycle(request, membership, cycle_id)
    now = timezone.now()
    team = _wanted_team(request, membership)
    if team is not None:
        part = at_size.team_part(organization, cycle, team, now)
        page = Paginator(part.children, at_size.REPORT_ROWS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context = {"part": part, "page": page, "cycle": cycle}
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "okrs/_report_team.html", context)
        context["cycles"] = selectors.cycles(organization.pk)
        return render(request, "okrs/report_team.html", context)
    # The calibration chart at size: its own request, loaded by the page (or, without
    # JavaScript, the whole page again with the chart).
    chart_now = request.GET.get("part") == "calibration"
    if chart_now and request.htmx:  # type: ignore[attr-defined]
        chart_cycles, points = at_size.score_points(organization.pk, cycle)
        return render(
            request,
            "okrs/_report_calibration_at_size.html",
            {
                "cycle": cycle,
                "chart_cycles": chart_cycles,
                "chart_points": points,
                "chart": counted_chart(chart_cycles, points),
            },
        )
    size = at_size.size(organization.pk, cycle)
    if size.large:
        summary = at_size.summary(
            organization, cycle, now, size, selectors.team_tree(organization.pk), chart=chart_now
        )
        page = Paginator(summary.departments, at_size.REPORT_ROWS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "okrs/report.html",
            {
                "report": summary,
                "at_size": True,
                "page": page,
                "cycle": cycle,
                "cycles": selectors.cycles(organization.pk),
                "chart": summary.chart(),
            },
        )
    data = executive_report(organization, cycle, now, rollup=(size.progress, size.score))
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
    """The report as A4; at size the summary with a section per department, and with
    ``?team=<id>`` that team's part in full."""
    membership = acting(request)
    organization = membership.organization
    cycle = get_or_404(membership, Cycle, cycle_id)
    now = timezone.now()
    base_url = request.build_absolute_uri("/")
    team = _wanted_team(request, membership)
    pdf = at_size.report_pdf(organization, cycle, now, team=team, base_url=base_url)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = at_size.pdf_filename(organization, cycle, team)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
