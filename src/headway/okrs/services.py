"""Writes to OKRs. The web pages, the API and the CLI all call these functions.

Each service validates, writes, keeps the stored roll-ups current and appends to the audit log in
one transaction, so a failure at any step leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from headway import core
from headway.audit import services as audit
from headway.core.tree import descendants
from headway.errors import (
    Problems,
    ValidationFailed,
    to_choice,
    to_confidence,
    to_text,
    to_value,
    to_weight,
)
from headway.okrs.choices import CycleKind, CycleState, KRResultType, ObjectiveStatus
from headway.okrs.keys import MAX_LENGTH as MAX_KEY_LENGTH
from headway.okrs.keys import unique_key
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective
from headway.okrs.progress import key_result_progress, weighted_progress
from headway.okrs.scores import recompute_objective_scores, store_rollup, weighted_mean_in_db
from headway.orgs import permissions
from headway.orgs.accessors import get_ref
from headway.orgs.models import Membership, Team

OBJECTIVE_FIELDS = [
    "title",
    "description",
    "kind",
    "status",
    "weight",
    "owner_team",
    "owner_person",
    "cycle",
    "progress",
]
KR_FIELDS = [
    "title",
    "kind",
    "unit",
    "start",
    "target",
    "current",
    "direction",
    "weight",
    "owner",
    "kpi",
    "follows_kpi",
    "result_type",
    "progress",
    "confidence",
]


# --- roll-ups ---------------------------------------------------------------------------------


def recompute_objective(objective: Objective) -> float:
    rows = objective.key_results.values_list("progress", "weight")
    progress = weighted_progress(rows) or 0.0
    if progress != objective.progress:
        Objective.objects.filter(pk=objective.pk).update(progress=progress)
        objective.progress = progress
    return progress


def recompute_rollups(cycle: Cycle, team_ids: Iterable[int | None]) -> None:
    """Team roll-ups for ``team_ids`` and the organization's, for one cycle.

    A team's progress is the weighted mean of the active objectives it owns; the organization's is
    that of every active team objective in the cycle (personal objectives stay personal).
    """
    active = Objective.objects.filter(cycle=cycle, status=ObjectiveStatus.ACTIVE)
    for team_id in sorted({t for t in team_ids if t is not None}):
        mean = weighted_mean_in_db(active.filter(owner_team_id=team_id), "progress")
        store_rollup(cycle, team_id, progress=mean)
    # Summed by the database: one row comes back, however many objectives the cycle has.
    mean = weighted_mean_in_db(active.filter(owner_team__isnull=False), "progress")
    store_rollup(cycle, None, progress=mean)


def _refresh_from_objective(objective: Objective, *extra_team_ids: int | None) -> None:
    recompute_objective(objective)
    team_ids = [objective.owner_team_id, *extra_team_ids]
    recompute_rollups(objective.cycle, team_ids)
    if objective.cycle.state == CycleState.GRADING:
        # A key result nobody graded yet scores by its progress, which has just moved.
        recompute_objective_scores(objective, team_ids)


@transaction.atomic
def refresh_objective(objective: Objective) -> None:
    """Recompute an objective from its key results' values, after edits made outside services."""
    for kr in objective.key_results.all():
        progress = key_result_progress(kr)
        if progress != kr.progress:
            KeyResult.objects.filter(pk=kr.pk).update(progress=progress)
    _refresh_from_objective(objective)


# --- stable keys ------------------------------------------------------------------------------


def _assign_key(row: Objective | KeyResult, wanted: str | None) -> None:
    """Keep ``wanted`` (or the row's key) when free among its siblings; else derive one.

    An objective's key is unique in its cycle, a key result's in its objective, so files that
    name them (``headway apply``) stay valid when other rows come and go.
    """
    siblings: QuerySet[Objective] | QuerySet[KeyResult] = (
        Objective.objects.filter(cycle_id=row.cycle_id)
        if isinstance(row, Objective)
        else KeyResult.objects.filter(objective_id=row.objective_id)
    )
    taken = set(siblings.exclude(pk=row.pk).values_list("key", flat=True))
    wanted = slugify(wanted or "")[:MAX_KEY_LENGTH]
    row.key = wanted if wanted and wanted not in taken else unique_key(row.title, taken)


