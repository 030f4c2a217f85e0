"""Writes to X-Matrices. The editor pages and the API call these functions.

Each one checks who may edit, validates, writes and appends to the audit log in one transaction.
Admins and team leads edit the strategy; everyone in the organization reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from headway.audit import services as audit
from headway.core import xmatrix as checks
from headway.errors import Problems, ValidationFailed, to_choice, to_text, to_value
from headway.kpis.models import Kpi
from headway.okrs.models import Objective
from headway.orgs import permissions
from headway.orgs.accessors import get_ref
from headway.orgs.models import Membership, Team
from headway.strategy.choices import ItemKind, Responsibility, Strength
from headway.strategy.models import Assignment, Correlation, XMatrix, XMatrixItem, XMatrixResource

MATRIX_FIELDS = ["year", "title"]
ITEM_FIELDS = [
    "kind",
    "title",
    "description",
    "position",
    "kpi",
    "baseline",
    "target",
    "unit",
    "owner",
]
RESOURCE_FIELDS = ["team", "person", "label", "position"]

# Marks go round in this order when a cell is clicked.
STRENGTH_CYCLE = ["", Strength.STRONG, Strength.MODERATE, Strength.WEAK]
RESPONSIBILITY_CYCLE = ["", Responsibility.PRIMARY, Responsibility.SECONDARY]

MIN_YEAR, MAX_YEAR = 2000, 2100


can_edit = permissions.can_edit_strategy


def require_edit(actor: Membership, organization_id: int) -> None:
    if actor.organization_id != organization_id or not can_edit(actor):
        raise PermissionDenied("only admins and team leads may change the strategy")


def record(actor: Membership, action: str, instance: Any, **kwargs: Any) -> None:
    audit.record(
        organization_id=actor.organization_id,
        actor_id=actor.user_id,
        action=action,
        instance=instance,
        **kwargs,
    )


def next_position(rows: QuerySet[Any]) -> int:
    """The position after the last of ``rows`` (0 for none): new rows go at the end."""
    top = rows.aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def _next_mark(cycle: list[Any], current: str) -> str:
    """The mark after ``current`` in a click cycle, wrapping round to none."""
    return str(cycle[(cycle.index(current) + 1) % len(cycle)])


def _to_year(raw: Any) -> int:
    try:
        year = int(str(raw).strip()) if not isinstance(raw, int) or isinstance(raw, bool) else raw
    except ValueError:
        raise ValidationFailed({"year": "must be a year such as 2027"}) from None
    if isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed({"year": f"must be between {MIN_YEAR} and {MAX_YEAR}"})
    return year


# --- the matrix -------------------------------------------------------------------------------


def _clean_matrix(actor: Membership, data: dict[str, Any], matrix: XMatrix | None) -> dict:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "year" in data:
        year = problems.check(_to_year, data["year"])
        if year is not None:
            taken = XMatrix.objects.filter(organization_id=actor.organization_id, year=year)
            if matrix is not None:
                taken = taken.exclude(pk=matrix.pk)
            if taken.exists():
                problems.add("year", f"there is already an X-Matrix for {year}")
            clean["year"] = year
    if "title" in data:
        title = problems.check(to_text, data["title"], "title", max_length=200, required=False)
        if title is not None:
            clean["title"] = title
    problems.raise_any()
    return clean


@transaction.atomic
def create_xmatrix(*, actor: Membership, year: Any, title: Any = "") -> XMatrix:
    require_edit(actor, actor.organization_id)
    clean = _clean_matrix(actor, {"year": year, "title": title}, None)
    try:
        with transaction.atomic():
            matrix = XMatrix.objects.create(organization_id=actor.organization_id, **clean)
    except IntegrityError:  # a concurrent create of the same year
        raise ValidationFailed({"year": f"there is already an X-Matrix for {year}"}) from None
    record(actor, "xmatrix.create", matrix, after=audit.snapshot(matrix, MATRIX_FIELDS))
    return matrix


@transaction.atomic
def update_xmatrix(*, actor: Membership, matrix: XMatrix, **data: Any) -> XMatrix:
    require_edit(actor, matrix.organization_id)
    matrix = XMatrix.objects.select_for_update().get(pk=matrix.pk)
    before = audit.snapshot(matrix, MATRIX_FIELDS)
    for name, value in _clean_matrix(actor, data, matrix).items():
        setattr(matrix, name, value)
    matrix.save()
    record(
        actor,
        "xmatrix.update",
        matrix,
        before=before,
        after=audit.snapshot(matrix, MATRIX_FIELDS),
    )
    return matrix


@transaction.atomic
def delete_xmatrix(*, actor: Membership, matrix: XMatrix) -> None:
    require_edit(actor, matrix.organization_id)
    record(actor, "xmatrix.delete", matrix, before=audit.snapshot(matrix, MATRIX_FIELDS))
    matrix.delete()


# --- items ------------------------------------------------------------------------------------

_METRIC_ONLY = ("kpi_id", "baseline", "target", "unit", "owner_id")


def _optional_value(raw: Any, field: str) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return to_value(raw, field)


def _clean_objectives(actor: Membership, matrix: XMatrix, raw: Any) -> list[Objective]:
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        raise ValidationFailed({"objective_ids": "must be a list of objective ids"})
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ValidationFailed({"objective_ids": "must be a list of objective ids"}) from None
    found = list(
        Objective.objects.filter(organization_id=actor.organization_id, pk__in=ids).select_related(
            "cycle"
        )
    )
    if len(found) != len(set(ids)):
        raise ValidationFailed({"objective_ids": "no such objective in this organization"})
    for objective in found:
        if not objective.cycle.start.year <= matrix.year <= objective.cycle.end.year:
            raise ValidationFailed(
                {"objective_ids": f"“{objective.title}” is not in a cycle of {matrix.year}"}
            )
    return found


def _clean_item(
    actor: Membership, matrix: XMatrix, kind: str, data: dict[str, Any]
) -> tuple[dict[str, Any], list[Objective] | None]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "title" in data:
        title = problems.check(to_text, data["title"], "title", max_length=200)
        if title is not None:
            clean["title"] = title
    if "description" in data:
        text = problems.check(
            to_text, data["description"], "description", max_length=5000, required=False
        )
        if text is not None:
            clean["description"] = text
    if kind == ItemKind.METRIC:
        if "kpi_id" in data:
            clean["kpi"] = problems.check(get_ref, actor, Kpi, data["kpi_id"], "kpi_id")
        if "owner_id" in data:
            clean["owner"] = problems.check(
                get_ref, actor, Membership, data["owner_id"], "owner_id"
            )
        for name in ("baseline", "target"):
            if name in data:
                clean[name] = problems.check(_optional_value, data[name], name)
        if "unit" in data:
            unit = problems.check(to_text, data["unit"], "unit", max_length=30, required=False)
            if unit is not None:
                clean["unit"] = unit
    else:
        for name in _METRIC_ONLY:
            if data.get(name) not in (None, ""):
                problems.add(name, "only metrics have this")
    objectives: list[Objective] | None = None
    if "objective_ids" in data:
        if kind == ItemKind.ANNUAL:
            objectives = problems.check(_clean_objectives, actor, matrix, data["objective_ids"])
        elif data["objective_ids"]:
            problems.add("objective_ids", "only annual objectives link to company objectives")
    problems.raise_any()
    return clean, objectives


@transaction.atomic
def add_item(*, actor: Membership, matrix: XMatrix, kind: Any, **data: Any) -> XMatrixItem:
    """A new row at the end of one of the four lists."""
    require_edit(actor, matrix.organization_id)
    kind = to_choice(kind, "kind", ItemKind.values)
    data.setdefault("title", None)
    clean, objectives = _clean_item(actor, matrix, kind, data)
    item = XMatrixItem.objects.create(
        organization_id=matrix.organization_id,
        matrix=matrix,
        kind=kind,
        position=next_position(XMatrixItem.objects.filter(matrix=matrix, kind=kind)),
        **clean,
    )
    if objectives:
        item.objectives.set(objectives)
    record(actor, "xmatrix.item.create", item, after=audit.snapshot(item, ITEM_FIELDS))
    return item


@transaction.atomic
def update_item(*, actor: Membership, item: XMatrixItem, **data: Any) -> XMatrixItem:
    require_edit(actor, item.organization_id)
    item = (
        XMatrixItem.objects.select_related("matrix").select_for_update(of=("self",)).get(pk=item.pk)
    )
    before = audit.snapshot(item, ITEM_FIELDS)
    clean, objectives = _clean_item(actor, item.matrix, item.kind, data)
    for name, value in clean.items():
        setattr(item, name, value)
    item.save()
    if objectives is not None:
        item.objectives.set(objectives)
    record(
        actor,
        "xmatrix.item.update",
        item,
        before=before,
        after=audit.snapshot(item, ITEM_FIELDS),
    )
    return item


@transaction.atomic
def delete_item(*, actor: Membership, item: XMatrixItem) -> None:
    """Remove a row with its marks and assignments."""
    require_edit(actor, item.organization_id)
    record(actor, "xmatrix.item.delete", item, before=audit.snapshot(item, ITEM_FIELDS))
    item.delete()


@transaction.atomic
def reorder_items(
    *, actor: Membership, matrix: XMatrix, kind: Any, item_ids: list[Any]
) -> list[XMatrixItem]:
    """Put one list in the order given: ``item_ids`` must name each of its items once."""
    require_edit(actor, matrix.organization_id)
    kind = to_choice(kind, "kind", ItemKind.values)
    items = {i.pk: i for i in XMatrixItem.objects.filter(matrix=matrix, kind=kind)}
    try:
        order = [int(pk) for pk in item_ids]
    except (TypeError, ValueError):
        raise ValidationFailed({"item_ids": "must be a list of item ids"}) from None
    if sorted(order) != sorted(items):
        raise ValidationFailed({"item_ids": "must list each item of this kind exactly once"})
    changed = []
    for position, pk in enumerate(order):
        if items[pk].position != position:
            items[pk].position = position
            changed.append(items[pk])
    XMatrixItem.objects.bulk_update(changed, ["position"])
    record(actor, "xmatrix.item.reorder", matrix, after={"kind": kind, "item_ids": order})
    return [items[pk] for pk in order]


@transaction.atomic
def move_item(*, actor: Membership, item: XMatrixItem, offset: int) -> None:
    """Move a row up (-1) or down (+1) its list."""
    ids = list(
        XMatrixItem.objects.filter(matrix_id=item.matrix_id, kind=item.kind)
        .order_by("position", "id")
        .values_list("pk", flat=True)
    )
    index = ids.index(item.pk)
    target = max(0, min(len(ids) - 1, index + offset))
    ids.insert(target, ids.pop(index))
    reorder_items(actor=actor, matrix=item.matrix, kind=item.kind, item_ids=ids)


# --- resources --------------------------------------------------------------------------------


@transaction.atomic
def add_resource(
    *,
    actor: Membership,
    matrix: XMatrix,
    team_id: Any = None,
    person_id: Any = None,
    label: Any = "",
) -> XMatrixResource:
    """A resource column: a team, a person, or (neither) a named group."""
    require_edit(actor, matrix.organization_id)
    problems = Problems()
    team = problems.check(get_ref, actor, Team, team_id or None, "team_id")
    person = problems.check(get_ref, actor, Membership, person_id or None, "person_id")
    text = problems.check(to_text, label, "label", max_length=200, required=False) or ""
    problems.raise_any()
    if team is not None and person is not None:
        raise ValidationFailed({"team_id": "give a team or a person, not both"})
    if team is None and person is None and not text:
        raise ValidationFailed({"label": "give a team, a person or a name"})
    resource = XMatrixResource.objects.create(
        organization_id=matrix.organization_id,
        matrix=matrix,
        team=team,
        person=person,
        label=text,
        position=next_position(XMatrixResource.objects.filter(matrix=matrix)),
    )
    record(
        actor,
        "xmatrix.resource.create",
        resource,
        after=audit.snapshot(resource, RESOURCE_FIELDS),
    )
    return resource


@transaction.atomic
def remove_resource(*, actor: Membership, resource: XMatrixResource) -> None:
    require_edit(actor, resource.organization_id)
    record(
        actor,
        "xmatrix.resource.delete",
        resource,
        before=audit.snapshot(resource, RESOURCE_FIELDS),
    )
    resource.delete()


# --- marks ------------------------------------------------------------------------------------


def _corner_pair(
    matrix: XMatrix, row: XMatrixItem, column: XMatrixItem
) -> tuple[XMatrixItem, XMatrixItem]:
    """The pair in stored order (first of its corner as the row), or ValidationFailed."""
    if row.matrix_id != matrix.pk or column.matrix_id != matrix.pk:
        raise ValidationFailed({"row_id": "both items must belong to this X-Matrix"})
    corner = checks.corner_of(row.kind, column.kind)
    if corner is None:
        raise ValidationFailed(
            {"column_id": f"a {row.kind} and a {column.kind} do not share a corner"}
        )
    return (row, column) if corner == (row.kind, column.kind) else (column, row)


def _write_mark(
    actor: Membership, matrix: XMatrix, row: XMatrixItem, column: XMatrixItem, strength: str
) -> str:
    current = Correlation.objects.select_for_update().filter(row=row, column=column).first()
    before = {"strength": current.strength if current else ""}
    if not strength:
        if current is not None:
            current.delete()
    elif current is None:
        current = Correlation.objects.create(
            organization_id=matrix.organization_id,
            matrix=matrix,
            row=row,
            column=column,
            strength=strength,
        )
    elif current.strength != strength:
        current.strength = strength
        current.save(update_fields=["strength"])
    record(
        actor,
        "xmatrix.correlation.set",
        matrix,
        before={"row_id": row.pk, "column_id": column.pk, **before},
        after={"row_id": row.pk, "column_id": column.pk, "strength": strength},
    )
    return strength


@transaction.atomic
def set_correlation(
    matrix: XMatrix,
    row: XMatrixItem,
    column: XMatrixItem,
    strength: Any,
    *,
    actor: Membership,
) -> str:
    """Set (or with None / "" clear) the mark between two items of adjacent lists."""
    require_edit(actor, matrix.organization_id)
    strength = "" if strength in (None, "") else to_choice(strength, "strength", Strength.values)
    row, column = _corner_pair(matrix, row, column)
    return _write_mark(actor, matrix, row, column, strength)


@transaction.atomic
def cycle_correlation(
    matrix: XMatrix, row: XMatrixItem, column: XMatrixItem, *, actor: Membership
) -> str:
    """The next mark: none -> strong -> moderate -> weak -> none. Returns it ("" for none)."""
    require_edit(actor, matrix.organization_id)
    row, column = _corner_pair(matrix, row, column)
    current = (
        Correlation.objects.filter(row=row, column=column)
        .values_list("strength", flat=True)
        .first()
        or ""
    )
    return _write_mark(actor, matrix, row, column, _next_mark(STRENGTH_CYCLE, current))


def _check_assignment(priority: XMatrixItem, resource: XMatrixResource) -> None:
    if priority.kind != ItemKind.PRIORITY:
        raise ValidationFailed({"priority_id": "must be an improvement priority"})
    if priority.matrix_id != resource.matrix_id:
        raise ValidationFailed({"resource_id": "must belong to the same X-Matrix"})


def _write_assignment(
    actor: Membership, priority: XMatrixItem, resource: XMatrixResource, responsibility: str
) -> str:
    current = (
        Assignment.objects.select_for_update().filter(priority=priority, resource=resource).first()
    )
    before = current.responsibility if current else ""
    if not responsibility:
        if current is not None:
            current.delete()
    elif current is None:
        Assignment.objects.create(
            organization_id=priority.organization_id,
            matrix_id=priority.matrix_id,
            priority=priority,
            resource=resource,
            responsibility=responsibility,
        )
    elif current.responsibility != responsibility:
        current.responsibility = responsibility
        current.save(update_fields=["responsibility"])
    record(
        actor,
        "xmatrix.assignment.set",
        priority,
        before={"resource_id": resource.pk, "responsibility": before},
        after={"resource_id": resource.pk, "responsibility": responsibility},
    )
    return responsibility


@transaction.atomic
def set_assignment(
    priority: XMatrixItem, resource: XMatrixResource, responsibility: Any, *, actor: Membership
) -> str:
    require_edit(actor, priority.organization_id)
    _check_assignment(priority, resource)
    value = (
        ""
        if responsibility in (None, "")
        else to_choice(responsibility, "responsibility", Responsibility.values)
    )
    return _write_assignment(actor, priority, resource, value)


@transaction.atomic
def cycle_assignment(priority: XMatrixItem, resource: XMatrixResource, *, actor: Membership) -> str:
    """The next responsibility: none -> primary -> secondary -> none."""
    require_edit(actor, priority.organization_id)
    _check_assignment(priority, resource)
    current = (
        Assignment.objects.filter(priority=priority, resource=resource)
        .values_list("responsibility", flat=True)
        .first()
        or ""
    )
    return _write_assignment(actor, priority, resource, _next_mark(RESPONSIBILITY_CYCLE, current))
