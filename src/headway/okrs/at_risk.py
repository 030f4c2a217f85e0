"""Reads for the rhythm of a cycle: what is falling behind its pace, and which check-ins are late.

Each read runs in a fixed number of queries, whatever the number of objectives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from headway import core
from headway.core.pace import PACE_SLACK
from headway.core.tree import descendants
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.okrs.progress import (
    Reading,
    cycle_bounds,
    cycle_thresholds,
    expected_progress,
    key_result_forecast,
    latest_confidence,
    objective_forecast,
    pace,
)
from headway.okrs.selectors import TeamNode, team_tree
from headway.orgs.models import Membership, Team, TeamMember, User

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


def checkins_by_key_result(key_result_ids: Iterable[int]) -> dict[int, list[Reading]]:
    """The check-ins of these key results (what a forecast needs), in one query, as plain
    tuples: half the time of model instances (10,800 check-ins at size: 71-79 ms against
    141-149)."""
    ids = list(key_result_ids)
    found: dict[int, list[Reading]] = {}
    if not ids:
        return found
    rows = (
        CheckIn.objects.filter(key_result_id__in=ids)
        .order_by("key_result_id", "created_at", "id")
        .values_list("key_result_id", "created_at", "value")
    )
    for key_result_id, created_at, value in rows:
        readings = found.get(key_result_id)
        if readings is None:
            readings = found[key_result_id] = []
        readings.append(Reading(created_at, value))
    return found


# --- the at-risk list --------------------------------------------------------------------------


@dataclass
class ListedObjective:
    """An objective behind its pace as the list reads it for a page: plain values."""

    pk: int
    title: str
    progress: float
    owner_name: str


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
    objective: Objective | ListedObjective
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
        queryset = queryset.filter(_in_team(team_id, tree))
    objectives = list(queryset)
    checkins = checkins_by_key_result(kr.pk for o in objectives for kr in o.key_results.all())

    by_team: dict[int, Group] = {}
    by_person: dict[int, Group] = {}
    for objective in objectives:
        # One cycle object for all: it holds the organization, and so the pace cut-offs.
        objective.cycle = cycle
        entry = _entry(objective, list(objective.key_results.all()), cycle, checkins, now)
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


def _in_team(team_id: int, tree: list[TeamNode]) -> Q:
    """Objectives of the team, of the teams below it and its people's personal ones."""
    edges = [(n.team.parent_id, n.team.pk) for n in tree if n.team.parent_id is not None]
    scope = {team_id} | descendants(edges, [team_id])
    members = TeamMember.objects.filter(team_id__in=scope).values("membership_id")
    return Q(owner_team_id__in=scope) | Q(owner_person_id__in=members)


def _entry(
    objective: Objective | ListedObjective,
    krs: list[KeyResult],
    cycle: Cycle,
    checkins: dict[int, list[Reading]],
    now: dt.datetime,
) -> ObjectiveEntry | None:
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


# --- the at-risk page: counted in the database, a page of entries built --------------------------

# A page lists this many objectives behind (each with its key results behind): at size thousands
# are, and building and drawing every one took seconds.
AT_RISK_PER_PAGE = 50


@dataclass
class PageGroup:
    """A team's objectives on this page, or one person's personal objectives."""

    name: str
    team_id: int | None
    person_id: int | None
    objectives: list[ObjectiveEntry] = field(default_factory=list)


@dataclass
class DepartmentCount:
    """What is behind under one department (a team just below the company), the company's own
    objectives, or personal objectives (``team_id`` None)."""

    name: str
    team_id: int | None
    off_track: int = 0
    at_risk: int = 0
    # On pace itself, listed for one of its key results.
    key_results_only: int = 0
    key_results: int = 0

    @property
    def objectives(self) -> int:
        return self.off_track + self.at_risk + self.key_results_only


@dataclass
class AtRiskPage:
    cycle: Cycle
    expected: float
    groups: list[PageGroup]
    tree: list[TeamNode]
    team_id: int | None
    page: Page[int]
    objective_count: int
    key_result_count: int
    departments: list[DepartmentCount]
    total: DepartmentCount


def _behind(progress: str, cut: float) -> LessThan:
    """``progress`` trails ``cut``: the test of ``core.pace_status`` (its slack and all), in SQL,
    so the database lists exactly the rows Python would call behind."""
    return LessThan(F(progress) + Value(PACE_SLACK, FloatField()), Value(cut, FloatField()))


