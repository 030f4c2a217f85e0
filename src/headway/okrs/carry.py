"""The end of a cycle: retrospective notes, carrying unfinished objectives over, duplicating.

A copy keeps every field of its origin except those that cannot or must not be the same:

- ``id``, ``created_at``, ``updated_at``: new, as for any new row;
- ``cycle``: the target cycle; ``position``: the end of the target cycle's list;
- ``key``: the origin's key when it is free in the target cycle, else one derived from the title
  (a duplicate in the same cycle becomes "grow-revenue-2");
- ``status``: active, since the copy is work to do;
- ``origin`` / ``origin_kind``: the original and "carried_over" or "duplicated";
- ``score``, ``retro_worked``, ``retro_change``: empty. They judge the origin's cycle, and the
  history stays with the origin.
- ``progress``: recomputed from the copied key results, so it equals the origin's.

Key results keep every field (values, confidence and progress included, so the copy starts where
the origin stopped) except ``id``, ``objective``, the timestamps, ``last_checkin_at`` (the copy
has no check-ins yet) and the grade (``score``, ``score_reason``, ``graded_at``, ``graded_by``).
Their keys stay, being unique within the new objective as they were within the origin.

Alignment parents come along when they live in the target cycle or in a year cycle covering it;
a parent in another quarter would align the copy to the past.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from headway.audit import services as audit
from headway.errors import NotFound, Problems, ValidationFailed, to_text
from headway.okrs.choices import CycleKind, CycleState, ObjectiveStatus, OriginKind
from headway.okrs.keys import unique_key
from headway.okrs.models import Alignment, Cycle, KeyResult, Objective
from headway.okrs.scores import recompute_scores
from headway.okrs.services import (
    OBJECTIVE_FIELDS,
    _assign_key,
    recompute_objective,
    recompute_rollups,
)
from headway.orgs import permissions
from headway.orgs.models import Membership

RETRO_MAX_LENGTH = 5000
RETRO_FIELDS = ["retro_worked", "retro_change"]
COPY_AUDIT_FIELDS = [*OBJECTIVE_FIELDS, "key", "origin", "origin_kind", "position"]

# Fields of a copy that are set rather than taken from the origin (see the module docstring).
OBJECTIVE_NOT_COPIED = frozenset(
    {
        "id",
        "cycle",
        "key",
        "status",
        "position",
        "origin",
        "origin_kind",
        "score",
        "retro_worked",
        "retro_change",
        "created_at",
        "updated_at",
    }
)
KEY_RESULT_NOT_COPIED = frozenset(
    {
        "id",
        "objective",
        "last_checkin_at",
        "score",
        "score_reason",
        "graded_at",
        "graded_by",
        "created_at",
        "updated_at",
    }
)


# --- retrospective ----------------------------------------------------------------------------


@transaction.atomic
def save_retrospective(
    *, actor: Membership, objective: Objective, worked: Any, change: Any
) -> Objective:
    """Store what worked and what to change; whoever may edit the objective may write them."""
    if not permissions.can_edit_objective(actor, objective):
        raise PermissionDenied("you may not write this objective's retrospective")
    problems = Problems()
    clean_worked = problems.check(
        to_text, worked, "worked", max_length=RETRO_MAX_LENGTH, required=False
    )
    clean_change = problems.check(
        to_text, change, "change", max_length=RETRO_MAX_LENGTH, required=False
    )
    problems.raise_any()
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    before = audit.snapshot(objective, RETRO_FIELDS)
    objective.retro_worked = clean_worked or ""
    objective.retro_change = clean_change or ""
    objective.save(update_fields=[*RETRO_FIELDS, "updated_at"])
    audit.record(
        organization_id=objective.organization_id,
        actor_id=actor.user_id,
        action="objective.retrospective",
        instance=objective,
        before=before,
        after=audit.snapshot(objective, RETRO_FIELDS),
    )
    return objective


# --- where a copy may go ----------------------------------------------------------------------


def next_quarter(objective: Objective) -> Cycle | None:
    """The first quarter starting after the objective's cycle starts, whatever its state."""
    return (
        Cycle.objects.filter(
            organization_id=objective.organization_id,
            kind=CycleKind.QUARTER,
            start__gt=objective.cycle.start,
        )
        .order_by("start", "name")
        .first()
    )


def open_cycles(org_id: int) -> QuerySet[Cycle]:
    return (
        Cycle.objects.filter(organization_id=org_id)
        .exclude(state=CycleState.CLOSED)
        .order_by("start", "name")
    )


def carry_over_targets(cycles: list[Cycle], objective: Objective) -> list[Cycle]:
    """Of the organization's open ``cycles``, those an objective may be carried over to."""
    return [c for c in cycles if c.start > objective.cycle.start]


def duplicate_targets(cycles: list[Cycle], objective: Objective) -> list[Cycle]:
    """Of the open ``cycles``, those a duplicate may go to: its own cycle first."""
    return sorted(cycles, key=lambda c: c.pk != objective.cycle_id)


