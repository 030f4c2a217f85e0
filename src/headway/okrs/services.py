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
from django.utils import timezone

from headway import core
from headway.audit import services as audit
from headway.core.tree import descendants
from headway.errors import ValidationFailed, to_confidence, to_value, to_weight
from headway.okrs.choices import CycleKind, CycleState, KRResultType, ObjectiveStatus
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import key_result_progress, weighted_progress
from headway.orgs import permissions
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
    for team_id in {t for t in team_ids if t is not None}:
        rows = active.filter(owner_team_id=team_id).values_list("progress", "weight")
        Rollup.objects.update_or_create(
            organization_id=cycle.organization_id,
            cycle=cycle,
            team_id=team_id,
            defaults={"progress": weighted_progress(rows)},
        )
    rows = active.filter(owner_team__isnull=False).values_list("progress", "weight")
    Rollup.objects.update_or_create(
        organization_id=cycle.organization_id,
        cycle=cycle,
        team=None,
        defaults={"progress": weighted_progress(rows)},
    )


def _refresh_from_objective(objective: Objective, *extra_team_ids: int | None) -> None:
    recompute_objective(objective)
    recompute_rollups(objective.cycle, [objective.owner_team_id, *extra_team_ids])


@transaction.atomic
def refresh_objective(objective: Objective) -> None:
    """Recompute an objective from its key results' values, after edits made outside services."""
    for kr in objective.key_results.all():
        progress = key_result_progress(kr)
        if progress != kr.progress:
            KeyResult.objects.filter(pk=kr.pk).update(progress=progress)
    _refresh_from_objective(objective)


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
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "is required"
    elif Cycle.objects.filter(organization_id=actor.organization_id, name=name).exists():
        errors["name"] = f"a cycle named {name!r} already exists"
    if end <= start:
        errors["end"] = "must be after the start"
    if kind not in CycleKind.values:
        errors["kind"] = f"must be one of {', '.join(CycleKind.values)}"
    if state not in CycleState.values:
        errors["state"] = f"must be one of {', '.join(CycleState.values)}"
    if errors:
        raise ValidationFailed(errors)
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


# --- objectives -------------------------------------------------------------------------------


def _clean_objective(actor: Membership, data: dict[str, Any]) -> dict[str, Any]:
    """Validate objective fields given by the caller; resolves ids within the organization."""
    org_id = actor.organization_id
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            errors["title"] = "is required"
        elif len(title) > 200:
            errors["title"] = "must be at most 200 characters"
        clean["title"] = title
    if "description" in data:
        clean["description"] = data["description"] or ""
    if "kind" in data:
        if data["kind"] not in [k.value for k in core.ObjectiveKind]:
            errors["kind"] = "must be committed or aspirational"
        clean["kind"] = data["kind"]
    if "status" in data:
        if data["status"] not in ObjectiveStatus.values:
            errors["status"] = f"must be one of {', '.join(ObjectiveStatus.values)}"
        clean["status"] = data["status"]
    if "weight" in data:
        try:
            clean["weight"] = to_weight(data["weight"])
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if "cycle_id" in data:
        cycle = Cycle.objects.filter(organization_id=org_id, pk=data["cycle_id"]).first()
        if cycle is None:
            errors["cycle_id"] = "no such cycle in this organization"
        elif cycle.state == CycleState.CLOSED:
            errors["cycle_id"] = "the cycle is closed"
        clean["cycle"] = cycle
    if "owner_team_id" in data or "owner_person_id" in data:
        team_id, person_id = data.get("owner_team_id"), data.get("owner_person_id")
        if (team_id is None) == (person_id is None):
            errors["owner_team_id"] = "give exactly one owner: a team or a person"
        elif team_id is not None:
            team = Team.objects.filter(organization_id=org_id, pk=team_id).first()
            if team is None:
                errors["owner_team_id"] = "no such team in this organization"
            clean["owner_team"], clean["owner_person"] = team, None
        else:
            assert person_id is not None
            person = Membership.objects.filter(organization_id=org_id, pk=person_id).first()
            if person is None:
                errors["owner_person_id"] = "no such person in this organization"
            clean["owner_team"], clean["owner_person"] = None, person
    if "parent_ids" in data:
        ids = list(dict.fromkeys(data["parent_ids"] or []))
        parents = list(Objective.objects.filter(organization_id=org_id, pk__in=ids))
        if len(parents) != len(ids):
            errors["parent_ids"] = "every parent must be an objective of this organization"
        clean["parents"] = parents
    if errors:
        raise ValidationFailed(errors)
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
    objective = Objective.objects.create(organization_id=actor.organization_id, **clean)
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


