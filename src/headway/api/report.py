"""API routes of the quarterly rhythm (report): the calibration review and a cycle's executive
report, as JSON and as a PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from headway.api.auth import actor
from headway.api.types import Id, next_link
from headway.core.calibration import CalibrationFlag
from headway.errors import ValidationFailed
from headway.okrs import report_at_size as at_size
from headway.okrs import selectors
from headway.okrs.calibration import (
    CalibrationAtSize,
    CalibrationData,
    DepartmentFlags,
    ReportFlags,
    calibration_page,
    is_graded,
    report_flags,
)
from headway.okrs.models import Cycle
from headway.okrs.report import (
    CHART_CYCLES,
    cycle_data,
    executive_report,
    flagged_data,
    kpis_data,
    objective_data,
    organization_score,
    risks_data,
    summary,
)
from headway.orgs.accessors import get_for, get_ref
from headway.orgs.models import Membership, Organization, Team

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


PAGE = Field(1, ge=1, le=2**31, description="The page of rows (of 50) at size; 1 otherwise.")
TEAM = Field(None, description="Only this team and the teams below it (its part of the report).")
NEXT = "The link to the next page of rows; null on the last."


class CalibrationFilters(Schema):
    cycle_id: Id | None = None
    team: Id | None = TEAM
    page: int = PAGE


class FlagCountsOut(Schema):
    teams: int
    not_ambitious: int
    overreach: int


class DepartmentFlagsOut(FlagCountsOut):
    team_id: int | None  # null: the teams above the departments
    name: str


class CalibrationOut(Schema):
    cycles: list[CalibrationCycleOut]
    teams: list[TeamCalibrationOut] = Field(
        ..., description="At size a page of teams, flagged teams first; else every team."
    )
    spread: SpreadOut
    at_size: bool = Field(
        ..., description="The organization is past the bounds: `teams` is one page of rows."
    )
    team_count: int = Field(..., description="The teams listed over all pages.")
    page: int
    next: str | None = Field(..., description=NEXT)
    flags: FlagCountsOut = Field(
        ..., description="The organization's teams in the review and how many are flagged."
    )
    departments: list[DepartmentFlagsOut] = Field(
        ..., description="At size, the same counts per department (`team` opens one); else []."
    )


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
    flagged: list[FlaggedTeamOut] = Field(
        ..., description="At size the first 50 by name; `GET /calibration` lists them all."
    )
    flagged_total: int


class TeamRowOut(Schema):
    id: int
    name: str
    slug: str
    path: list[str]
    teams: int
    objectives: int
    behind: int
    progress: float | None
    score: float | None


class ReportFilters(Schema):
    team: Id | None = TEAM
    page: int = PAGE


class PdfFilters(Schema):
    team: Id | None = TEAM


class ReportOut(Schema):
    cycle: ReportCycleOut
    organization: ReportTotalsOut
    objectives: list[ReportObjectiveOut] = Field(
        ..., description="At size the first 50; with `team`, that team's own objectives."
    )
    kpis: ReportKpisOut
    risks: ReportRisksOut
    calibration: ReportCalibrationOut
    at_size: bool = Field(
        ..., description="The summary of a large organization: its departments as rows."
    )
    team: TeamRowOut | None = Field(..., description="The team asked for, with its subtree.")
    objectives_total: int
    departments: list[TeamRowOut] = Field(
        ..., description="A page of the departments (or of `team`'s teams); [] when small."
    )
    departments_total: int
    page: int
    next: str | None = Field(..., description=NEXT)


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


def _flag_counts(data: CalibrationData) -> dict[str, int]:
    flags = [t.flag for t in data.teams]
    return {
        "teams": len(data.teams),
        "not_ambitious": sum(f is CalibrationFlag.NOT_AMBITIOUS for f in flags),
        "overreach": sum(f is CalibrationFlag.OVERREACH for f in flags),
    }


def _counted(counts: DepartmentFlags) -> dict[str, int]:
    """The counts the review at size keeps, for the organization or one department."""
    return {
        "teams": counts.teams,
        "not_ambitious": counts.not_ambitious,
        "overreach": counts.overreach,
    }


def _in_subtree(data: CalibrationData, team_ids: set[int]) -> CalibrationData:
    data.teams = [t for t in data.teams if t.team.pk in team_ids]
    data.spreads = [s for s in data.spreads if s.team.pk in team_ids]
    return data


@router.get("/calibration", response=CalibrationOut)
def get_calibration(request: HttpRequest, filters: Query[CalibrationFilters]) -> dict[str, Any]:
    """Each team's mean aspirational score per graded quarter, the flagged teams, and the
    spread of key result grades in ``cycle_id`` (default: the latest graded quarter).
    ``team`` keeps that team and the teams below it. Past the calibration page's bounds
    (``at_size``) ``teams`` and the spread's teams are a page of 50 rows, flagged teams first,
    then the top levels (``page``, ``next``); ``flags`` and ``departments`` count them all."""
    membership = actor(request)
    org_id = membership.organization_id
    cycle = get_ref(membership, Cycle, filters.cycle_id, "cycle_id")
    if cycle is not None and not is_graded(cycle):
        raise ValidationFailed({"cycle_id": "must be a quarter in grading or closed"})
    team = get_ref(membership, Team, filters.team, "team")
    found = calibration_page(
        org_id, cycle=cycle, team_id=team.pk if team else None, page=filters.page
    )
    if isinstance(found, CalibrationAtSize):
        page = found.page
        return _calibration_json(found.data) | {
            "at_size": True,
            "team_count": page.paginator.count,
            "page": page.number,
            "next": next_link(request, page=page.number + 1) if page.has_next() else None,
            "flags": _counted(found.total),
            "departments": [
                {"team_id": d.team.id if d.team else None, "name": d.name, **_counted(d)}
                for d in found.departments
            ],
        }
    flags = _flag_counts(found)
    if team is not None:
        found = _in_subtree(found, at_size.subtree_ids(selectors.team_tree(org_id), team.pk))
    return _calibration_json(found) | {
        "at_size": False,
        "team_count": len(found.teams),
        "page": 1,
        "next": None,
        "flags": flags,
        "departments": [],
    }


def _team_row(row: at_size.TeamRow) -> dict[str, Any]:
    return {
        "id": row.team.id,
        "name": row.team.name,
        "slug": row.team.slug,
        "path": row.path,
        "teams": row.tally.teams,
        "objectives": row.tally.objectives,
        "behind": row.tally.behind,
        "progress": row.progress,
        "score": row.score,
    }


def _flags_json(flags: ReportFlags) -> dict[str, Any]:
    return flagged_data(flags.cycles, flags.flagged) | {"flagged_total": flags.total}


def _rows_page(request: HttpRequest, rows: list[at_size.TeamRow], page: int) -> dict[str, Any]:
    per_page = at_size.REPORT_ROWS_PER_PAGE
    shown = rows[(page - 1) * per_page : page * per_page]
    more = page * per_page < len(rows)
    return {
        "departments": [_team_row(r) for r in shown],
        "departments_total": len(rows),
        "page": page,
        "next": next_link(request, page=page + 1) if more else None,
    }


def _team_report(
    request: HttpRequest, organization: Organization, cycle: Cycle, team: Team, page: int
) -> dict[str, Any]:
    """``team``'s part, as the report page shows it on ``?team=``."""
    part = at_size.team_part(organization, cycle, team, timezone.now())
    found = at_size.size(organization.pk, cycle)
    flags = report_flags(organization.pk, until=cycle, last=CHART_CYCLES)
    return {
        "cycle": cycle_data(cycle),
        "organization": {
            "progress": found.progress,
            "score": organization_score(found.progress, found.score, is_graded(cycle)),
        },
        "objectives": [objective_data(line, team.name) for line in part.objectives],
        "kpis": kpis_data(part.kpis),
        "risks": risks_data(part.risks, part.risks_total, part.kpis.red),
        "calibration": _flags_json(flags),
        "at_size": found.large,
        "team": _team_row(part.total),
        "objectives_total": len(part.objectives),
        **_rows_page(request, part.children, page),
    }