def _target_cycle(actor: Membership, cycle: Cycle) -> Cycle:
    if cycle.organization_id != actor.organization_id:
        raise NotFound("cycle", cycle.pk)
    if cycle.state == CycleState.CLOSED:
        raise ValidationFailed({"cycle_id": f"{cycle.name} is closed"})
    return cycle


# --- copies -----------------------------------------------------------------------------------


@transaction.atomic
def carry_over(*, actor: Membership, objective: Objective, cycle: Cycle | None = None) -> Objective:
    """Copy an unfinished objective into a later cycle (by default the next quarter).

    The origin keeps its check-ins, scores and notes and is not changed.
    """
    objective = _origin(actor, objective)
    if objective.progress >= 1:
        raise ValidationFailed(
            {"objective": "this objective is finished (100%): there is nothing to carry over"}
        )
    if cycle is None:
        cycle = next_quarter(objective)
        if cycle is None:
            raise ValidationFailed(
                {"cycle_id": f"no quarter starts after {objective.cycle.name}: create it first"}
            )
    cycle = _target_cycle(actor, cycle)
    if cycle.start <= objective.cycle.start:
        raise ValidationFailed(
            {"cycle_id": f"choose a cycle that starts after {objective.cycle.name}"}
        )
    earlier = objective.copies.filter(cycle=cycle, origin_kind=OriginKind.CARRIED_OVER).first()
    if earlier is not None:
        raise ValidationFailed(
            {"objective": f"already carried over to {cycle.name}: “{earlier.title}”"}
        )
    return _copy(actor, objective, cycle, OriginKind.CARRIED_OVER)


@transaction.atomic
def duplicate_objective(
    *, actor: Membership, objective: Objective, cycle: Cycle | None = None
) -> Objective:
    """Copy any objective, finished or not, into ``cycle`` (by default its own)."""
    objective = _origin(actor, objective)
    cycle = _target_cycle(actor, cycle or objective.cycle)
    return _copy(actor, objective, cycle, OriginKind.DUPLICATED)


def _origin(actor: Membership, objective: Objective) -> Objective:
    """The objective as stored now, once the actor may copy it."""
    found = (
        Objective.objects.select_related("cycle")
        .filter(pk=objective.pk, organization_id=actor.organization_id)
        .first()
    )
    if found is None:
        raise NotFound("objective", objective.pk)
    # The copy has the origin's owner, so whoever may edit the origin may create the copy.
    if not permissions.can_edit_objective(actor, found):
        raise PermissionDenied("you may not copy this objective")
    return found


def _copy(actor: Membership, origin: Objective, cycle: Cycle, kind: str) -> Objective:
    copy = Objective(
        **{
            f.attname: getattr(origin, f.attname)
            for f in Objective._meta.concrete_fields
            if f.name not in OBJECTIVE_NOT_COPIED
        },
        cycle=cycle,
        status=ObjectiveStatus.ACTIVE,
        origin=origin,
        origin_kind=kind,
    )
    last = Objective.objects.filter(cycle=cycle).aggregate(last=Max("position"))["last"]
    copy.position = 0 if last is None else last + 1
    _assign_key(copy, origin.key)
    copy.save()
    copied = _copy_key_results(origin, copy)
    _copy_parents(origin, copy)
    recompute_objective(copy)
    recompute_rollups(cycle, [copy.owner_team_id])
    if cycle.state == CycleState.GRADING:
        recompute_scores(cycle)
    audit.record(
        organization_id=copy.organization_id,
        actor_id=actor.user_id,
        action=f"objective.{'carry_over' if kind == OriginKind.CARRIED_OVER else 'duplicate'}",
        instance=copy,
        after={
            **audit.snapshot(copy, COPY_AUDIT_FIELDS),
            "key_results": copied,
        },
    )
    return copy


def _copy_key_results(origin: Objective, copy: Objective) -> int:
    """One query to read and one to write, however many key results there are."""
    taken: set[str] = set()
    rows = []
    for kr in origin.key_results.order_by("position", "id"):
        row = KeyResult(
            **{
                f.attname: getattr(kr, f.attname)
                for f in KeyResult._meta.concrete_fields
                if f.name not in KEY_RESULT_NOT_COPIED
            },
            objective=copy,
        )
        # Keys were unique within the origin; a blank one (a row made outside the services)
        # gets one now, as the services would have given it.
        row.key = row.key if row.key and row.key not in taken else unique_key(row.title, taken)
        taken.add(row.key)
        rows.append(row)
    KeyResult.objects.bulk_create(rows)
    return len(rows)


def _copy_parents(origin: Objective, copy: Objective) -> None:
    cycle = copy.cycle
    covering_year = Q(
        parent__cycle__kind=CycleKind.YEAR,
        parent__cycle__start__lte=cycle.start,
        parent__cycle__end__gte=cycle.end,
    )
    parent_ids = Alignment.objects.filter(child=origin).filter(
        Q(parent__cycle=cycle) | covering_year
    )
    Alignment.objects.bulk_create(
        Alignment(organization_id=copy.organization_id, child=copy, parent_id=parent_id)
        for parent_id in parent_ids.values_list("parent_id", flat=True)
    )