# --- key results ------------------------------------------------------------------------------


def _clean_key_result(actor: Membership, data: dict[str, Any]) -> dict[str, Any]:
    from headway.kpis.models import Kpi

    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "title" in data:
        title = (data["title"] or "").strip()
        if not title:
            errors["title"] = "is required"
        elif len(title) > 200:
            errors["title"] = "must be at most 200 characters"
        clean["title"] = title
    choices = {
        "kind": [k.value for k in core.KRKind],
        "direction": [d.value for d in core.Direction],
        "result_type": KRResultType.values,
    }
    for field, allowed in choices.items():
        if field in data:
            if data[field] not in allowed:
                errors[field] = f"must be one of {', '.join(allowed)}"
            clean[field] = data[field]
    if "unit" in data:
        clean["unit"] = (data["unit"] or "")[:30]
    for field in ("start", "target"):
        if field in data:
            try:
                clean[field] = to_value(data[field], field)
            except ValidationFailed as exc:
                errors.update(exc.errors)
    if "weight" in data:
        try:
            clean["weight"] = to_weight(data["weight"])
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if "owner_id" in data:
        owner = None
        if data["owner_id"] is not None:
            owner = Membership.objects.filter(
                organization_id=actor.organization_id, pk=data["owner_id"]
            ).first()
            if owner is None:
                errors["owner_id"] = "no such person in this organization"
        clean["owner"] = owner
    if "kpi_id" in data:
        kpi = None
        if data["kpi_id"] is not None:
            kpi = Kpi.objects.filter(
                organization_id=actor.organization_id, pk=data["kpi_id"]
            ).first()
            if kpi is None:
                errors["kpi_id"] = "no such KPI in this organization"
        clean["kpi"] = kpi
    if errors:
        raise ValidationFailed(errors)
    return clean


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
    kr.save()
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
    errors: dict[str, str] = {}
    clean_value = clean_confidence = None
    try:
        clean_value = to_value(value, "value")
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        clean_confidence = to_confidence(confidence)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if len(note or "") > 5000:
        errors["note"] = "must be at most 5000 characters"
    if errors:
        raise ValidationFailed(errors)
    assert clean_value is not None and clean_confidence is not None
    # Lock the key result so concurrent check-ins apply one after the other.
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    if kr.objective.cycle.state == CycleState.CLOSED:
        raise ValidationFailed({"key_result": "the cycle is closed: no more check-ins"})
    at = at or timezone.now()
    before = audit.snapshot(kr, ["current", "progress", "confidence"])
    checkin = CheckIn.objects.create(
        organization_id=kr.organization_id,
        key_result=kr,
        value=clean_value,
        confidence=clean_confidence,
        note=note or "",
        author=actor,
        created_at=at,
    )
    # A back-dated check-in is history; the key result shows the newest one.
    if kr.last_checkin_at is None or at >= kr.last_checkin_at:
        kr.current = clean_value
        kr.confidence = clean_confidence
        kr.last_checkin_at = at
        kr.progress = key_result_progress(kr)
        kr.save(
            update_fields=["current", "confidence", "last_checkin_at", "progress", "updated_at"]
        )
    _refresh_from_objective(kr.objective)
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
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
