"""API routes of the strategy layer (xmatrix): X-Matrices, their items, resources and marks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.core.xmatrix import corner_of
from headway.errors import ValidationFailed
from headway.orgs.accessors import get_for, get_ref
from headway.strategy import selectors, services
from headway.strategy.models import XMatrix, XMatrixItem, XMatrixResource

router = Router(tags=["strategy"])


class XMatrixSummary(Schema):
    id: int
    year: int
    title: str


class LinkedObjectiveOut(Schema):
    id: int
    title: str
    cycle: str
    progress: float


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    position: int
    # Annual objectives
    objective_ids: list[int]
    objectives: list[LinkedObjectiveOut]
    # Metrics
    kpi_id: int | None
    kpi_value: float | None
    kpi_period: str | None
    kpi_health: str | None
    baseline: float | None
    target: float | None
    unit: str
    owner_id: int | None


class ResourceOut(Schema):
    id: int
    name: str
    team_id: int | None
    person_id: int | None
    label: str
    position: int


class CorrelationOut(Schema):
    row_id: int
    column_id: int
    strength: str


class AssignmentOut(Schema):
    priority_id: int
    resource_id: int
    responsibility: str


class XMatrixFindingOut(Schema):
    id: str
    code: str
    subject_id: int
    subject: str
    message: str


class XMatrixOut(Schema):
    id: int
    year: int
    title: str
    items: list[ItemOut]
    resources: list[ResourceOut]
    correlations: list[CorrelationOut]
    assignments: list[AssignmentOut]
    findings: list[XMatrixFindingOut]


class XMatrixIn(ObjectIn):
    year: int | str
    title: str = ""


class XMatrixPatch(ObjectIn):
    year: int | str | None = None
    title: str | None = None


class ItemIn(ObjectIn):
    kind: str
    title: str
    description: str = ""
    objective_ids: list[Id] | None = None
    kpi_id: Id | None = None
    baseline: float | str | None = None
    target: float | str | None = None
    unit: str = ""
    owner_id: Id | None = None


class ItemPatch(ObjectIn):
    title: str | None = None
    description: str | None = None
    position: int | None = None
    objective_ids: list[Id] | None = None
    kpi_id: Id | None = None
    baseline: float | str | None = None
    target: float | str | None = None
    unit: str | None = None
    owner_id: Id | None = None


class ResourceIn(ObjectIn):
    team_id: Id | None = None
    person_id: Id | None = None
    label: str = ""


class CorrelationIn(ObjectIn):
    row_id: Id
    column_id: Id
    strength: str | None


class AssignmentIn(ObjectIn):
    priority_id: Id
    resource_id: Id
    responsibility: str | None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _item(data: selectors.XMatrixData, item: XMatrixItem) -> dict[str, Any]:
    value = data.metric_values.get(item.pk)
    objectives = data.linked_objectives.get(item.pk, [])
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "position": item.position,
        "objective_ids": [o.pk for o in objectives],
        "objectives": [
            {"id": o.pk, "title": o.title, "cycle": o.cycle.name, "progress": o.progress}
            for o in objectives
        ],
        "kpi_id": item.kpi_id,
        "kpi_value": _number(value.value) if value else None,
        "kpi_period": value.period.isoformat() if value and value.period else None,
        "kpi_health": value.health.value if value else None,
        "baseline": _number(item.baseline),
        "target": _number(item.target),
        "unit": item.unit,
        "owner_id": item.owner_id,
    }


def _whole(matrix: XMatrix) -> dict[str, Any]:
    data = selectors.xmatrix_page(matrix)
    return {
        "id": matrix.pk,
        "year": matrix.year,
        "title": matrix.title,
        "items": [_item(data, item) for item in data.all_items],
        "resources": [
            {
                "id": r.pk,
                "name": data.resource_names[r.pk],
                "team_id": r.team_id,
                "person_id": r.person_id,
                "label": r.label,
                "position": r.position,
            }
            for r in data.resources
        ],
        "correlations": [
            {"row_id": row, "column_id": column, "strength": strength}
            for (row, column), strength in data.correlations.items()
        ],
        "assignments": [
            {"priority_id": p, "resource_id": r, "responsibility": s}
            for (p, r), s in data.assignments.items()
        ],
        "findings": data.findings,
    }


def _matrix(request: HttpRequest, matrix_id: int) -> XMatrix:
    return get_for(actor(request), XMatrix, matrix_id)


@router.get("/xmatrices", response=list[XMatrixSummary])
@paginate(Pagination)
def list_xmatrices(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.xmatrices(actor(request).organization_id)


@router.post("/xmatrices", response={201: XMatrixOut})
def create_xmatrix(request: HttpRequest, payload: XMatrixIn) -> Status[Any]:
    matrix = services.create_xmatrix(actor=writer(request), **payload.dict())
    return Status(201, _whole(matrix))


@router.get("/xmatrices/{matrix_id}", response=XMatrixOut)
def get_xmatrix(request: HttpRequest, matrix_id: int) -> dict[str, Any]:
    return _whole(_matrix(request, matrix_id))


@router.patch("/xmatrices/{matrix_id}", response=XMatrixOut)
def update_xmatrix(request: HttpRequest, matrix_id: int, payload: XMatrixPatch) -> dict[str, Any]:
    me = writer(request)
    matrix = services.update_xmatrix(
        actor=me, matrix=_matrix(request, matrix_id), **payload.dict(exclude_unset=True)
    )
    return _whole(matrix)


@router.delete("/xmatrices/{matrix_id}", response={204: None})
def delete_xmatrix(request: HttpRequest, matrix_id: int) -> Status[None]:
    services.delete_xmatrix(actor=writer(request), matrix=_matrix(request, matrix_id))
    return Status(204, None)


@router.post("/xmatrices/{matrix_id}/items", response={201: ItemOut})
def add_item(request: HttpRequest, matrix_id: int, payload: ItemIn) -> Status[Any]:
    me = writer(request)
    matrix = _matrix(request, matrix_id)
    data = payload.dict()
    if data["objective_ids"] is None:
        del data["objective_ids"]
    item = services.add_item(actor=me, matrix=matrix, **data)
    return Status(201, _item(selectors.xmatrix_page(matrix), item))


@router.patch("/xmatrices/{matrix_id}/items/{item_id}", response=ItemOut)
def update_item(
    request: HttpRequest, matrix_id: int, item_id: int, payload: ItemPatch
) -> dict[str, Any]:
    me = writer(request)
    matrix = _matrix(request, matrix_id)
    item = get_for(me, XMatrixItem, item_id, matrix=matrix)
    changes = payload.dict(exclude_unset=True)
    position = changes.pop("position", None)
    services.update_item(actor=me, item=item, **changes)
    if position is not None:
        services.move_item(actor=me, item=item, offset=position - _index(item))
    data = selectors.xmatrix_page(matrix)
    return _item(data, next(i for i in data.all_items if i.pk == item.pk))


def _index(item: XMatrixItem) -> int:
    ids = list(
        XMatrixItem.objects.filter(matrix_id=item.matrix_id, kind=item.kind)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    return ids.index(item.pk)


@router.delete("/xmatrices/{matrix_id}/items/{item_id}", response={204: None})
def delete_item(request: HttpRequest, matrix_id: int, item_id: int) -> Status[None]:
    me = writer(request)
    item = get_for(me, XMatrixItem, item_id, matrix=_matrix(request, matrix_id))
    services.delete_item(actor=me, item=item)
    return Status(204, None)


@router.post("/xmatrices/{matrix_id}/resources", response={201: ResourceOut})
def add_resource(request: HttpRequest, matrix_id: int, payload: ResourceIn) -> Status[Any]:
    me = writer(request)
    resource = services.add_resource(actor=me, matrix=_matrix(request, matrix_id), **payload.dict())
    resource = XMatrixResource.objects.select_related("team", "person__user").get(pk=resource.pk)
    return Status(
        201,
        {
            "id": resource.pk,
            "name": selectors.resource_name(resource),
            "team_id": resource.team_id,
            "person_id": resource.person_id,
            "label": resource.label,
            "position": resource.position,
        },
    )


@router.delete("/xmatrices/{matrix_id}/resources/{resource_id}", response={204: None})
def remove_resource(request: HttpRequest, matrix_id: int, resource_id: int) -> Status[None]:
    me = writer(request)
    resource = get_for(me, XMatrixResource, resource_id, matrix=_matrix(request, matrix_id))
    services.remove_resource(actor=me, resource=resource)
    return Status(204, None)


def _member_item(request: HttpRequest, matrix: XMatrix, item_id: int, field: str) -> XMatrixItem:
    item = get_ref(actor(request), XMatrixItem, item_id, field)
    if item is None or item.matrix_id != matrix.pk:
        raise ValidationFailed({field: "no such item in this X-Matrix"})
    return item


@router.put("/xmatrices/{matrix_id}/correlations", response=CorrelationOut)
def set_correlation(request: HttpRequest, matrix_id: int, payload: CorrelationIn) -> dict[str, Any]:
    me = writer(request)
    matrix = _matrix(request, matrix_id)
    row = _member_item(request, matrix, payload.row_id, "row_id")
    column = _member_item(request, matrix, payload.column_id, "column_id")
    strength = services.set_correlation(matrix, row, column, payload.strength, actor=me)
    if corner_of(row.kind, column.kind) != (row.kind, column.kind):
        row, column = column, row  # answer in stored order, the corner's first list as the row
    return {"row_id": row.pk, "column_id": column.pk, "strength": strength}


@router.put("/xmatrices/{matrix_id}/assignments", response=AssignmentOut)
def set_assignment(request: HttpRequest, matrix_id: int, payload: AssignmentIn) -> dict[str, Any]:
    me = writer(request)
    matrix = _matrix(request, matrix_id)
    priority = _member_item(request, matrix, payload.priority_id, "priority_id")
    resource = get_ref(me, XMatrixResource, payload.resource_id, "resource_id")
    if resource is None or resource.matrix_id != matrix.pk:
        raise ValidationFailed({"resource_id": "no such resource in this X-Matrix"})
    value = services.set_assignment(priority, resource, payload.responsibility, actor=me)
    return {"priority_id": priority.pk, "resource_id": resource.pk, "responsibility": value}
