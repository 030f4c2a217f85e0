"""API routes of the quarterly rhythm (report): the calibration review and a cycle's executive
report, as JSON and as a PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from ninja import Router

from headway.api.auth import actor
from headway.api.types import Id
from headway.errors import ValidationFailed
from headway.okrs.calibration import CalibrationData, calibration, is_graded
from headway.okrs.models import Cycle
from headway.okrs.report import executive_report, render_pdf, summary
from headway.orgs.accessors import get_for, get_ref

router = Router(tags=["report"])


def _calibration_json(data: CalibrationData) -> dict[str, Any]:
    return {
        "cycles": [
            {"id": c.pk, "name": c.name, "start": c.start.isoformat(), "state": c.state}
            for c in data.cycles
        ],
        "teams": [
            {
                "id": t.team.pk,
                "slug": t.team.slug,
                "name": t.team.name,
                "scores": [
                    {"cycle_id": h.cycle.pk, "score": round(h.score, 4), "objectives": h.objectives}
                    for h in t.history
                ],
                "flag": t.flag.value if t.flag else None,
                "reason": t.reason,
            }
            for t in data.teams
        ],
        "spread": {
            "cycle_id": data.cycle.pk if data.cycle else None,
            "organization": data.organization.as_dict(),
            "teams": [
                {"id": s.team.pk, "slug": s.team.slug, "bands": s.spread.as_dict()}
                for s in data.spreads
            ],
        },
    }


@router.get("/calibration", response=dict[str, Any])
def get_calibration(request: HttpRequest, cycle_id: Id | None = None) -> dict[str, Any]:
    """Each team's mean aspirational score per graded quarter, the flagged teams, and the
    spread of key result grades in ``cycle_id`` (default: the latest graded quarter)."""
    membership = actor(request)
    cycle = get_ref(membership, Cycle, cycle_id, "cycle_id")
    if cycle is not None and not is_graded(cycle):
        raise ValidationFailed({"cycle_id": "must be a quarter in grading or closed"})
    return _calibration_json(calibration(membership.organization_id, cycle=cycle))


@router.get("/cycles/{cycle_id}/report", response=dict[str, Any])
def get_report(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The executive report of a cycle: company objectives, KPI health, risks, calibration."""
    membership = actor(request)
    cycle = get_for(membership, Cycle, cycle_id)
    return summary(executive_report(membership.organization, cycle, timezone.now()))


@router.get("/cycles/{cycle_id}/report.pdf")
def get_report_pdf(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The same report as one A4 PDF (``application/pdf``)."""
    membership = actor(request)
    cycle = get_for(membership, Cycle, cycle_id)
    report = executive_report(membership.organization, cycle, timezone.now())
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    name = slugify(f"{membership.organization.slug} {cycle.name} report")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
