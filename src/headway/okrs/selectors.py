"""Reads for OKR pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from headway.core import default_score
from headway.core.tree import descendants
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.orgs import permissions
from headway.orgs.choices import Role
from headway.orgs.models import Membership, Organization, Team, TeamMember, User


def cycles(org_id: int) -> QuerySet[Cycle]:
    return Cycle.objects.filter(organization_id=org_id).order_by("-start", "name")


def current_cycle(org_id: int, today: dt.date) -> Cycle | None:
    """The quarter containing ``today``, else the newest one that has started.

    With its organization, whose pace cut-offs every page showing the cycle reads.
    """
    base = (
        Cycle.objects.filter(organization_id=org_id)
        .exclude(kind="year")
        .select_related("organization")
    )
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
        # The cycle's organization holds the pace cut-offs: joined, not fetched per row.
        .select_related("cycle__organization", "owner_team", "owner_person__user")
        .prefetch_related(
            Prefetch("parent_links", queryset=Alignment.objects.order_by("parent_id")),
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id")),
        )
        # The order of an index (okrs 0008): a page of 48,000 objectives sorts none of them.
        .order_by("cycle_id", "position", "id")
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
        # The order of an index (okrs 0008). The API reads nothing of the objective but its id.
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
    # Every active objective of my teams and the teams below them; team_objectives may hold fewer.
    team_objectives_total: int = 0


# The home page lists my teams' objectives, nearest teams first, up to about this many: whole
# teams only, so a company's leader sees the company's and the divisions' objectives, not 6,000.
HOME_OBJECTIVES_SHOWN = 30


def home(
    organization: Organization, membership_id: int, now: dt.datetime | None = None
) -> HomeData:
    """What the home page shows: the cycle's score, my key results, my teams' objectives."""
    now = now or timezone.now()
    cycle = current_cycle(organization.pk, timezone.localdate(now))
    if cycle is None:
        return HomeData(cycle=None, organization_progress=None)
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
    levels = _levels_below(
        organization.pk,
        set(
            organization.teams.filter(memberships__membership_id=membership_id).values_list(
                "id", flat=True
            )
        ),
    )
    shown = objectives(organization.pk, cycle_id=cycle.pk, status=ObjectiveStatus.ACTIVE)
    if not levels:  # in no team: the company's objectives
        company = list(shown.filter(owner_team__parent__isnull=True))
        rollups = _home_rollups(cycle, {o.owner_team_id for o in company})
        return HomeData(
            cycle=cycle,
            organization_progress=rollups.get(None),
            my_key_results=mine,
            team_objectives=company,
            team_progress={k: v for k, v in rollups.items() if k is not None},
            team_objectives_total=len(company),
        )
    # Counted for every team of the cycle and kept for mine in Python: the cycle's objectives
    # are read either way, and a list of thousands of teams in the query costs more to plan.
    by_team = (
        Objective.objects.filter(
            cycle=cycle, status=ObjectiveStatus.ACTIVE, owner_team_id__isnull=False
        )
        .values_list("owner_team_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    below = {team for level in levels for team in level}
    counts = {team: n for team, n in by_team if team in below}
    nearest = _nearest_teams(levels, counts, HOME_OBJECTIVES_SHOWN)
    rollups = _home_rollups(cycle, nearest)
    return HomeData(
        cycle=cycle,
        organization_progress=rollups.get(None),
        my_key_results=mine,
        team_objectives=list(shown.filter(owner_team_id__in=nearest)),
        team_progress={k: v for k, v in rollups.items() if k is not None},
        team_objectives_total=sum(counts.values()),
    )


def _home_rollups(cycle: Cycle, teams: Iterable[int | None]) -> dict[int | None, float | None]:
    """The organization's roll-up (key None) and those of ``teams``: not the thousands of a
    large organization."""
    shown = [team for team in teams if team is not None]
    return dict(
        Rollup.objects.filter(cycle=cycle)
        .filter(Q(team__isnull=True) | Q(team_id__in=shown))
        .values_list("team_id", "progress")
    )


def _levels_below(org_id: int, team_ids: set[int]) -> list[list[int]]:
    """The teams, then the teams right below them, and so on: a department's people see its
    teams' objectives, nearest first."""
    edges = Team.objects.filter(organization_id=org_id, parent__isnull=False).values_list(
        "parent_id", "id"
    )
    children: dict[int, list[int]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    levels: list[list[int]] = []
    seen: set[int] = set()
    level = sorted(team_ids)
    while level:
        seen.update(level)
        levels.append(level)
        level = sorted({c for team in level for c in children.get(team, ()) if c not in seen})
    return levels


def _nearest_teams(levels: list[list[int]], counts: dict[int, int], limit: int) -> list[int]:
    """Whole teams, level by level, until about ``limit`` objectives (always the first level)."""
    chosen: list[int] = []
    total = 0
    for depth, level in enumerate(levels):
        size = sum(counts.get(team, 0) for team in level)
        if depth and total + size > limit:
            # Part of a level: its teams in order, as long as they fit.
            for team in level:
                if total + counts.get(team, 0) > limit:
                    return chosen
                chosen.append(team)
                total += counts.get(team, 0)
            return chosen
        chosen.extend(level)
        total += size
    return chosen


def cycle_is_open(cycle: Cycle) -> bool:
    return cycle.state != CycleState.CLOSED


# --- pages ------------------------------------------------------------------------------------


_DISPLAY_RELATIONS = ("cycle__organization", "owner_team", "owner_person__user")


def _objective_display() -> QuerySet[Objective]:
    """Objectives with what a page shows beside their title: cycle and owner."""
    return Objective.objects.select_related(*_DISPLAY_RELATIONS)


def _with_has_parents(queryset: QuerySet[Objective]) -> QuerySet[Objective]:
    """``has_parents``: whether the objective supports another, for the coach, in the same
    query rather than one more for the alignment links."""
    return queryset.annotate(has_parents=Exists(Alignment.objects.filter(child_id=OuterRef("pk"))))


def _key_results_display() -> QuerySet[KeyResult]:
    return KeyResult.objects.select_related("owner__user").order_by("position", "id")


@dataclass(frozen=True, slots=True)
class TreeTeam:
    """What the team tree holds of a team: read as plain values, not model instances, since the
    tree of a large organization has thousands of them on every board request."""

    id: int
    parent_id: int | None
    name: str
    slug: str
    okrs_enabled: bool

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True, slots=True)
class TeamNode:
    """A team in tree order. Frozen: a process keeps the trees it built (``team_tree``) and
    hands the same nodes to every request; nothing may change one (``path`` included)."""

    team: TreeTeam
    depth: int
    path: tuple[str, ...]  # the names from the top down to this team's own