# --- cycles -----------------------------------------------------------------------------------


def _ensure_admin(actor: Membership) -> None:
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may do this")


@transaction.atomic
def create_cycle(
    *,
    actor: Membership,
    name: str,
    start: dt.date,
    end: dt.date,
    kind: str = CycleKind.QUARTER,
    state: str = CycleState.PLANNING,
) -> Cycle:
    _ensure_admin(actor)
    problems = Problems()
    name = problems.check(to_text, name, "name", max_length=60) or ""
    if name and Cycle.objects.filter(organization_id=actor.organization_id, name=name).exists():
        problems.add("name", f"a cycle named {name!r} already exists")
    if end <= start:
        problems.add("end", "must be after the start")
    problems.check(to_choice, kind, "kind", CycleKind.values)
    problems.check(to_choice, state, "state", CycleState.values)
    problems.raise_any()
    cycle = Cycle.objects.create(
        organization_id=actor.organization_id,
        name=name,
        start=start,
        end=end,
        kind=kind,
        state=state,
    )
    audit.record(
        organization_id=cycle.organization_id,
        actor_id=actor.user_id,
        action="cycle.create",
        instance=cycle,
        after=audit.snapshot(cycle),
    )
    return cycle


@transaction.atomic
def update_cycle(*, actor: Membership, cycle: Cycle, **data: Any) -> Cycle:
    """Change a cycle's name, kind, dates or state (admins only).

    ``data`` holds only the fields to change: name, kind, start, end, state. A state change
    must be the one step forward (``headway.okrs.cycles.transition_cycle`` does the same with
    nothing else); going back is ``reopen_cycle``, which needs a reason.
    """
    from headway.okrs import cycles  # it builds on the scores, which build on the models

    _ensure_admin(actor)
    cycle = cycles.locked(actor, cycle)
    before = audit.snapshot(cycle)
    problems = Problems()
    if "name" in data:
        name = problems.check(to_text, data["name"], "name", max_length=60) or ""
        taken = Cycle.objects.filter(organization_id=cycle.organization_id, name=name)
        if name and taken.exclude(pk=cycle.pk).exists():
            problems.add("name", f"a cycle named {name!r} already exists")
        cycle.name = name
    if "kind" in data:
        cycle.kind = problems.check(to_choice, data["kind"], "kind", CycleKind.values) or ""
    moved = "state" in data and data["state"] != before["state"]
    if moved:
        problems.check(cycles.check_forward_move, before["state"], data["state"])
        cycle.state = data["state"]
    cycle.start = data.get("start", cycle.start)
    cycle.end = data.get("end", cycle.end)
    if cycle.end <= cycle.start:
        problems.add("end", "must be after the start")
    problems.raise_any()
    cycle.save()
    if moved:
        cycles.entered(cycle)
    audit.record(
        organization_id=cycle.organization_id,
        actor_id=actor.user_id,
        action="cycle.update",
        instance=cycle,
        before=before,
        after=audit.snapshot(cycle),
    )
    return cycle


# --- objectives -------------------------------------------------------------------------------


OBJECTIVE_KINDS = [k.value for k in core.ObjectiveKind]


