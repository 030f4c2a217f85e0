"""API routes of the quarterly rhythm: moving cycles on, reopening them, grading, scores, and
the organization's fiscal year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from headway import core
from headway.api.auth import actor, writer
from headway.api.types import ObjectIn, next_link
from headway.okrs import cycles, grading, scoreboard
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.orgs.accessors import get_for

router = Router(tags=["grading"])


class CycleStateOut(Schema):
    id: int
    name: str
    kind: str
    start: dt.date
    end: dt.date
    state: str


class TransitionIn(ObjectIn):
    to: str


class ReopenIn(ObjectIn):
    reason: str = ""


class GradeIn(ObjectIn):
    # Any JSON value: the service answers a bad one with a message naming "score".
    score: Any = None
    reason: str = ""


class GradeOut(Schema):
    id: int
    score: float | None
    default_score: float
    score_reason: str
    graded_at: dt.datetime | None
    graded_by_id: int | None
    objective_id: int
    objective_score: float | None


class ObjectiveScoreOut(Schema):
    id: int
    title: str
    kind: str
    owner_team_id: int | None
    owner_person_id: int | None
    progress: float
    score: float | None
    expected_score: float


class TeamScoreOut(Schema):
    team_id: int | None
    name: str
    progress: float | None
    score: float | None


class ScoresOut(Schema):
    cycle: CycleStateOut
    objectives: list[ObjectiveScoreOut]
    teams: list[TeamScoreOut]
    organization: TeamScoreOut
    objectives_count: int = Field(..., description="The cycle's objectives over all pages.")
    teams_count: int = Field(..., description="The teams with a roll-up over all pages.")
    next: str | None = Field(
        ..., description="The link to the next page of either list; null on the last."
    )


class FiscalYearIn(ObjectIn):
    fiscal_year_start_month: Any = None


class FiscalYearOut(Schema):
    fiscal_year_start_month: int


@router.post("/cycles/{cycle_id}/transition", response=CycleStateOut)
def transition_cycle(request: HttpRequest, cycle_id: int, payload: TransitionIn) -> Cycle:
    me = writer(request)
    return cycles.transition_cycle(actor=me, cycle=get_for(me, Cycle, cycle_id), to=payload.to)


@router.post("/cycles/{cycle_id}/reopen", response=CycleStateOut)
def reopen_cycle(request: HttpRequest, cycle_id: int, payload: ReopenIn) -> Cycle:
    me = writer(request)
    return cycles.reopen_cycle(actor=me, cycle=get_for(me, Cycle, cycle_id), reason=payload.reason)


def _grade_out(kr: KeyResult) -> dict[str, Any]:
    objective_score = Objective.objects.filter(pk=kr.objective_id).values_list("score", flat=True)
    return {
        "id": kr.pk,
        "score": kr.score,
        "default_score": core.default_score(kr.progress),
        "score_reason": kr.score_reason,
        "graded_at": kr.graded_at,
        "graded_by_id": kr.graded_by_id,
        "objective_id": kr.objective_id,
        "objective_score": objective_score.first(),
    }


@router.put("/key-results/{kr_id}/grade", response=GradeOut)
def grade_key_result(request: HttpRequest, kr_id: int, payload: GradeIn) -> dict[str, Any]:
    me = writer(request)
    kr = get_for(me, KeyResult, kr_id, select=("objective",))
    graded = grading.grade_key_result(
        actor=me, key_result=kr, score=payload.score, reason=payload.reason
    )
    return _grade_out(graded)


@router.delete("/key-results/{kr_id}/grade", response=GradeOut)
def clear_grade(request: HttpRequest, kr_id: int) -> dict[str, Any]:
    me = writer(request)
    kr = get_for(me, KeyResult, kr_id, select=("objective",))
    return _grade_out(grading.clear_grade(actor=me, key_result=kr))


class ScoresPage(Schema):
    limit: int = Field(1000, ge=1, le=1000, description="Objectives, and teams, listed at most.")
    offset: int = Field(0, ge=0, le=2**31, description="Objectives, and teams, skipped.")


@router.get("/cycles/{cycle_id}/scores", response=ScoresOut)
def cycle_scores(request: HttpRequest, cycle_id: int, page: Query[ScoresPage]) -> dict[str, Any]:
    """The cycle's objectives (by position, then id), its teams' roll-ups (by team name) and the
    organization's. Both lists are paged by the same ``limit`` (default and at most 1000) and
    ``offset``; ``objectives_count`` and ``teams_count`` count them all, ``next`` reads on."""
    cycle = get_for(actor(request), Cycle, cycle_id)
    end = page.offset + page.limit
    data = scoreboard.cycle_scores(cycle, page.offset, end)
    return {
        "cycle": cycle,
        "objectives": [
            {
                "id": o.pk,
                "title": o.title,
                "kind": o.kind,
                "owner_team_id": o.owner_team_id,
                "owner_person_id": o.owner_person_id,
                "progress": o.progress,
                "score": o.score,
                "expected_score": core.expected_score(core.ObjectiveKind(o.kind)),
            }
            for o in data.objectives
        ],
        "teams": [
            {"team_id": t.team.pk, "name": t.team.name, "progress": t.progress, "score": t.score}
            for t in data.teams
            if t.team is not None
        ],
        "organization": {
            "team_id": None,
            "name": request.membership.organization.name,  # type: ignore[attr-defined]
            "progress": data.organization.progress,
            "score": data.organization.score,
        },
        "objectives_count": data.objectives_count,
        "teams_count": data.teams_count,
        "next": next_link(request, offset=end)
        if end < max(data.objectives_count, data.teams_count)
        else None,
    }


@router.get("/organization/fiscal-year", response=FiscalYearOut)
def get_fiscal_year(request: HttpRequest) -> dict[str, Any]:
    return {"fiscal_year_start_month": actor(request).organization.fiscal_year_start_month}


@router.patch("/organization/fiscal-year", response=FiscalYearOut)
def set_fiscal_year(request: HttpRequest, payload: FiscalYearIn) -> dict[str, Any]:
    org = cycles.set_fiscal_year_start(actor=writer(request), month=payload.fiscal_year_start_month)
    return {"fiscal_year_start_month": org.fiscal_year_start_month}