TeamRows = tuple[tuple[int, int | None, str, str, bool], ...]
# The latest tree built for each organization, with the rows it was built from: a request whose
# rows are the same (compared in full, so never stale) takes it instead of building it again.
# Bounded: a process serving many organizations keeps the most recently used ones.
_TREES: OrderedDict[int, tuple[TeamRows, list[TeamNode]]] = OrderedDict()
KEPT_TREES = 64
_TREES_LOCK = threading.Lock()


def team_tree(org_id: int) -> list[TeamNode]:
    """Every team of the organization in tree order: the company, its departments, their teams.

    A team whose parent chain loops (which the database cannot rule out) is listed at the end
    rather than lost. One query; the tree itself is built again only when a team changed (at
    20,000 people, reading the 2,000 teams takes 3 ms and building their tree 3 ms more).
    """
    rows: TeamRows = tuple(
        Team.objects.filter(organization_id=org_id)
        .order_by("name", "id")
        .values_list("id", "parent_id", "name", "slug", "okrs_enabled")
    )
    with _TREES_LOCK:  # the development server answers in threads
        kept = _TREES.get(org_id)
        if kept is not None and kept[0] == rows:
            _TREES.move_to_end(org_id)
            return list(kept[1])
    tree = _build_tree([TreeTeam(*row) for row in rows])
    with _TREES_LOCK:
        _TREES[org_id] = (rows, tree)
        _TREES.move_to_end(org_id)
        while len(_TREES) > KEPT_TREES:
            _TREES.popitem(last=False)
    return list(tree)


