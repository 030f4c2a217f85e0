"""Reads for OKR pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from headway.core.tree import descendants
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.orgs.models import Organization, Team


def cycles(org_id: int) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization_id=org_id).order_by("-start", "name")


def current_cycle(org_id: int, today: dt.date) -> Cycle | None:
    """The quarter containing ``today``, else the newest one that has started."""
    base = Cycle.objects.filter(organization_id=org_id).exclude(kind="year")
    return (
        base.filter(start__lte=today, end__gte=today).order_by("-start").first()
        or base.filter(start__lte=today).order_by("-start").first()
        or base.order_by("start").first()
    )


def objectives(
    org_id: int,
    *,
    cycle_id: int | None = None,
    team_id: int | None = None,
    owner_person_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Objective]:
    queryset = (
        Objective.objects.filter(organization_id=org_id)
        .select_related("cycle", "owner_team", "owner_person__user")
        .prefetch_related(
            Prefetch("parent_links", queryset=Alignment.objects.order_by("parent_id")),
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id")),
        )
        .order_by("cycle__start", "position", "id")
    )
    if cycle_id is not None:
        queryset = queryset.filter(cycle_id=cycle_id)
    if team_id is not None:
        queryset = queryset.filter(owner_team_id=team_id)
    if owner_person_id is not None:
        queryset = queryset.filter(owner_person_id=owner_person_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def key_results(org_id: int, *, objective_id: int | None = None) -> QuerySet[KeyResult]:
    queryset = (
        KeyResult.objects.filter(organization_id=org_id)
        .select_related("objective__cycle")
        .order_by("objective_id", "position", "id")
    )
    if objective_id is not None:
        queryset = queryset.filter(objective_id=objective_id)
    return queryset


def checkins(org_id: int, *, key_result_id: int | None = None) -> QuerySet[CheckIn]:
    queryset = CheckIn.objects.filter(organization_id=org_id).order_by("-created_at", "-id")
    if key_result_id is not None:
        queryset = queryset.filter(key_result_id=key_result_id)
    return queryset


@dataclass
class HomeData:
    cycle: Cycle | None
    organization_progress: float | None
    my_key_results: list[KeyResult] = field(default_factory=list)
    team_objectives: list[Objective] = field(default_factory=list)
    team_progress: dict[int, float | None] = field(default_factory=dict)


def home(
    organization: Organization, membership_id: int, now: dt.datetime | None = None
) -> HomeData:
    """What the home page shows: the cycle's score, my key results, my teams' objectives."""
    now = now or timezone.now()
    cycle = current_cycle(organization.pk, timezone.localdate(now))
    if cycle is None:
        return HomeData(cycle=None, organization_progress=None)
    rollups = {r.team_id: r.progress for r in Rollup.objects.filter(cycle=cycle)}
    mine = list(
        KeyResult.objects.filter(
            organization_id=organization.pk,
            objective__cycle=cycle,
            owner_id=membership_id,
            objective__status=ObjectiveStatus.ACTIVE,
        )
        .select_related("objective")
        .order_by("last_checkin_at", "id")
    )
    team_ids = _with_descendants(
        organization.pk,
        set(
            organization.teams.filter(memberships__membership_id=membership_id).values_list(
                "id", flat=True
            )
        ),
    )
    shown = objectives(organization.pk, cycle_id=cycle.pk, status=ObjectiveStatus.ACTIVE)
    objectives_shown = list(
        shown.filter(owner_team_id__in=team_ids)
        if team_ids
        else shown.filter(owner_team__parent__isnull=True)
    )
    return HomeData(
        cycle=cycle,
        organization_progress=rollups.get(None),
        my_key_results=mine,
        team_objectives=objectives_shown,
        team_progress={k: v for k, v in rollups.items() if k is not None},
    )


def _with_descendants(org_id: int, team_ids: set[int]) -> set[int]:
    """The teams and every team below them: a department's people see its teams' objectives."""
    edges = Team.objects.filter(organization_id=org_id, parent__isnull=False).values_list(
        "parent_id", "id"
    )
    return team_ids | descendants(edges, team_ids)


def cycle_is_open(cycle: Cycle) -> bool:
    return cycle.state != CycleState.CLOSED
