"""API routes of the quarterly rhythm (carry): retrospectives, carrying over and duplicating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from headway.api.auth import writer
from headway.api.types import Id, ObjectIn
from headway.okrs import carry
from headway.okrs.models import Cycle, Objective
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership

router = Router(tags=["carry"])


class RetrospectiveIn(ObjectIn):
    worked: str = ""
    change: str = ""


class RetrospectiveOut(Schema):
    id: int
    worked: str
    change: str


class CopyIn(ObjectIn):
    cycle_id: Id | None = None


class CopyOut(Schema):
    id: int
    key: str
    title: str
    cycle_id: int
    origin_id: int | None
    origin_kind: str


@router.put("/objectives/{objective_id}/retrospective", response=RetrospectiveOut)
def save_retrospective(
    request: HttpRequest, objective_id: int, payload: RetrospectiveIn
) -> dict[str, Any]:
    me = writer(request)
    objective = get_for(me, Objective, objective_id)
    saved = carry.save_retrospective(
        actor=me, objective=objective, worked=payload.worked, change=payload.change
    )
    return {"id": saved.pk, "worked": saved.retro_worked, "change": saved.retro_change}


def _copy(
    request: HttpRequest,
    objective_id: int,
    payload: CopyIn,
    copier: Callable[..., Objective],
) -> Status[Any]:
    me: Membership = writer(request)
    objective = get_for(me, Objective, objective_id, select=("cycle",))
    # Another organization's cycle is not found (404), like its objectives.
    cycle = get_for(me, Cycle, payload.cycle_id) if payload.cycle_id is not None else None
    return Status(201, copier(actor=me, objective=objective, cycle=cycle))


@router.post("/objectives/{objective_id}/carry-over", response={201: CopyOut})
def carry_over(request: HttpRequest, objective_id: int, payload: CopyIn) -> Status[Any]:
    return _copy(request, objective_id, payload, carry.carry_over)


@router.post("/objectives/{objective_id}/duplicate", response={201: CopyOut})
def duplicate(request: HttpRequest, objective_id: int, payload: CopyIn) -> Status[Any]:
    return _copy(request, objective_id, payload, carry.duplicate_objective)