def _report(
    request: HttpRequest, membership: Membership, cycle: Cycle, page: int
) -> dict[str, Any]:
    organization = membership.organization
    now = timezone.now()
    found = at_size.size(organization.pk, cycle)
    if not found.large:
        report = executive_report(organization, cycle, now, rollup=(found.progress, found.score))
        body = summary(report)
        body["calibration"]["flagged_total"] = len(report.calibration.flagged)
        return body | {
            "at_size": False,
            "team": None,
            "objectives_total": len(report.objectives),
            "departments": [],
            "departments_total": 0,
            "page": 1,
            "next": None,
        }
    tree = selectors.team_tree(organization.pk)
    part = at_size.summary(organization, cycle, now, found, tree, chart=False)
    flags = report_flags(organization.pk, until=cycle, last=CHART_CYCLES)
    return {
        "cycle": cycle_data(cycle),
        "organization": {"progress": part.organization_progress, "score": part.organization_score},
        "objectives": [objective_data(line, line.objective.owner_name) for line in part.objectives],
        "kpis": kpis_data(part.kpis),
        "risks": risks_data(part.risks, part.risks_total, part.kpis.red),
        "calibration": _flags_json(flags),
        "at_size": True,
        "team": None,
        "objectives_total": part.objectives_total,
        **_rows_page(request, part.departments, page),
    }


@router.get("/cycles/{cycle_id}/report", response=ReportOut)
def get_report(
    request: HttpRequest, cycle_id: int, filters: Query[ReportFilters]
) -> dict[str, Any]:
    """The executive report of a cycle: company objectives, KPI health, risks, calibration.
    Past the report page's bounds (``at_size``) the summary: the first 50 company objectives,
    the first 10 critical and warning KPIs (``health`` counts them all), the top risks, the
    first 50 flagged teams, and the departments as rows (50 a ``page``). ``team`` answers that
    team's part at any size: its own objectives, its teams as rows, its subtree's KPIs and
    risks."""
    membership = actor(request)
    cycle = get_for(membership, Cycle, cycle_id)
    team = get_ref(membership, Team, filters.team, "team")
    if team is not None:
        return _team_report(request, membership.organization, cycle, team, filters.page)
    return _report(request, membership, cycle, filters.page)


@router.get("/cycles/{cycle_id}/report.pdf", openapi_extra={"responses": PDF})
def get_report_pdf(request: HttpRequest, cycle_id: int, filters: Query[PdfFilters]) -> HttpResponse:
    """The same report as one A4 PDF (``application/pdf``): at size the summary with a section
    per department, with ``team`` that team's part in full (as the report page's PDF)."""
    membership = actor(request)
    organization = membership.organization
    cycle = get_for(membership, Cycle, cycle_id)
    chosen = get_ref(membership, Team, filters.team, "team")
    pdf = at_size.report_pdf(organization, cycle, timezone.now(), team=chosen)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = at_size.pdf_filename(organization, cycle, chosen)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
