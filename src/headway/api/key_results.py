import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.okrs import selectors, services
from headway.okrs.models import CheckIn, KeyResult, Objective
from headway.orgs.accessors import get_for, get_ref

router = Router(tags=["key results"])
checkins_router = Router(tags=["check-ins"])

Number = float | str


class KeyResultOut(Schema):
    id: int
    objective_id: Id
    title: str
    kind: str
    unit: str
    start: float
    target: float
    current: float | None
    direction: str
    weight: float
    owner_id: int | None
    kpi_id: int | None
    follows_kpi: bool
    result_type: str
    progress: float
    confidence: int | None
    last_checkin_at: dt.datetime | None


class KeyResultIn(ObjectIn):
    objective_id: Id
    title: str
    kind: str = "metric"
    unit: str = ""
    start: Number = 0.0
    target: Number
    direction: str = "increase"
    weight: Number = 1.0
    owner_id: Id | None = None
    kpi_id: Id | None = None
    follows_kpi: bool = Field(False, description="Each new value of the KPI is a check-in.")
    result_type: str = "outcome"


class KeyResultPatch(ObjectIn):
    title: str | None = None
    kind: str | None = None
    unit: str | None = None
    start: Number | None = None
    target: Number | None = None
    direction: str | None = None
    weight: Number | None = None
    owner_id: Id | None = None
    kpi_id: Id | None = None
    follows_kpi: bool | None = None
    result_type: str | None = None


class CheckInOut(Schema):
    id: int
    key_result_id: int
    value: float
    confidence: int
    note: str
    author_id: int | None
    created_at: dt.datetime


class CheckInIn(ObjectIn):
    value: Number = Field(..., description="The key result's value now.")
    confidence: int = Field(..., description="How sure you are of reaching the target, 0-10.")
    note: str = ""


class CheckInResult(Schema):
    checkin: CheckInOut
    key_result_progress: float
    objective_progress: float


class KeyResultFilters(Schema):
    objective_id: Id | None = None


class CheckInFilters(Schema):
    key_result_id: Id | None = None


@router.get("", response=list[KeyResultOut])
@paginate(Pagination)
def list_key_results(request: HttpRequest, filters: Query[KeyResultFilters]):  # type: ignore[no-untyped-def]
    """Key results by `objective_id`, position, then `id`."""
    return selectors.key_results(actor(request).organization_id, **filters.dict())


@router.get("/{kr_id}", response=KeyResultOut)
def get_key_result(request: HttpRequest, kr_id: int) -> KeyResult:
    return get_for(actor(request), KeyResult, kr_id)


@router.post("", response={201: KeyResultOut})
def create_key_result(request: HttpRequest, payload: KeyResultIn) -> Status[Any]:
    me = writer(request)
    data = payload.dict()
    objective = get_ref(me, Objective, data.pop("objective_id"), "objective_id")
    assert objective is not None
    return Status(201, services.create_key_result(actor=me, objective=objective, **data))


@router.patch("/{kr_id}", response=KeyResultOut)
def update_key_result(request: HttpRequest, kr_id: int, payload: KeyResultPatch) -> KeyResult:
    me = writer(request)
    kr = get_for(me, KeyResult, kr_id, select=("objective",))
    return services.update_key_result(actor=me, key_result=kr, **payload.dict(exclude_unset=True))


@router.get("/{kr_id}/check-ins", response=list[CheckInOut])
@paginate(Pagination)
def list_key_result_checkins(request: HttpRequest, kr_id: int):  # type: ignore[no-untyped-def]
    """The key result's check-ins, newest first (`created_at`, then `id`, descending)."""
    get_for(actor(request), KeyResult, kr_id)
    return selectors.checkins(actor(request).organization_id, key_result_id=kr_id)


@router.post("/{kr_id}/check-ins", response={201: CheckInResult})
def check_in(request: HttpRequest, kr_id: int, payload: CheckInIn) -> Status[Any]:
    me = writer(request)
    kr = get_for(me, KeyResult, kr_id, select=("objective",))
    # The answer is read before the commit: should the database go away after the write, the
    # client gets an error for a check-in that is not stored, never one for a stored check-in.
    with transaction.atomic():
        checkin = services.record_checkin(actor=me, key_result=kr, **payload.dict())
        kr.refresh_from_db(fields=["progress"])
        kr.objective.refresh_from_db(fields=["progress"])
    return Status(
        201,
        {
            "checkin": checkin,
            "key_result_progress": kr.progress,
            "objective_progress": kr.objective.progress,
        },
    )


@checkins_router.get("", response=list[CheckInOut])
@paginate(Pagination)
def list_checkins(request: HttpRequest, filters: Query[CheckInFilters]):  # type: ignore[no-untyped-def]
    """Check-ins, newest first (`created_at`, then `id`, descending)."""
    return selectors.checkins(actor(request).organization_id, **filters.dict())


@checkins_router.get("/{checkin_id}", response=CheckInOut)
def get_checkin(request: HttpRequest, checkin_id: int) -> CheckIn:
    return get_for(actor(request), CheckIn, checkin_id)