def _build_tree(teams: list[TreeTeam]) -> list[TeamNode]:
    children: dict[int | None, list[TreeTeam]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    ordered: list[TeamNode] = []
    seen: set[int] = set()
    # Depth first with a stack, children in name order. (A nested recursive function would hold
    # itself in its closure: a reference cycle keeping the whole tree alive until the garbage
    # collector's next full pass, on every board request.)
    stack: list[tuple[TreeTeam, int, tuple[str, ...]]] = [
        (team, 0, ()) for team in reversed(children.get(None, []))
    ]
    while stack:
        team, depth, path = stack.pop()
        if team.id in seen:
            continue
        seen.add(team.id)
        below = (*path, team.name)
        ordered.append(TeamNode(team, depth, below))
        stack.extend((child, depth + 1, below) for child in reversed(children.get(team.id, [])))
    for team in teams:
        if team.id not in seen:
            seen.add(team.id)
            ordered.append(TeamNode(team, 0, (team.name,)))
    return ordered


@dataclass
class BoardTeam:
    node: TeamNode
    progress: float | None
    objectives: list[Objective]
    score: float | None = None  # graded, once the cycle is in grading


@dataclass
class Board:
    cycle: Cycle
    organization_progress: float | None
    teams: list[BoardTeam]
    personal: list[Objective]
    tree: list[TeamNode]
    organization_score: float | None = None


def board(
    org_id: int,
    cycle: Cycle,
    *,
    team_id: int | None = None,
    person_id: int | None = None,
    status: str | None = ObjectiveStatus.ACTIVE,
    tree: list[TeamNode] | None = None,
) -> Board:
    """The OKR board of one cycle: each team's objectives with their key results, in tree order.

    ``team_id`` keeps that team and the teams below it; ``person_id`` keeps the objectives the
    person owns or holds a key result of; ``status`` None keeps every status. ``tree`` saves
    loading the teams again when the caller has them.
    """
    tree = team_tree(org_id) if tree is None else tree
    rollups = {r.team_id: r for r in Rollup.objects.filter(cycle=cycle)}
    queryset = _board_objectives(org_id, cycle, status)
    in_scope = _subtree(tree, team_id)
    if team_id is not None:
        queryset = queryset.filter(owner_team_id__in=in_scope)
    if person_id is not None:
        queryset = _of_person(queryset, person_id)
    by_team: dict[int, list[Objective]] = {}
    personal: list[Objective] = []
    for objective in queryset:
        if objective.owner_team_id is None:
            personal.append(objective)
        else:
            by_team.setdefault(objective.owner_team_id, []).append(objective)

    def progress(team_id: int | None) -> float | None:
        row = rollups.get(team_id)
        return None if row is None else row.progress

    def score(team_id: int | None) -> float | None:
        row = rollups.get(team_id)
        return None if row is None else row.score

    teams = [
        BoardTeam(
            node,
            progress(node.team.pk),
            by_team.get(node.team.pk, []),
            score(node.team.pk),
        )
        for node in tree
        if node.team.pk in in_scope
        # With a person chosen only the teams holding their objectives are worth a section; the
        # rollout keeps teams without OKRs off the board unless they already have some.
        and (node.team.pk in by_team or (person_id is None and node.team.okrs_enabled))
    ]
    return Board(
        cycle=cycle,
        organization_progress=progress(None),
        organization_score=score(None),
        teams=teams,
        personal=personal,
        tree=tree,
    )


def _board_objectives(org_id: int, cycle: Cycle, status: str | None) -> QuerySet[Objective]:
    """A cycle's objectives as the board shows them, with their key results."""
    queryset = (
        _with_has_parents(_objective_display())
        .filter(organization_id=org_id, cycle=cycle)
        .prefetch_related(Prefetch("key_results", queryset=_key_results_display()))
        .order_by("position", "id")
    )
    return queryset if status is None else queryset.filter(status=status)


def _of_person(queryset: QuerySet[Objective], person_id: int) -> QuerySet[Objective]:
    """The objectives the person owns or holds a key result of."""
    owned = KeyResult.objects.filter(owner_id=person_id).values("objective_id")
    return queryset.filter(Q(owner_person_id=person_id) | Q(pk__in=owned))


# --- the board at size ------------------------------------------------------------------------

# Past either bound the board shows teams as rows whose objectives load when opened: a page of
# thousands of objectives is neither readable nor quick to draw.
LAZY_BOARD_OBJECTIVES = 150
LAZY_BOARD_TEAMS = 40


@dataclass
class TeamCount:
    objectives: int = 0
    behind: int = 0  # active objectives behind their pace


def board_counts(
    org_id: int,
    cycle: Cycle,
    *,
    status: str | None,
    behind_below: float,
    person_id: int | None = None,
) -> dict[int | None, TeamCount]:
    """Each team's objectives of the cycle (``None``: the personal ones), and how many progress
    below ``behind_below`` (the pace's on-track cut-off at this moment), in one query."""
    queryset = Objective.objects.filter(organization_id=org_id, cycle=cycle)
    if status is not None:
        queryset = queryset.filter(status=status)
    if person_id is not None:
        queryset = _of_person(queryset, person_id)
    rows = (
        queryset.values_list("owner_team_id")
        .annotate(
            n=Count("pk"),
            behind=Count("pk", filter=Q(status=ObjectiveStatus.ACTIVE, progress__lt=behind_below)),
        )
        .order_by()
    )
    return {team: TeamCount(n, behind) for team, n, behind in rows}


def board_is_large(
    tree: list[TeamNode], counts: dict[int | None, TeamCount], team_id: int | None
) -> bool:
    """Whether the board of ``team_id`` (None: every team) is too large to draw whole."""
    in_scope = _subtree(tree, team_id)
    objectives = sum(c.objectives for k, c in counts.items() if k in in_scope)
    return len(in_scope) > LAZY_BOARD_TEAMS or objectives > LAZY_BOARD_OBJECTIVES


def _subtree(tree: list[TeamNode], team_id: int | None) -> set[int]:
    if team_id is None:
        return {n.team.id for n in tree}
    edges = [(n.team.parent_id, n.team.id) for n in tree if n.team.parent_id is not None]
    return {team_id} | descendants(edges, [team_id])


@dataclass
class TeamRow:
    """A team on the board at size: its roll-up and counts; its objectives load when opened."""

    node: TeamNode
    progress: float | None
    score: float | None
    objectives: int  # its own
    in_all: int  # its own and those of the teams below it
    behind: int  # of ``in_all``
    teams: int  # directly below it


@dataclass
class BoardBranch:
    """One team shown open, with its objectives, and the teams below it as rows."""

    team: BoardTeam
    rows: list[TeamRow]


@dataclass
class BoardAtSize:
    cycle: Cycle
    organization_progress: float | None
    organization_score: float | None
    branches: list[BoardBranch]
    personal: int  # personal objectives: too many to list, a person filter shows theirs


def _subtree_total(
    team_id: int,
    children: dict[int, list[TeamNode]],
    counts: dict[int | None, TeamCount],
    totals: dict[int, tuple[int, int]],
) -> tuple[int, int]:
    """A team's objectives and those behind, its subtree's included: post-order sums, kept in
    ``totals``, which also stops a parent loop from recursing."""
    if team_id in totals:
        return totals[team_id]
    totals[team_id] = (0, 0)
    own = counts.get(team_id)
    n, behind = (0, 0) if own is None else (own.objectives, own.behind)
    for child in children.get(team_id, ()):
        cn, cb = _subtree_total(child.team.id, children, counts, totals)
        n, behind = n + cn, behind + cb
    totals[team_id] = (n, behind)
    return n, behind


def board_at_size(
    org_id: int,
    cycle: Cycle,
    *,
    open_teams: list[int] | None,
    status: str | None,
    tree: list[TeamNode],
    counts: dict[int | None, TeamCount],
) -> BoardAtSize:
    """The board of a large cycle: the ``open_teams`` (None: the top of the tree) with their own
    objectives, and the teams directly below each as rows with their roll-ups and counts.

    Two queries (roll-ups, objectives) and the key results' prefetch, whatever the size: the
    objectives shown are those of a few teams, never a whole subtree.
    """
    by_id = {n.team.id: n for n in tree}
    children: dict[int, list[TeamNode]] = {}
    for node in tree:
        if node.team.parent_id is not None and node.team.parent_id in by_id:
            children.setdefault(node.team.parent_id, []).append(node)
    shown = (
        [n.team.id for n in tree if n.depth == 0 and n.team.parent_id is None]
        if open_teams is None
        else open_teams
    )
    # The roll-ups of the teams drawn (open ones and their rows) and of the organization.
    drawn = [*shown, *(c.team.pk for t in shown for c in children.get(t, []))]
    rollups = {
        r.team_id: r
        for r in Rollup.objects.filter(cycle=cycle).filter(
            Q(team_id__in=drawn) | Q(team__isnull=True)
        )
    }
    by_team: dict[int, list[Objective]] = {}
    for objective in _board_objectives(org_id, cycle, status).filter(owner_team_id__in=shown):
        by_team.setdefault(objective.owner_team_id or 0, []).append(objective)

    totals: dict[int, tuple[int, int]] = {}

    def total(node: TeamNode) -> tuple[int, int]:
        return _subtree_total(node.team.id, children, counts, totals)

    def row(node: TeamNode) -> TeamRow:
        rollup = rollups.get(node.team.pk)
        n, behind = total(node)
        return TeamRow(
            node,
            None if rollup is None else rollup.progress,
            None if rollup is None else rollup.score,
            counts.get(node.team.pk, TeamCount()).objectives,
            n,
            behind,
            len(children.get(node.team.pk, [])),
        )

    branches = []
    for team_id in shown:
        node = by_id[team_id]
        rollup = rollups.get(team_id)
        team = BoardTeam(
            node,
            None if rollup is None else rollup.progress,
            by_team.get(team_id, []),
            None if rollup is None else rollup.score,
        )
        rows = [
            row(child)
            for child in children.get(team_id, [])
            # As on the whole board, teams outside the OKR rollout show only with objectives.
            if child.team.okrs_enabled or total(child)[0]
        ]
        branches.append(BoardBranch(team, rows))
    organization = rollups.get(None)
    return BoardAtSize(
        cycle=cycle,
        organization_progress=None if organization is None else organization.progress,
        organization_score=None if organization is None else organization.score,
        branches=branches,
        personal=counts.get(None, TeamCount()).objectives,
    )


@dataclass(frozen=True, slots=True)
class PersonChoice:
    """A person as the board's person filter shows and reads them: plain values, not a
    membership and its user (201 of each on every board of a large organization)."""

    pk: int
    username: str
    display_name: str


_PERSON_VALUES = (
    "pk",
    "user__username",
    "user__full_name",
    "user__first_name",
    "user__last_name",
)


def board_people(org_id: int, *, named: str, limit: int) -> list[PersonChoice]:
    """The people of the board's person filter: everyone up to ``limit``; past it (too many to
    list) any ``limit`` + 1 of them and the one ``named`` (a username), if there is one."""
    mine = Membership.objects.filter(organization_id=org_id)
    rows: Iterable[tuple[int, str, str, str, str]]
    if connections[mine.db].features.supports_slicing_ordering_in_compound:
        # A UNION of the two, each read through an index (usernames in order, the one named):
        # an OR of them would read every membership of the organization.
        some = mine.values_list(*_PERSON_VALUES)[: limit + 1]
        rows = some.union(mine.filter(user__username=named).order_by().values_list(*_PERSON_VALUES))
    else:  # SQLite: no LIMIT inside a UNION
        ids = mine.values("pk")[: limit + 1]
        rows = mine.filter(Q(pk__in=ids) | Q(user__username=named)).values_list(*_PERSON_VALUES)
    people = [
        PersonChoice(pk, username, User.name_shown(full, first, last, username))
        for pk, username, full, first, last in rows
    ]
    people.sort(key=lambda p: p.username)
    return people


@dataclass
class AlignmentNode:
    objective: Objective
    children: list[AlignmentNode]
    # Already shown higher up this branch: an alignment loop, not walked again.
    repeated: bool = False


@dataclass
class AlignmentRow:
    objective: Objective
    parents: list[Objective]
    children: list[Objective]

    @property
    def aligned_to_nothing(self) -> bool:
        """Supports nothing while it is not a company objective (those are the top)."""
        if self.parents:
            return False
        team = self.objective.owner_team
        return team is None or team.parent_id is not None


@dataclass
class AlignmentData:
    cycle: Cycle
    rows: list[AlignmentRow]
    tree: list[AlignmentNode]

    @property
    def unaligned(self) -> list[AlignmentRow]:
        return [row for row in self.rows if row.aligned_to_nothing]


def _alignment_node(
    objective: Objective,
    branch: frozenset[int],
    by_id: dict[int, Objective],
    children: dict[int, list[Objective]],
) -> AlignmentNode:
    """An objective with what supports it within ``by_id``, down the tree; one met again on its
    own ``branch`` (a loop) is marked repeated and not followed."""
    if objective.pk in branch:
        return AlignmentNode(objective, [], repeated=True)
    below = [
        _alignment_node(by_id[c.pk], branch | {objective.pk}, by_id, children)
        for c in children.get(objective.pk, [])
        if c.pk in by_id
    ]
    return AlignmentNode(objective, below)


def alignment(org_id: int, cycle: Cycle, *, limit: int | None = None) -> AlignmentData | None:
    """The cycle's objectives with what they support and what supports them (any cycle); None
    when it has more than ``limit`` (see ``okrs.alignment_tree`` for that page)."""
    mine = _objective_display().filter(organization_id=org_id, cycle=cycle)
    if limit is not None:
        # Any limit + 1 of them off the index first: sorting and joining the thousands of a
        # large cycle only to find it large would cost more than the whole small page.
        some = Objective.objects.filter(organization_id=org_id, cycle=cycle).values("pk")
        mine = mine.filter(pk__in=some.order_by("position", "id")[: limit + 1])
    shown = list(mine.order_by("status", "position", "id"))
    if limit is not None and len(shown) > limit:
        return None
    ids = {o.pk for o in shown}
    links = (
        Alignment.objects.filter(organization_id=org_id)
        .filter(Q(child_id__in=ids) | Q(parent_id__in=ids))
        .select_related(
            *(f"{end}__{rel}" for end in ("child", "parent") for rel in _DISPLAY_RELATIONS)
        )
        .order_by("parent_id", "child_id")
    )
    parents: dict[int, list[Objective]] = {}
    children: dict[int, list[Objective]] = {}
    for link in links:
        parents.setdefault(link.child_id, []).append(link.parent)
        children.setdefault(link.parent_id, []).append(link.child)
    rows = [AlignmentRow(o, parents.get(o.pk, []), children.get(o.pk, [])) for o in shown]
    by_id = {o.pk: o for o in shown}

    def node(objective: Objective, branch: frozenset[int]) -> AlignmentNode:
        return _alignment_node(objective, branch, by_id, children)

    # The tree starts from objectives supporting nothing in this cycle; the ones supporting
    # another cycle's objective (an annual one) start there too.
    roots = [o for o in shown if not any(p.pk in by_id for p in parents.get(o.pk, []))]
    return AlignmentData(cycle=cycle, rows=rows, tree=[node(o, frozenset()) for o in roots])


@dataclass
class ObjectivePage:
    objective: Objective
    parents: list[Objective]
    children: list[Objective]
    key_results: list[KeyResult]
    team_progress: float | None


def key_results_with_history(objective: Objective, *, key_result_id: int | None = None):  # type: ignore[no-untyped-def]
    """The objective's key results with owners and check-ins (newest first, with authors)."""
    queryset = (
        _key_results_display()
        .filter(objective=objective)
        .prefetch_related(
            Prefetch(
                "checkins",
                queryset=CheckIn.objects.select_related("author__user").order_by(
                    "-created_at", "-id"
                ),
            )
        )
    )
    if key_result_id is not None:
        queryset = queryset.filter(pk=key_result_id)
    return queryset


def team_progress(objective: Objective) -> float | None:
    """The owning team's roll-up in the objective's cycle (None for a personal objective)."""
    if objective.owner_team_id is None:
        return None
    return (
        Rollup.objects.filter(cycle_id=objective.cycle_id, team_id=objective.owner_team_id)
        .values_list("progress", flat=True)
        .first()
    )


def objective_page(objective: Objective) -> ObjectivePage:
    """Everything the objective page shows; ``objective`` comes with its cycle and owner."""
    return ObjectivePage(
        objective=objective,
        parents=list(
            _objective_display().filter(child_links__child=objective).order_by("cycle__start", "id")
        ),
        children=list(
            _objective_display()
            .filter(parent_links__parent=objective)
            .order_by("cycle__start", "id")
        ),
        key_results=list(key_results_with_history(objective)),
        team_progress=team_progress(objective),
    )


def coach_context(
    org_id: int,
    cycle_id: int,
    *,
    owner_team_id: int | None,
    owner_person_id: int | None,
    include_id: int | None = None,
    exclude_id: int | None = None,
) -> list[Objective]:
    """What the coach needs beside one objective: its owner's active objectives of the cycle
    (for the rules about an owner's set) and the company's (for "aligned to nothing"), with
    their key results. ``include_id`` is kept whatever its status (the objective whose page is
    shown), ``exclude_id`` left out (the one being edited)."""
    owned = Q(owner_team_id=owner_team_id, owner_person_id=owner_person_id)
    # The company's teams as ids (one small query): a join on the team's parent inside the OR
    # read every objective of the cycle (2.8 ms of 6,000 at 20,000 people), ids let each arm
    # use an index (0.1 ms).
    roots = Team.objects.filter(organization_id=org_id, parent__isnull=True)
    company = Q(owner_team_id__in=list(roots.values_list("pk", flat=True)))
    queryset = (
        _with_has_parents(_objective_display())
        .filter(organization_id=org_id, cycle_id=cycle_id)
        .filter(((owned | company) & Q(status=ObjectiveStatus.ACTIVE)) | Q(pk=include_id))
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id"))
        )
        .order_by("position", "id")
    )
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return list(queryset)


