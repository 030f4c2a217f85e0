"""Reads for the team and people pages, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from headway.kpis.models import Kpi
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup
from headway.orgs.models import Membership, Team, TeamMember


def tree_order(teams: Iterable[Team]) -> list[tuple[Team, int]]:
    """Teams depth first (company, a department, its teams, the next department), with depths.

    A team whose parent is missing or that sits in a loop is shown as a root: never lost.
    """
    teams = list(teams)
    children: dict[int | None, list[Team]] = {}
    ids = {t.pk for t in teams}
    for team in teams:
        parent = team.parent_id if team.parent_id in ids else None
        children.setdefault(parent, []).append(team)
    out: list[tuple[Team, int]] = []
    seen: set[int] = set()
    # Depth first with a stack, not a nested recursive function: that would hold itself in its
    # closure, a reference cycle keeping every team alive until the collector's next full pass.
    for start in [*children.get(None, []), *teams]:
        stack = [(start, 0)]
        while stack:
            team, depth = stack.pop()
            if team.pk in seen:
                continue
            seen.add(team.pk)
            out.append((team, depth))
            stack.extend((child, depth + 1) for child in reversed(children.get(team.pk, [])))
    return out


def teams_in_order(org_id: int) -> list[tuple[Team, int]]:
    return tree_order(Team.objects.filter(organization_id=org_id).order_by("name", "id"))


def _count(queryset: QuerySet, link: str) -> Coalesce:
    """How many rows of ``queryset`` point at the outer team through ``link`` (a subquery)."""
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted[:1]), Value(0), output_field=IntegerField())


def _with_counts(teams: QuerySet[Team], cycle: Cycle | None) -> QuerySet[Team]:
    objectives = (
        _count(Objective.objects.filter(cycle=cycle, status=ObjectiveStatus.ACTIVE), "owner_team")
        if cycle is not None
        else Value(0, output_field=IntegerField())
    )
    return teams.annotate(
        member_count=_count(TeamMember.objects.all(), "team"),
        kpi_count=_count(Kpi.objects.all(), "owner_team"),
        objective_count=objectives,
    )


@dataclass
class TeamNode:
    team: Team
    depth: int
    progress: float | None
    leads: list[Membership] = field(default_factory=list)
    children: list[TeamNode] = field(default_factory=list)


def team_tree(org_id: int, cycle: Cycle | None) -> list[TeamNode]:
    """The team tree's roots, each team with its leads, counts and the cycle's progress.

    Three queries: the teams with their counts, the leads, the roll-ups.
    """
    teams = tree_order(_with_counts(Team.objects.filter(organization_id=org_id), cycle))
    leads: dict[int, list[Membership]] = {}
    for link in (
        TeamMember.objects.filter(organization_id=org_id, is_lead=True)
        .select_related("membership__user")
        .order_by("membership__user__username")
    ):
        leads.setdefault(link.team_id, []).append(link.membership)
    progress = _rollups(cycle, [t.pk for t, _ in teams])
    nodes = {
        team.pk: TeamNode(team, depth, progress.get(team.pk), leads.get(team.pk, []))
        for team, depth in teams
    }
    roots: list[TeamNode] = []
    for team, depth in teams:
        node = nodes[team.pk]
        parent = nodes.get(team.parent_id) if team.parent_id else None
        if depth and parent is not None:
            parent.children.append(node)
        else:
            roots.append(node)
    return roots


def _rollups(cycle: Cycle | None, team_ids: Sequence[int]) -> dict[int, float | None]:
    if cycle is None:
        return {}
    rows = Rollup.objects.filter(cycle=cycle, team_id__in=team_ids).values_list(
        "team_id", "progress"
    )
    return {team_id: progress for team_id, progress in rows}


@dataclass
class TeamDetail:
    team: Team
    progress: float | None
    members: list[TeamMember]  # leads first
    sub_teams: list[tuple[Team, float | None]]


def team_detail(team: Team, cycle: Cycle | None) -> TeamDetail:
    """A team's people and sub-teams with their progress, in three queries."""
    members = list(
        TeamMember.objects.filter(organization_id=team.organization_id, team=team)
        .select_related("membership__user")
        .order_by("-is_lead", "membership__user__username")
    )
    sub_teams = list(
        _with_counts(
            Team.objects.filter(organization_id=team.organization_id, parent=team), cycle
        ).order_by("name", "id")
    )
    progress = _rollups(cycle, [team.pk, *(t.pk for t in sub_teams)])
    return TeamDetail(
        team=team,
        progress=progress.get(team.pk),
        members=members,
        sub_teams=[(t, progress.get(t.pk)) for t in sub_teams],
    )


def people(org_id: int) -> QuerySet[Membership]:
    """Everyone in the organization with their teams (two queries)."""
    links = TeamMember.objects.select_related("team").order_by("team__name", "team_id")
    return (
        Membership.objects.filter(organization_id=org_id)
        .select_related("user")
        .prefetch_related(Prefetch("team_links", queryset=links))
        .order_by("user__full_name", "user__username", "id")
    )


def team_links(person: Membership) -> list[TeamMember]:
    return list(
        TeamMember.objects.filter(organization_id=person.organization_id, membership=person)
        .select_related("team")
        .order_by("team__name", "team_id")
    )


def key_results_of(person: Membership, cycle: Cycle | None) -> list[KeyResult]:
    """The key results a person owns in the cycle's active objectives, whoever owns those."""
    if cycle is None:
        return []
    return list(
        KeyResult.objects.filter(
            organization_id=person.organization_id,
            owner=person,
            objective__cycle=cycle,
            objective__status=ObjectiveStatus.ACTIVE,
        )
        .select_related("objective__owner_team", "objective__owner_person__user")
        .order_by("objective__position", "objective_id", "position", "id")
    )
