from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.types import Attached, Id, ObjectIn, Pagination, attached, ids_by
from headway.okrs import selectors, services
from headway.okrs.models import Alignment, KeyResult, Objective
from headway.okrs.progress import pace
from headway.orgs.accessors import get_for

router = Router(tags=["objectives"])


class ObjectiveOut(Schema):
    id: int
    cycle_id: Id
    title: str
    description: str
    owner_team_id: int | None
    owner_person_id: int | None
    kind: str
    status: str
    weight: float
    progress: float
    pace: str
    parent_ids: list[int]
    key_result_ids: list[int]

    @staticmethod
    def resolve_parent_ids(obj: Objective) -> list[int]:
        return list(attached(obj, "parent_ids"))

    @staticmethod
    def resolve_key_result_ids(obj: Objective) -> list[int]:
        return list(attached(obj, "key_result_ids"))

    @staticmethod
    def resolve_pace(obj: Objective) -> str:
        return pace(obj.progress, obj.cycle, timezone.now()).value


class ObjectiveFilters(Schema):
    cycle_id: Id | None = None
    team_id: Id | None = None
    owner_person_id: Id | None = None
    status: str | None = None


class ObjectiveIn(ObjectIn):
    title: str
    cycle_id: Id
    description: str = ""
    owner_team_id: Id | None = None
    owner_person_id: Id | None = None
    kind: str = "aspirational"
    weight: float = Field(1.0, description="Relative weight in roll-ups; must be > 0.")
    parent_ids: list[Id] = []


class ObjectivePatch(ObjectIn):
    title: str | None = None
    cycle_id: Id | None = None
    description: str | None = None
    owner_team_id: Id | None = None
    owner_person_id: Id | None = None
    kind: str | None = None
    status: str | None = None
    weight: float | None = None
    parent_ids: list[Id] | None = None


def _objectives(org_id: int, **filters: Any) -> QuerySet[Objective]:
    """The objectives with only what ObjectiveOut reads of their owners (their ids); the ids of
    their parents and key results come from ``_attach_ids``."""
    return (
        selectors.objectives(org_id, **filters)
        .select_related(None)
        .select_related("cycle__organization")
        .prefetch_related(None)
    )


def _attach_ids(objectives: list[Objective]) -> None:
    """Each objective's parents' ids (by id) and key results' ids (by position), two queries:
    a page of 100 reads 400 key-result ids as tuples, not 400 key results."""
    parents = ids_by(
        Alignment.objects.filter(child__in=objectives)
        .order_by("child_id", "parent_id")
        .values_list("child_id", "parent_id")
    )
    key_results = ids_by(
        KeyResult.objects.filter(objective__in=objectives)
        .order_by("objective_id", "position", "id")
        .values_list("objective_id", "id")
    )
    for objective in objectives:
        objective.__dict__["parent_ids"] = parents.get(objective.pk, [])
        objective.__dict__["key_result_ids"] = key_results.get(objective.pk, [])


def _one(request: HttpRequest, objective_id: int) -> Objective:
    get_for(actor(request), Objective, objective_id)
    objective = _objectives(actor(request).organization_id).get(pk=objective_id)
    _attach_ids([objective])
    return objective


@router.get("", response=list[ObjectiveOut])
@paginate(Pagination)
def list_objectives(request: HttpRequest, filters: Query[ObjectiveFilters]):  # type: ignore[no-untyped-def]
    """Objectives by `cycle_id`, position, then `id`."""
    return Attached(_objectives(actor(request).organization_id, **filters.dict()), _attach_ids)


@router.get("/{objective_id}", response=ObjectiveOut)
def get_objective(request: HttpRequest, objective_id: int) -> Objective:
    return _one(request, objective_id)


@router.post("", response={201: ObjectiveOut})
def create_objective(request: HttpRequest, payload: ObjectiveIn) -> Status[Any]:
    data: dict[str, Any] = payload.dict()
    if data["owner_team_id"] is None and data["owner_person_id"] is None:
        del data["owner_team_id"], data["owner_person_id"]
    objective = services.create_objective(actor=writer(request), **data)
    return Status(201, _one(request, objective.pk))


@router.patch("/{objective_id}", response=ObjectiveOut)
def update_objective(request: HttpRequest, objective_id: int, payload: ObjectivePatch) -> Objective:
    me = writer(request)
    objective = get_for(me, Objective, objective_id, select=("cycle__organization",))
    changes = payload.dict(exclude_unset=True)
    services.update_objective(actor=me, objective=objective, **changes)
    return _one(request, objective_id)