def _clean_objective(actor: Membership, data: dict[str, Any]) -> dict[str, Any]:
    """Validate the objective fields given by the caller; ids resolve within the organization."""
    problems = Problems()
    clean: dict[str, Any] = {}
    if "title" in data:
        clean["title"] = problems.check(to_text, data["title"], "title", max_length=200)
    if "description" in data:
        clean["description"] = problems.check(
            to_text, data["description"], "description", max_length=10_000, required=False
        )
    if "kind" in data:
        clean["kind"] = problems.check(to_choice, data["kind"], "kind", OBJECTIVE_KINDS)
    if "status" in data:
        clean["status"] = problems.check(
            to_choice, data["status"], "status", ObjectiveStatus.values
        )
    if "weight" in data:
        clean["weight"] = problems.check(to_weight, data["weight"])
    if "cycle_id" in data:
        cycle = problems.check(get_ref, actor, Cycle, data["cycle_id"], "cycle_id")
        if data["cycle_id"] is None:
            problems.add("cycle_id", "is required")
        elif cycle is not None and cycle.state == CycleState.CLOSED:
            problems.add("cycle_id", "the cycle is closed")
        clean["cycle"] = cycle
    if "owner_team_id" in data or "owner_person_id" in data:
        team_id, person_id = data.get("owner_team_id"), data.get("owner_person_id")
        if (team_id is None) == (person_id is None):
            problems.add("owner_team_id", "give exactly one owner: a team or a person")
        clean["owner_team"] = problems.check(get_ref, actor, Team, team_id, "owner_team_id")
        clean["owner_person"] = problems.check(
            get_ref, actor, Membership, person_id, "owner_person_id"
        )
    if "parent_ids" in data:
        ids = list(dict.fromkeys(data["parent_ids"] or []))
        parents = list(Objective.objects.filter(organization_id=actor.organization_id, pk__in=ids))
        if len(parents) != len(ids):
            problems.add("parent_ids", "every parent must be an objective of this organization")
        clean["parents"] = parents
    problems.raise_any()
    return clean


def _set_parents(objective: Objective, parents: list[Objective]) -> None:
    if any(p.pk == objective.pk for p in parents):
        raise ValidationFailed({"parent_ids": "an objective cannot support itself"})
    ancestors_of = _descendant_ids(objective)
    if any(p.pk in ancestors_of for p in parents):
        raise ValidationFailed({"parent_ids": "this alignment would make a loop"})
    Alignment.objects.filter(child=objective).exclude(parent__in=parents).delete()
    existing = set(Alignment.objects.filter(child=objective).values_list("parent_id", flat=True))
    Alignment.objects.bulk_create(
        Alignment(organization_id=objective.organization_id, child=objective, parent=p)
        for p in parents
        if p.pk not in existing
    )


def _descendant_ids(objective: Objective) -> set[int]:
    """Objectives that support ``objective``, directly or not (they cannot become its parents)."""
    edges = Alignment.objects.filter(organization_id=objective.organization_id).values_list(
        "parent_id", "child_id"
    )
    return descendants(edges, [objective.pk])


@transaction.atomic
def create_objective(*, actor: Membership, **data: Any) -> Objective:
    for required in ("title", "cycle_id"):
        data.setdefault(required, None)
    if "owner_team_id" not in data and "owner_person_id" not in data:
        data["owner_person_id"] = actor.pk
    clean = _clean_objective(actor, data)
    if not permissions.can_create_objective(
        actor,
        owner_team_id=clean["owner_team"].pk if clean.get("owner_team") else None,
        owner_person_id=clean["owner_person"].pk if clean.get("owner_person") else None,
    ):
        raise PermissionDenied("you may not create objectives for this owner")
    parents = clean.pop("parents", [])
    objective = Objective(organization_id=actor.organization_id, **clean)
    _assign_key(objective, data.get("key"))
    objective.save()
    if parents:
        _set_parents(objective, parents)
    recompute_rollups(objective.cycle, [objective.owner_team_id])
    audit.record(
        organization_id=objective.organization_id,
        actor_id=actor.user_id,
        action="objective.create",
        instance=objective,
        after=audit.snapshot(objective, OBJECTIVE_FIELDS),
    )
    return objective