def at_risk_page(
    org_id: int,
    cycle: Cycle,
    now: dt.datetime,
    *,
    tree: list[TeamNode],
    team_id: int | None = None,
    page: str | int | None = None,
    per_page: int | None = None,
    offset: int | None = None,
) -> AtRiskPage:
    """``at_risk`` a page at a time: the same objectives in the same order, counted by the
    database (what is behind, by department and reason) and built only for the page shown.
    ``offset`` (the API's) builds the ``per_page`` objectives from there instead of ``page``'s.

    Three queries whatever the size: the objectives behind (or with a key result behind) as
    values, the page's key results, their check-ins.
    """
    expected = expected_progress(cycle, now)
    thresholds = cycle_thresholds(cycle)
    on_track, off_track = expected - thresholds.on_track, expected - thresholds.at_risk
    queryset = (
        Objective.objects.filter(organization_id=org_id, cycle=cycle, status=ObjectiveStatus.ACTIVE)
        # A subquery per objective rather than a join and GROUP BY: it reads the cycle's key
        # results by index instead of scanning every key result of every quarter.
        .annotate(
            krs_behind=Coalesce(
                Subquery(
                    KeyResult.objects.filter(objective_id=OuterRef("pk"))
                    .filter(_behind("progress", on_track))
                    .order_by()
                    .values("objective_id")
                    .annotate(n=Count("id"))
                    .values("n")
                ),
                0,
            )
        )
        .filter(Q(_behind("progress", on_track)) | Q(krs_behind__gt=0))
        .order_by("position", "id")
    )
    if team_id is not None:
        queryset = queryset.filter(_in_team(team_id, tree))
    rows = list(
        queryset.values_list(
            "id", "title", "progress", "owner_team_id", "owner_person_id", "krs_behind"
        )
    )
    # The names of the people owning personal objectives, read apart: joining the people to
    # every row had the database hash all 20,000 of them for a few dozen names.
    people = {person for _, _, _, team, person, _ in rows if team is None and person is not None}
    # (None to look up: Django asks the database nothing for an empty ``__in``.)
    person_names = {
        pk: User.name_shown(full, first, last, user)
        for pk, full, first, last, user in Membership.objects.filter(pk__in=people).values_list(
            "pk", "user__full_name", "user__first_name", "user__last_name", "user__username"
        )
    }
    names = {n.team.pk: n.team.name for n in tree}
    # Each team's department: itself at the top two levels, else its parent's.
    department: dict[int, int] = {}
    for node in tree:
        parent = node.team.parent_id
        department[node.team.pk] = (
            department.get(parent, node.team.pk) if node.depth > 1 and parent else node.team.pk
        )
    rank = {n.team.pk: i for i, n in enumerate(tree)}
    listed: dict[int, ListedObjective] = {}
    # The owner of each objective listed: (False, team id) or (True, membership id).
    owners: dict[int, tuple[bool, int]] = {}
    order: list[tuple[tuple[int, str, int], int]] = []
    counts: dict[int | None, DepartmentCount] = {}
    total = DepartmentCount("Everything listed", None)
    for pk, title, progress, owner_team, person, krs in rows:
        dept: int | None
        if owner_team is not None:
            name = names.get(owner_team, "")
            order.append(((0, "", rank.get(owner_team, len(rank))), pk))
            owners[pk] = (False, owner_team)
            dept = department.get(owner_team, owner_team)
        else:
            name = person_names.get(person, "")
            order.append(((1, name.lower(), person), pk))
            owners[pk] = (True, person)
            dept = None
        listed[pk] = ListedObjective(pk, title, progress, name)
        count = counts.get(dept)
        if count is None:
            label = names.get(dept, "") if dept is not None else "Personal objectives"
            count = counts[dept] = DepartmentCount(label, dept)
        for bucket in (count, total):
            bucket.key_results += krs
            if progress + PACE_SLACK < off_track:
                bucket.off_track += 1
            elif progress + PACE_SLACK < on_track:
                bucket.at_risk += 1
            else:
                bucket.key_results_only += 1
    # Teams in tree order, then people by name: as ``at_risk`` lists them (the sort is stable,
    # so an owner's objectives keep their board order).
    order.sort(key=lambda item: item[0])
    paged = Paginator([pk for _, pk in order], per_page or AT_RISK_PER_PAGE).get_page(page)
    on_page: list[int] = list(paged.object_list)
    if offset is not None:
        on_page = [pk for _, pk in order[offset : offset + paged.paginator.per_page]]
    krs_by_objective: dict[int, list[KeyResult]] = {pk: [] for pk in on_page}
    for kr in (
        KeyResult.objects.filter(objective_id__in=on_page)
        .select_related("owner__user")
        .order_by("objective_id", "position", "id")
    ):
        krs_by_objective[kr.objective_id].append(kr)
    checkins = checkins_by_key_result(kr.pk for krs in krs_by_objective.values() for kr in krs)
    groups: list[PageGroup] = []
    last_owner: tuple[bool, int] | None = None
    for pk in on_page:
        objective = listed[pk]
        entry = _entry(objective, krs_by_objective[pk], cycle, checkins, now)
        if entry is None:  # the database listed it as behind: never, bar the type checker
            continue
        if owners[pk] != last_owner:
            last_owner = personal, owner = owners[pk]
            groups.append(
                PageGroup(
                    objective.owner_name,
                    None if personal else owner,
                    owner if personal else None,
                )
            )
        groups[-1].objectives.append(entry)
    departments = [counts[n.team.pk] for n in tree if n.team.pk in counts]
    if None in counts:
        departments.append(counts[None])
    return AtRiskPage(
        cycle=cycle,
        expected=expected,
        groups=groups,
        tree=tree,
        team_id=team_id,
        page=paged,
        objective_count=len(rows),
        key_result_count=total.key_results,
        departments=departments,
        total=total,
    )