# Earlier cycles whose scores the coach looks back on ("always scores 1.0").
HISTORY_CYCLES = 4


def owner_history(
    org_id: int, cycle: Cycle, *, team_id: int | None = None, person_id: int | None = None
) -> dict[str, tuple[float, ...]]:
    """Each owner's mean aspirational score in the cycles of the same kind before ``cycle``
    (at most ``HISTORY_CYCLES``, oldest first), keyed as the coach names owners; only that
    team's or person's with ``team_id`` or ``person_id``."""
    earlier = (
        Cycle.objects.filter(organization_id=org_id, kind=cycle.kind, start__lt=cycle.start)
        .order_by("-start")
        .values("id")[:HISTORY_CYCLES]
    )
    rows = (
        Objective.objects.filter(
            organization_id=org_id,
            cycle_id__in=earlier,
            kind="aspirational",
            status=ObjectiveStatus.ACTIVE,
        )
        .filter(
            Q(owner_team_id=team_id, owner_person_id=person_id)
            if team_id is not None or person_id is not None
            else Q()
        )
        .order_by("cycle__start", "cycle_id")
        .values_list(
            "cycle_id", "owner_team__slug", "owner_person__user__username", "progress", "score"
        )
    )
    scores: dict[str, dict[int, list[float]]] = {}
    for cycle_id, team_slug, username, progress, graded in rows:
        owner = f"team:{team_slug}" if team_slug is not None else f"person:{username}"
        # The graded score once there is one; before grading, what the progress would score.
        score = graded if graded is not None else default_score(progress)
        scores.setdefault(owner, {}).setdefault(cycle_id, []).append(score)
    return {
        owner: tuple(sum(s) / len(s) for s in by_cycle.values())
        for owner, by_cycle in scores.items()
    }


