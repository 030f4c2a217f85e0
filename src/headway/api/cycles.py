import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import ObjectIn, Pagination
from headway.okrs import selectors, services
from headway.okrs.choices import CycleKind, CycleState
from headway.okrs.models import Cycle
from headway.orgs.accessors import get_for

router = Router(tags=["cycles"])


class CycleOut(Schema):
    id: int
    name: str
    kind: str
    start: dt.date
    end: dt.date
    state: str


class CycleIn(ObjectIn):
    name: str
    start: dt.date
    end: dt.date
    kind: str = CycleKind.QUARTER
    state: str = CycleState.PLANNING


@router.get("", response=list[CycleOut])
@paginate(Pagination)
def list_cycles(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Cycles by `start` (newest first), then name."""
    return selectors.cycles(actor(request).organization_id)


@router.get("/{cycle_id}", response=CycleOut)
def get_cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    return get_for(actor(request), Cycle, cycle_id)


@router.post("", response={201: CycleOut})
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status[Any]:
    return Status(201, services.create_cycle(actor=writer(request), **payload.dict()))
