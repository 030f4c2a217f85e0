from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
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
        return [link.parent_id for link in obj.parent_links.all()]

    @staticmethod
    def resolve_key_result_ids(obj: Objective) -> list[int]:
        return [kr.pk for kr in obj.key_results.all()]

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
    """The objectives with only what ObjectiveOut reads of their owners, parents and key
    results: ids (a page of 100 loads 400 key-result ids, not 400 whole key results)."""
    parents = Alignment.objects.order_by("parent_id").only("child_id", "parent_id")
    key_results = KeyResult.objects.order_by("position", "id").only("objective_id")
    return (
        selectors.objectives(org_id, **filters)
        .select_related(None)
        .select_related("cycle__organization")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("parent_links", queryset=parents),
            Prefetch("key_results", queryset=key_results),
        )
    )


def _one(request: HttpRequest, objective_id: int) -> Objective:
    get_for(actor(request), Objective, objective_id)
    return _objectives(actor(request).organization_id).get(pk=objective_id)


@router.get("", response=list[ObjectiveOut])
@paginate(Pagination)
def list_objectives(request: HttpRequest, filters: Query[ObjectiveFilters]):  # type: ignore[no-untyped-def]
    """Objectives by `cycle_id`, position, then `id`."""
    return _objectives(actor(request).organization_id, **filters.dict())


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