def editable_objectives(membership: Membership) -> QuerySet[Objective]:
    """Objectives this person may edit, in open cycles: what a key result may be moved to.

    Mirrors ``permissions.can_edit_objective``, as a query; the services check again.
    """
    queryset = (
        _objective_display()
        .filter(organization_id=membership.organization_id)
        .exclude(cycle__state=CycleState.CLOSED)
        .order_by("-cycle__start", "title", "id")
    )
    if not permissions.can_write(membership):
        return queryset.none()
    if membership.has_role(Role.ADMIN):
        return queryset
    allowed = Q(owner_person_id=membership.pk)
    if membership.has_role(Role.LEAD):
        led = permissions.led_team_ids(membership)
        members = TeamMember.objects.filter(team_id__in=led).values("membership_id")
        allowed |= Q(owner_team_id__in=led) | Q(owner_person_id__in=members)
    return queryset.filter(allowed)


@dataclass
class Owners:
    teams: list[Team]
    people: list[Membership]


def objective_owners(membership: Membership) -> Owners:
    """The teams and people this person may give an objective to (``can_create_objective``)."""
    org_id = membership.organization_id
    people = Membership.objects.filter(organization_id=org_id).select_related("user")
    if not permissions.can_write(membership):
        return Owners([], [])
    if membership.has_role(Role.ADMIN):
        teams = Team.objects.filter(organization_id=org_id).order_by("name")
        return Owners(list(teams), list(people.order_by("user__username")))
    if membership.has_role(Role.LEAD):
        led = permissions.led_team_ids(membership)
        teams = Team.objects.filter(organization_id=org_id, pk__in=led).order_by("name")
        members = TeamMember.objects.filter(team_id__in=led).values("membership_id")
        people = people.filter(Q(pk=membership.pk) | Q(pk__in=members))
        return Owners(list(teams), list(people.order_by("user__username")))
    return Owners([], [membership])