@transaction.atomic
def update_objective(*, actor: Membership, objective: Objective, **data: Any) -> Objective:
    if not permissions.can_edit_objective(actor, objective):
        raise PermissionDenied("you may not edit this objective")
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = audit.snapshot(objective, OBJECTIVE_FIELDS)
    old_cycle, old_team = objective.cycle, objective.owner_team_id
    clean = _clean_objective(actor, data)
    parents = clean.pop("parents", None)
    for field, value in clean.items():
        setattr(objective, field, value)
    if ("owner_team" in clean or "owner_person" in clean) and not permissions.can_edit_objective(
        actor, objective
    ):
        raise PermissionDenied("you may not hand this objective to that owner")
    if objective.cycle_id != old_cycle.pk or "key" in data:
        _assign_key(objective, data.get("key", objective.key))
    objective.save()
    if parents is not None:
        _set_parents(objective, parents)
    if objective.cycle_id != old_cycle.pk:
        recompute_rollups(old_cycle, [old_team])
    _refresh_from_objective(objective, old_team)
    audit.record(
        organization_id=objective.organization_id,
        actor_id=actor.user_id,
        action="objective.update",
        instance=objective,
        before=before,
        after=audit.snapshot(objective, OBJECTIVE_FIELDS),
    )
    return objective


@transaction.atomic
def delete_objective(*, actor: Membership, objective: Objective) -> None:
    """Delete an objective with its key results and their check-ins.

    Alignments to and from it go too; the owner's and the organization's roll-ups move without it.
    """
    if not permissions.can_edit_objective(actor, objective):
        raise PermissionDenied("you may not delete this objective")
    objective = Objective.objects.select_for_update().select_related("cycle").get(pk=objective.pk)
    # The snapshot keeps what the audit log needs to tell what was lost.
    before = {
        **audit.snapshot(objective, [*OBJECTIVE_FIELDS, "key"]),
        "key_results": objective.key_results.count(),
        "checkins": CheckIn.objects.filter(key_result__objective=objective).count(),
    }
    audit.record(
        organization_id=objective.organization_id,
        actor_id=actor.user_id,
        action="objective.delete",
        instance=objective,
        before=before,
    )
    cycle, team_id = objective.cycle, objective.owner_team_id
    objective.delete()
    recompute_rollups(cycle, [team_id])


# --- key results ------------------------------------------------------------------------------


KR_CHOICES = {
    "kind": [k.value for k in core.KRKind],
    "direction": [d.value for d in core.Direction],
    "result_type": KRResultType.values,
}


def _clean_key_result(actor: Membership, data: dict[str, Any]) -> dict[str, Any]:
    from headway.kpis.models import Kpi

    problems = Problems()
    clean: dict[str, Any] = {}
    if "title" in data:
        clean["title"] = problems.check(to_text, data["title"], "title", max_length=200)
    for field, allowed in KR_CHOICES.items():
        if field in data:
            clean[field] = problems.check(to_choice, data[field], field, allowed)
    if "unit" in data:
        clean["unit"] = problems.check(to_text, data["unit"], "unit", max_length=30, required=False)
    for field in ("start", "target"):
        if field in data:
            clean[field] = problems.check(to_value, data[field], field)
    if "weight" in data:
        clean["weight"] = problems.check(to_weight, data["weight"])
    if "owner_id" in data:
        clean["owner"] = problems.check(get_ref, actor, Membership, data["owner_id"], "owner_id")
    if "kpi_id" in data:
        clean["kpi"] = problems.check(get_ref, actor, Kpi, data["kpi_id"], "kpi_id")
    if "follows_kpi" in data:
        if isinstance(data["follows_kpi"], bool):
            clean["follows_kpi"] = data["follows_kpi"]
        else:
            problems.add("follows_kpi", "must be true or false")
    problems.raise_any()
    return clean


