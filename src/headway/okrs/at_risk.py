"""Reads for the rhythm of a cycle: what is falling behind its pace, and which check-ins are late.

Each read runs in a fixed number of queries, whatever the number of objectives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from headway import core
from headway.core.tree import descendants
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.okrs.progress import (
    cycle_bounds,
    expected_progress,
    key_result_forecast,
    latest_confidence,
    objective_forecast,
    pace,
)
from headway.okrs.selectors import TeamNode, team_tree
from headway.orgs.models import Membership, Team, TeamMember

# A key result nobody has checked in for this long is overdue: check-ins are weekly.
OVERDUE_AFTER = dt.timedelta(days=7)
BEHIND = frozenset({core.PaceStatus.AT_RISK, core.PaceStatus.OFF_TRACK})


# --- overdue check-ins ---------------------------------------------------------------------------


def is_overdue(kr: KeyResult, cycle: Cycle, now: dt.datetime) -> bool:
    """No check-in for a week in an active cycle. A key result following a KPI never is: the
    KPI's measurements move it."""
    if kr.follows_kpi or cycle.state != CycleState.ACTIVE:
        return False
    cutoff = now - OVERDUE_AFTER
    if kr.last_checkin_at is not None:
        return kr.last_checkin_at < cutoff
    return cycle_bounds(cycle)[0] < cutoff


def _started_before(cutoff: dt.datetime) -> Q:
    """Cycles whose first moment (local midnight of the first day) is before ``cutoff``."""
    local = timezone.localtime(cutoff)
    day = local.date()
    if local.time() == dt.time.min:
        return Q(objective__cycle__start__lt=day)
    return Q(objective__cycle__start__lte=day)


def awaiting_checkins() -> QuerySet[KeyResult]:
    """Key results people check in: those of active objectives in active cycles, less the ones
    following a KPI (its measurements move them, nobody checks them in)."""
    return KeyResult.objects.filter(
        follows_kpi=False,
        objective__status=ObjectiveStatus.ACTIVE,
        objective__cycle__state=CycleState.ACTIVE,
    )


def overdue_key_results(
    org_id: int, now: dt.datetime, *, owner_id: int | None = None
) -> QuerySet[KeyResult]:
    """Overdue key results of the active objectives of active cycles, oldest check-in first
    (never checked in before all), with their objective and cycle."""
    cutoff = now - OVERDUE_AFTER
    queryset = (
        awaiting_checkins()
        .filter(organization_id=org_id)
        .filter(
            Q(last_checkin_at__lt=cutoff)
            | (Q(last_checkin_at__isnull=True) & _started_before(cutoff))
        )
        .select_related("objective__cycle", "owner__user")
        .order_by(F("last_checkin_at").asc(nulls_first=True), "id")
    )
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    return queryset


# --- forecasts ---------------------------------------------------------------------------------


def checkins_by_key_result(key_result_ids: Iterable[int]) -> dict[int, list[CheckIn]]:
    """The check-ins of these key results (what a forecast needs), in one query."""
    ids = list(key_result_ids)
    found: dict[int, list[CheckIn]] = {}
    if not ids:
        return found
    rows = (
        CheckIn.objects.filter(key_result_id__in=ids)
        .only("id", "key_result_id", "created_at", "value")
        .order_by("key_result_id", "created_at", "id")
    )
    for checkin in rows:
        found.setdefault(checkin.key_result_id, []).append(checkin)
    return found


# --- the at-risk list --------------------------------------------------------------------------


@dataclass
class KeyResultEntry:
    kr: KeyResult
    pace: core.PaceStatus
    forecast: core.Forecast | None

    @property
    def confidence(self) -> int | None:
        return self.kr.confidence


@dataclass
class ObjectiveEntry:
    objective: Objective
    pace: core.PaceStatus
    forecast: float | None
    confidence: int | None
    # Listed for its own pace, not only for one of its key results.
    behind: bool
    key_results: list[KeyResultEntry]