def objective_owner_queries(membership: Membership) -> tuple[QuerySet[Team], QuerySet[Membership]]:
    """``objective_owners`` as queries, in the same order: a form reads only as many as it can
    list (thousands become a slug or username to type, looked up in these)."""
    org_id = membership.organization_id
    teams = Team.objects.filter(organization_id=org_id).order_by("name")
    people = (
        Membership.objects.filter(organization_id=org_id)
        .select_related("user")
        .order_by("user__username")
    )
    if not permissions.can_write(membership):
        return teams.none(), people.none()
    if membership.has_role(Role.ADMIN):
        return teams, people
    if membership.has_role(Role.LEAD):
        led = permissions.led_team_ids(membership)
        members = TeamMember.objects.filter(team_id__in=led).values("membership_id")
        return teams.filter(pk__in=led), people.filter(Q(pk=membership.pk) | Q(pk__in=members))
    return teams.none(), people.filter(pk=membership.pk)


# --- the coach over a whole cycle -------------------------------------------------------------

# What the coach reads of an objective, and what its report shows beside the findings (the
# owner's name); no description, no display relations.
COACH_OBJECTIVE_FIELDS = (
    "id",
    "key",
    "title",
    "kind",
    "progress",
    "owner_team_id",
    "owner_team__parent_id",
    "owner_team__slug",
    "owner_team__name",
    "owner_person_id",
    "owner_person__user__username",
    "owner_person__user__full_name",
    "owner_person__user__first_name",
    "owner_person__user__last_name",
    "has_parents",
)
COACH_KEY_RESULT_FIELDS = (
    "objective_id",
    "key",
    "title",
    "kind",
    "start",
    "target",
    "direction",
    "unit",
    "result_type",
    "confidence",
)


