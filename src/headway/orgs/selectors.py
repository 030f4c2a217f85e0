"""Reads for the team and people pages, each in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from headway.kpis.models import Kpi
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup
from headway.orgs.models import ApiToken, Membership, Team, TeamMember


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


def search_teams(org_id: int, search: str, cycle: Cycle | None) -> QuerySet[Team]:
    """The teams whose name contains ``search`` in any case, by name, with their parent and
    counts."""
    return _with_counts(
        Team.objects.filter(organization_id=org_id, name__icontains=search)
        .select_related("parent")
        .order_by("name", "id"),
        cycle,
    )


def flat_nodes(teams: Sequence[Team], cycle: Cycle | None) -> list[TeamNode]:
    """``teams`` (counted, e.g. a page of ``search_teams``) as nodes side by side, with their
    leads and progress: two queries."""
    ids = [t.pk for t in teams]
    leads = _leads(TeamMember.objects.filter(team_id__in=ids))
    progress = _rollups(cycle, ids)
    return [TeamNode(t, 0, progress.get(t.pk), leads.get(t.pk, [])) for t in teams]


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
    # Set when the children are not loaded (a large organization): what opening the team shows.
    sub_teams: int = 0
    below: int = 0  # teams under it, every level down


@dataclass
class TeamTree:
    roots: list[TeamNode]
    # Only the top levels are loaded; the rest open on demand (``team_children``).
    shallow: bool = False
    total: int = 0  # teams in the organization, when ``shallow``


def team_tree(
    org_id: int, cycle: Cycle | None, *, limit: int | None = None, top_depth: int = 1
) -> TeamTree:
    """The team tree's roots, each team with its leads, counts and the cycle's progress.

    Three queries: the teams with their counts, the leads, the roll-ups. With more than ``limit``
    teams only those down to ``top_depth`` are loaded, each with how many teams lie below it, in
    five: the first ``limit`` teams (which tell the size), the whole tree's shape, then the shown
    teams with their counts, leads and roll-ups. Counting every team of a large organization
    costs more than the page may (a correlated count per team).
    """
    counted = _with_counts(Team.objects.filter(organization_id=org_id), cycle)
    teams = list(counted if limit is None else counted[: limit + 1])
    if limit is None or len(teams) <= limit:
        leads = _leads(TeamMember.objects.filter(organization_id=org_id))
        return TeamTree(_nodes(tree_order(teams), cycle, leads))
    shape = _shape(org_id)
    shown = [team for team, depth in shape.order if depth <= top_depth]
    return TeamTree(
        _nodes(
            _counted_in_order(shown, cycle),
            cycle,
            _leads(TeamMember.objects.filter(team_id__in=[t.pk for t in shown])),
            shape,
        ),
        shallow=True,
        total=len(shape.order),
    )


def team_children(team: Team, cycle: Cycle | None) -> list[TeamNode]:
    """A team's sub-teams as closed nodes, each with what lies below it.

    Four queries: the tree's shape, the sub-teams with their counts, their leads, roll-ups.
    """
    shape = _shape(team.organization_id)
    children = shape.order_children.get(team.pk, [])
    depth = next((d for t, d in shape.order if t.pk == team.pk), 0) + 1
    return _nodes(
        [(t, depth) for t, _ in _counted_in_order(children, cycle)],
        cycle,
        _leads(TeamMember.objects.filter(team_id__in=[t.pk for t in children])),
        shape,
    )


@dataclass
class _Shape:
    """Every team of an organization as ids and names only: the order, children and sizes."""

    order: list[tuple[Team, int]]
    order_children: dict[int, list[Team]]
    below: dict[int, int]


def _shape(org_id: int) -> _Shape:
    order = tree_order(
        Team.objects.filter(organization_id=org_id)
        .only("pk", "parent_id", "name")
        .order_by("name", "id")
    )
    children: dict[int, list[Team]] = {}
    below: dict[int, int] = {}
    # In depth-first order a team's descendants are the run of deeper teams that follows it.
    open_: list[tuple[Team, int]] = []
    for team, depth in order:
        while open_ and open_[-1][1] >= depth:
            open_.pop()
        if open_:
            children.setdefault(open_[-1][0].pk, []).append(team)
        for ancestor, _ in open_:
            below[ancestor.pk] = below.get(ancestor.pk, 0) + 1
        open_.append((team, depth))
    return _Shape(order, children, below)


def _counted_in_order(teams: list[Team], cycle: Cycle | None) -> list[tuple[Team, int]]:
    """``teams`` (from ``_shape``, in its order) again, in full and with their counts."""
    ids = [t.pk for t in teams]
    counted = {t.pk: t for t in _with_counts(Team.objects.filter(pk__in=ids), cycle)}
    return [(counted[t.pk], depth) for t, depth in tree_order(teams) if t.pk in counted]


def _leads(links: QuerySet[TeamMember]) -> dict[int, list[Membership]]:
    leads: dict[int, list[Membership]] = {}
    for link in (
        links.filter(is_lead=True)
        .select_related("membership__user")
        .order_by("membership__user__username")
    ):
        leads.setdefault(link.team_id, []).append(link.membership)
    return leads


def _nodes(
    teams: list[tuple[Team, int]],
    cycle: Cycle | None,
    leads: dict[int, list[Membership]],
    shape: _Shape | None = None,
) -> list[TeamNode]:
    """The roots of ``teams`` (in tree order) with their progress; with ``shape``, the teams
    whose children are not among ``teams`` say how many there are."""
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
    if shape is not None:
        for node in nodes.values():
            if not node.children:
                node.sub_teams = len(shape.order_children.get(node.team.pk, []))
                node.below = shape.below.get(node.team.pk, 0)
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


def people(org_id: int, search: str = "") -> QuerySet[Membership]:
    """Everyone in the organization with their teams (two queries); with ``search``, those whose
    username, name or email contains it, in any case."""
    links = TeamMember.objects.select_related("team").order_by("team__name", "team_id")
    found = Membership.objects.filter(organization_id=org_id)
    if search:
        found = found.filter(
            Q(user__username__icontains=search)
            | Q(user__full_name__icontains=search)
            | Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    return (
        found.select_related("user")
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


def tokens_of(person: Membership) -> list[ApiToken]:
    """A person's own API tokens: those not revoked first, newest made first, then the revoked
    ones, latest revoked first."""
    return list(
        ApiToken.objects.filter(membership=person)
        .defer("digest")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-id")
    )


def others_tokens(person: Membership) -> QuerySet[ApiToken]:
    """The tokens not revoked of everyone else in the person's organization (for an admin), with
    their owners, newest first; a deactivated account's among them (refused while it is)."""
    return (
        ApiToken.objects.filter(organization_id=person.organization_id, revoked_at__isnull=True)
        .exclude(membership=person)
        .select_related("membership__user")
        .defer("digest")
        .order_by("-created_at", "-id")
    )