def _follow_if_asked(kr: KeyResult) -> None:
    """A key result that follows its KPI takes the KPI's latest value at once."""
    if not kr.follows_kpi:
        return
    if kr.kpi_id is None:
        raise ValidationFailed(
            {"follows_kpi": "a key result can follow a KPI only when it is linked to one (kpi)"}
        )
    from headway.okrs.from_kpis import sync_key_result  # it builds on these services

    sync_key_result(kr, timezone.now())


@transaction.atomic
def create_key_result(*, actor: Membership, objective: Objective, **data: Any) -> KeyResult:
    if not permissions.can_edit_objective(actor, objective):
        raise PermissionDenied("you may not add key results to this objective")
    for required in ("title", "start", "target"):
        data.setdefault(required, None)
    clean = _clean_key_result(actor, data)
    kr = KeyResult(organization_id=actor.organization_id, objective=objective, **clean)
    if kr.kind == core.KRKind.MILESTONE and "target" not in data:
        kr.start, kr.target = Decimal(0), Decimal(1)
    kr.position = objective.key_results.count()
    kr.progress = key_result_progress(kr)
    _assign_key(kr, data.get("key"))
    kr.save()
    _follow_if_asked(kr)
    _refresh_from_objective(objective)
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
        action="key_result.create",
        instance=kr,
        after=audit.snapshot(kr, KR_FIELDS),
    )
    return kr


@transaction.atomic
def update_key_result(*, actor: Membership, key_result: KeyResult, **data: Any) -> KeyResult:
    if not permissions.can_check_in(actor, key_result):
        raise PermissionDenied("you may not edit this key result")
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    before = audit.snapshot(kr, KR_FIELDS)
    for field, value in _clean_key_result(actor, data).items():
        setattr(kr, field, value)
    kr.progress = key_result_progress(kr)
    kr.save()
    _follow_if_asked(kr)
    _refresh_from_objective(kr.objective)
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
        action="key_result.update",
        instance=kr,
        before=before,
        after=audit.snapshot(kr, KR_FIELDS),
    )
    return kr


# --- check-ins --------------------------------------------------------------------------------