@dataclass
class CoachRows:
    """A cycle's active objectives as plain rows (``COACH_OBJECTIVE_FIELDS``, in board order
    within an owner) and their key results by objective id (``COACH_KEY_RESULT_FIELDS``)."""

    objectives: list[dict[str, Any]]
    key_results: dict[int, list[dict[str, Any]]]


def coach_rows(
    org_id: int, cycle_id: int, *, team_id: int | None = None, person_id: int | None = None
) -> CoachRows:
    """What the coach reads of a cycle's active objectives, in two queries whatever the size:
    every one, or with ``team_id``/``person_id`` that owner's and the company's (for "aligned to
    nothing")."""
    chosen = Objective.objects.filter(
        organization_id=org_id, cycle_id=cycle_id, status=ObjectiveStatus.ACTIVE
    )
    if team_id is not None or person_id is not None:
        owned = Q(owner_team_id=team_id, owner_person_id=person_id)
        chosen = chosen.filter(owned | Q(owner_team__isnull=False, owner_team__parent__isnull=True))
    objectives = list(
        _with_has_parents(chosen).order_by("position", "id").values(*COACH_OBJECTIVE_FIELDS)
    )
    key_results: dict[int, list[dict[str, Any]]] = {}
    for row in (
        KeyResult.objects.filter(objective__in=chosen.values("pk"))
        .order_by("position", "id")
        .values(*COACH_KEY_RESULT_FIELDS)
    ):
        key_results.setdefault(row["objective_id"], []).append(row)
    return CoachRows(objectives, key_results)
