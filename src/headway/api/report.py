"""API routes of the quarterly rhythm (report): the calibration review and a cycle's executive
report, as JSON and as a PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from ninja import Router, Schema

from headway.api.auth import actor
from headway.api.types import Id
from headway.errors import ValidationFailed
from headway.okrs.calibration import CalibrationData, calibration, is_graded
from headway.okrs.models import Cycle
from headway.okrs.report import executive_report, render_pdf, summary
from headway.orgs.accessors import get_for, get_ref

router = Router(tags=["report"])

# Bands per objective kind: {"committed": {"green": 2, ...}, "aspirational": {...}}.
Bands = dict[str, dict[str, int]]


class CalibrationCycleOut(Schema):
    id: int
    name: str
    start: dt.date
    state: str


class CalibrationScoreOut(Schema):
    cycle_id: int
    score: float
    objectives: int


class TeamCalibrationOut(Schema):
    id: int
    slug: str
    name: str
    scores: list[CalibrationScoreOut]
    flag: str | None
    reason: str


class TeamSpreadOut(Schema):
    id: int
    slug: str
    bands: Bands


class SpreadOut(Schema):
    cycle_id: int | None
    organization: Bands
    teams: list[TeamSpreadOut]


class CalibrationOut(Schema):
    cycles: list[CalibrationCycleOut]
    teams: list[TeamCalibrationOut]
    spread: SpreadOut


class ReportCycleOut(Schema):
    id: int
    name: str
    start: dt.date
    end: dt.date
    state: str


class ReportTotalsOut(Schema):
    progress: float | None
    score: float | None


class ReportObjectiveOut(Schema):
    id: int
    title: str
    owner: str
    kind: str
    progress: float
    score: float | None
    pace: str | None


class KpiRefOut(Schema):
    id: int
    key: str
    name: str


class ReportKpisOut(Schema):
    total: int
    health: dict[str, int]
    red: list[KpiRefOut]
    amber: list[KpiRefOut]


class RiskOut(Schema):
    id: int
    title: str
    objective: str
    owner: str
    progress: float
    expected: float
    pace: str


class ReportRisksOut(Schema):
    total: int
    key_results: list[RiskOut]
    kpis: list[KpiRefOut]


class FlaggedTeamOut(Schema):
    team: str
    flag: str | None
    reason: str


class ReportCalibrationOut(Schema):
    cycles: list[str]
    flagged: list[FlaggedTeamOut]


class ReportOut(Schema):
    cycle: ReportCycleOut
    organization: ReportTotalsOut
    objectives: list[ReportObjectiveOut]
    kpis: ReportKpisOut
    risks: ReportRisksOut
    calibration: ReportCalibrationOut


PDF = {200: {"description": "The report (A4)", "content": {"application/pdf": {"schema": {}}}}}


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


@router.get("/calibration", response=CalibrationOut)
def get_calibration(request: HttpRequest, cycle_id: Id | None = None) -> dict[str, Any]:
    """Each team's mean aspirational score per graded quarter, the flagged teams, and the
    spread of key result grades in ``cycle_id`` (default: the latest graded quarter)."""
    membership = actor(request)
    cycle = get_ref(membership, Cycle, cycle_id, "cycle_id")
    if cycle is not None and not is_graded(cycle):
        raise ValidationFailed({"cycle_id": "must be a quarter in grading or closed"})
    return _calibration_json(calibration(membership.organization_id, cycle=cycle))


@router.get("/cycles/{cycle_id}/report", response=ReportOut)
def get_report(request: HttpRequest, cycle_id: int) -> dict[str, Any]:
    """The executive report of a cycle: company objectives, KPI health, risks, calibration."""
    membership = actor(request)
    cycle = get_for(membership, Cycle, cycle_id)
    return summary(executive_report(membership.organization, cycle, timezone.now()))


@router.get("/cycles/{cycle_id}/report.pdf", openapi_extra={"responses": PDF})
def get_report_pdf(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The same report as one A4 PDF (``application/pdf``)."""
    membership = actor(request)
    cycle = get_for(membership, Cycle, cycle_id)
    report = executive_report(membership.organization, cycle, timezone.now())
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    name = slugify(f"{membership.organization.slug} {cycle.name} report")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