@transaction.atomic
def record_checkin(
    *,
    actor: Membership,
    key_result: KeyResult,
    value: Any,
    confidence: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> CheckIn:
    """Record a check-in and move the key result, objective, team and organization with it."""
    if not permissions.can_check_in(actor, key_result):
        raise PermissionDenied("you may not check in on this key result")
    problems = Problems()
    clean_value = problems.check(to_value, value, "value")
    clean_confidence = problems.check(to_confidence, confidence)
    clean_note = problems.check(to_text, note, "note", max_length=5000, required=False)
    problems.raise_any()
    assert clean_value is not None and clean_confidence is not None
    # Lock the key result so concurrent check-ins apply one after the other.
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    at = at or timezone.now()
    return store_checkin(
        kr,
        value=clean_value,
        confidence=clean_confidence,
        note=clean_note or "",
        author=actor,
        at=at,
        # A back-dated check-in is history; the key result shows the newest one.
        takes_value=kr.last_checkin_at is None or at >= kr.last_checkin_at,
    )


def store_checkin(
    kr: KeyResult,
    *,
    value: Decimal,
    confidence: int,
    note: str,
    author: Membership | None,
    at: dt.datetime,
    takes_value: bool,
    kpi_period: dt.date | None = None,
) -> CheckIn:
    """Write a checked check-in; with ``takes_value`` the key result shows it, and the
    objective, its team and the organization move with it. Audited, in the caller's transaction.

    ``kpi_period`` marks a check-in that a followed KPI's value made (no author). A closed
    cycle takes none: its values are what was graded.
    """
    if kr.objective.cycle.state == CycleState.CLOSED:
        raise ValidationFailed({"cycle": "the cycle is closed: no more check-ins"})
    before = audit.snapshot(kr, ["current", "progress", "confidence"])
    checkin = CheckIn.objects.create(
        organization_id=kr.organization_id,
        key_result=kr,
        value=value,
        confidence=confidence,
        note=note,
        author=author,
        kpi_period=kpi_period,
        created_at=at,
    )
    if takes_value:
        kr.current = value
        kr.confidence = confidence
        kr.last_checkin_at = at
        kr.progress = key_result_progress(kr)
        kr.save(
            update_fields=["current", "confidence", "last_checkin_at", "progress", "updated_at"]
        )
    _refresh_from_objective(kr.objective)
    audit.record(
        organization_id=kr.organization_id,
        actor_id=author.user_id if author is not None else None,
        action="checkin.create",
        instance=checkin,
        before=before,
        after={
            **audit.snapshot(kr, ["current", "progress", "confidence"]),
            "checkin": audit.snapshot(checkin),
        },
        at=at,
    )
    return checkin


@transaction.atomic
def move_key_result(*, actor: Membership, key_result: KeyResult, objective: Objective) -> KeyResult:
    """Move a key result to another objective, possibly in another cycle, with its check-ins.

    Both objectives and the roll-ups of both cycles are recomputed: the source loses the key
    result's progress, the target gains it.
    """
    source = key_result.objective
    if not (
        permissions.can_edit_objective(actor, source)
        and permissions.can_edit_objective(actor, objective)
    ):
        raise PermissionDenied("you may not move key results between these objectives")
    if objective.organization_id != actor.organization_id:
        raise ValidationFailed({"objective_id": "no such objective in this organization"})
    if objective.pk == source.pk:
        raise ValidationFailed({"objective_id": "the key result is already there"})
    if objective.cycle.state == CycleState.CLOSED:
        raise ValidationFailed({"objective_id": "that objective's cycle is closed"})
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    source = kr.objective
    before = audit.snapshot(kr, ["objective", "position"])
    kr.objective = objective
    kr.position = objective.key_results.count()
    _assign_key(kr, kr.key)
    kr.save(update_fields=["objective", "key", "position", "updated_at"])
    recompute_objective(source)
    recompute_objective(objective)
    if source.cycle_id != objective.cycle_id:
        recompute_rollups(source.cycle, [source.owner_team_id])
        recompute_rollups(objective.cycle, [objective.owner_team_id])
    else:
        recompute_rollups(objective.cycle, [source.owner_team_id, objective.owner_team_id])
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
        action="key_result.move",
        instance=kr,
        before=before,
        after=audit.snapshot(kr, ["objective", "position"]),
    )
    return kr


@transaction.atomic
def delete_key_result(*, actor: Membership, key_result: KeyResult) -> None:
    """Delete a key result and its check-ins; its objective and roll-ups move without it."""
    if not permissions.can_edit_objective(actor, key_result.objective):
        raise PermissionDenied("you may not delete key results of this objective")
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    # The snapshot keeps what the audit log needs to tell what was lost.
    before = {
        **audit.snapshot(kr, [*KR_FIELDS, "objective"]),
        "checkins": kr.checkins.count(),
    }
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
        action="key_result.delete",
        instance=kr,
        before=before,
    )
    objective = kr.objective
    kr.delete()
    _refresh_from_objective(objective)


@transaction.atomic
def create_objective_with_key_results(
    *, actor: Membership, key_results: list[dict[str, Any]], **data: Any
) -> Objective:
    """An objective and its first key results in one go: all of it is written, or none.

    Problems are reported all at once; a key result's field is named ``key_results.<i>.<field>``.
    """
    errors: dict[str, str] = {}
    try:
        _clean_objective(actor, {"title": None, "cycle_id": None, **data})
    except ValidationFailed as exc:
        errors.update(exc.errors)
    for i, kr_data in enumerate(key_results):
        try:
            _clean_key_result(actor, {"title": None, "start": None, "target": None, **kr_data})
        except ValidationFailed as exc:
            errors.update({f"key_results.{i}.{k}": v for k, v in exc.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    objective = create_objective(actor=actor, **data)
    for kr_data in key_results:
        create_key_result(actor=actor, objective=objective, **kr_data)
    return objective
