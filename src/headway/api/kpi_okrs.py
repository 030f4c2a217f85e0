"""From a KPI to OKRs over the API: a key result that follows the KPI, an objective to fix it,
and what the KPI proposes (benchmark gaps, a long critical streak)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.key_results import KeyResultOut
from headway.api.objectives import ObjectiveOut
from headway.api.objectives import _one as objective_out
from headway.api.types import Id, ObjectIn
from headway.kpis.gaps import Gap
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.kpis.proposals import objective_proposal
from headway.okrs import from_kpis
from headway.okrs.models import Objective
from headway.orgs.accessors import get_for, get_ref

router = Router(tags=["KPIs"])

Number = float | str


class KeyResultFromKpiIn(ObjectIn):
    objective_id: Id
    target: Number = Field(..., description="Where the KPI should be by the end of the cycle.")
    title: str = Field("", description="Empty: “Raise NPS from 32 to 50”.")
    confidence: int = Field(5, description="How sure you are of reaching the target, 0-10.")
    owner_id: Id | None = None
    weight: Number = 1.0


class KeyResultPart(ObjectIn):
    target: Number
    title: str = ""
    confidence: int = 5


class ObjectiveFromKpiIn(ObjectIn):
    title: str
    cycle_id: Id
    owner_team_id: Id | None = None
    owner_person_id: Id | None = None
    kind: str = "committed"
    description: str = ""
    key_result: KeyResultPart


class GapProposal(Schema):
    benchmark: str
    headline: str = Field(..., description="“NPS 32, Competitor NPS at 50”.")
    gap: str = Field(..., description="“-18 (-36%), behind” (with minus signs).")
    key_result: str | None = Field(None, description="The key result that would close it.")
    target: float


class ObjectiveProposalOut(Schema):
    reason: str
    title: str
    critical_periods: int
    target: float | None


class ProposalsOut(Schema):
    kpi_id: int
    latest_value: float | None
    gaps: list[GapProposal]
    objective: ObjectiveProposalOut | None


@router.post("/{kpi_id}/key-results", response={201: KeyResultOut})
def make_key_result(request: HttpRequest, kpi_id: int, payload: KeyResultFromKpiIn) -> Status[Any]:
    """A key result that starts at the KPI's latest value and follows it from then on."""
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    data = payload.dict()
    objective = get_ref(me, Objective, data.pop("objective_id"), "objective_id")
    assert objective is not None
    return Status(
        201, from_kpis.create_key_result_from_kpi(actor=me, kpi=kpi, objective=objective, **data)
    )


@router.post("/{kpi_id}/objectives", response={201: ObjectiveOut})
def make_objective(request: HttpRequest, kpi_id: int, payload: ObjectiveFromKpiIn) -> Status[Any]:
    """A new objective with one key result that follows the KPI; all or nothing."""
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    data = payload.dict()
    if data["owner_team_id"] is None and data["owner_person_id"] is None:
        del data["owner_team_id"], data["owner_person_id"]
    objective = from_kpis.create_objective_from_kpi(actor=me, kpi=kpi, **data)
    return Status(201, objective_out(request, objective.pk))


@router.get("/{kpi_id}/proposals", response=ProposalsOut)
def proposals(request: HttpRequest, kpi_id: int) -> dict[str, Any]:
    """What the KPI proposes: a key result per benchmark gap, an objective after a red streak."""
    kpi = get_for(actor(request), Kpi, kpi_id)
    points = list(
        Measurement.objects.filter(kpi=kpi).order_by("period").values_list("period", "value")
    )
    latest = points[-1][1] if points else None
    gaps = []
    for benchmark in Benchmark.objects.filter(kpi=kpi).order_by("name", "id"):
        if latest is None:
            continue
        gap = Gap(kpi, latest, benchmark)
        gaps.append(
            {
                "benchmark": benchmark.name,
                "headline": gap.headline,
                "gap": gap.text,
                "key_result": gap.suggestion,
                "target": float(benchmark.value),
            }
        )
    proposal = objective_proposal(kpi, points, timezone.localdate())
    return {
        "kpi_id": kpi.pk,
        "latest_value": None if latest is None else float(latest),
        "gaps": gaps,
        "objective": None
        if proposal is None
        else {
            "reason": proposal.reason,
            "title": proposal.title,
            "critical_periods": proposal.periods,
            "target": None if proposal.target is None else float(proposal.target),
        },
    }