@dataclass
class Group:
    """A team's objectives, or one person's personal objectives."""

    team: Team | None
    person: Membership | None
    objectives: list[ObjectiveEntry] = field(default_factory=list)

    @property
    def name(self) -> str:
        if self.team is not None:
            return self.team.name
        assert self.person is not None
        return self.person.display_name


@dataclass
class AtRisk:
    cycle: Cycle
    expected: float
    groups: list[Group]
    tree: list[TeamNode]
    team_id: int | None

    @property
    def objective_count(self) -> int:
        return sum(len(g.objectives) for g in self.groups)

    @property
    def key_result_count(self) -> int:
        return sum(len(o.key_results) for g in self.groups for o in g.objectives)


def at_risk(
    org_id: int,
    cycle: Cycle,
    now: dt.datetime,
    *,
    team_id: int | None = None,
    tree: list[TeamNode] | None = None,
) -> AtRisk:
    """The cycle's active objectives and key results whose pace is at risk or off track, by
    team in tree order, then personal objectives by person. ``team_id`` keeps that team, the
    teams below it and their people's personal objectives. ``cycle`` should hold its
    organization (the pace cut-offs)."""
    tree = team_tree(org_id) if tree is None else tree
    queryset = (
        Objective.objects.filter(organization_id=org_id, cycle=cycle, status=ObjectiveStatus.ACTIVE)
        .select_related("owner_team", "owner_person__user")
        .prefetch_related(
            Prefetch(
                "key_results",
                queryset=KeyResult.objects.select_related("owner__user").order_by("position", "id"),
            )
        )
        .order_by("position", "id")
    )
    if team_id is not None:
        edges = [(n.team.parent_id, n.team.pk) for n in tree if n.team.parent_id is not None]
        scope = {team_id} | descendants(edges, [team_id])
        members = TeamMember.objects.filter(team_id__in=scope).values("membership_id")
        queryset = queryset.filter(Q(owner_team_id__in=scope) | Q(owner_person_id__in=members))
    objectives = list(queryset)
    checkins = checkins_by_key_result(kr.pk for o in objectives for kr in o.key_results.all())

    by_team: dict[int, Group] = {}
    by_person: dict[int, Group] = {}
    for objective in objectives:
        # One cycle object for all: it holds the organization, and so the pace cut-offs.
        objective.cycle = cycle
        entry = _entry(objective, cycle, checkins, now)
        if entry is None:
            continue
        if objective.owner_team_id is not None:
            group = by_team.setdefault(objective.owner_team_id, Group(objective.owner_team, None))
        else:
            assert objective.owner_person_id is not None
            group = by_person.setdefault(
                objective.owner_person_id, Group(None, objective.owner_person)
            )
        group.objectives.append(entry)
    groups = [by_team[n.team.pk] for n in tree if n.team.pk in by_team]
    groups += sorted(by_person.values(), key=lambda g: (g.name.lower(), g.person.pk))  # type: ignore[union-attr]
    return AtRisk(
        cycle=cycle,
        expected=expected_progress(cycle, now),
        groups=groups,
        tree=tree,
        team_id=team_id,
    )


def _entry(
    objective: Objective, cycle: Cycle, checkins: dict[int, list[CheckIn]], now: dt.datetime
) -> ObjectiveEntry | None:
    krs = list(objective.key_results.all())
    forecasts = [(kr, key_result_forecast(kr, checkins.get(kr.pk, ()), cycle, now)) for kr in krs]
    behind_krs = [
        KeyResultEntry(kr, status, forecast)
        for kr, forecast in forecasts
        if (status := pace(kr.progress, cycle, now)) in BEHIND
    ]
    status = pace(objective.progress, cycle, now)
    if status not in BEHIND and not behind_krs:
        return None
    return ObjectiveEntry(
        objective=objective,
        pace=status,
        forecast=objective_forecast(forecasts),
        confidence=latest_confidence(krs),
        behind=status in BEHIND,
        key_results=behind_krs,
    )
