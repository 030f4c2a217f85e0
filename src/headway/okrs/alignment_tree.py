"""Reads for the alignment page at size: a page of top objectives with what supports them a few
levels down, the rest opened on demand.

Objectives are read as plain rows rather than model instances: a page render keeps its context
alive until the garbage collector's next pass (Django's ``RequestContext`` refers to itself
through its ``ContextDict``), and each model instance with its cycle, owner and their
``ModelState`` is a dozen objects more in that garbage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, RowNumber

from headway.core.tree import descendants
from headway.okrs.models import Alignment, Cycle, Objective
from headway.okrs.selectors import TeamNode
from headway.orgs.models import User
from headway.paging import counted_page

# Top objectives per page; for each, this many levels of what supports it, and at each level
# this many supporting objectives before an "N more" that loads the rest, a batch at a time.
ROOTS_PER_PAGE = 10
DEPTH = 2
WIDTH = 5
MORE_PER_BATCH = 50
# Objectives aligned to nothing listed a page at a time.
UNALIGNED_PER_PAGE = 50

_FIELDS = (
    "id",
    "title",
    "status",
    "progress",
    "cycle_id",
    "cycle__name",
    "owner_team__name",
    "owner_person__user__full_name",
    "owner_person__user__first_name",
    "owner_person__user__last_name",
    "owner_person__user__username",
)


@dataclass(slots=True)
class AlignedObjective:
    """An objective in the tree at size, with the supporting objectives shown below it."""

    id: int
    title: str
    status: str
    progress: float
    cycle_id: int
    cycle_name: str
    owner: str
    supporters: int  # in the cycle (and the team's subtree, when filtered), shown or not
    children: list[AlignedObjective] = field(default_factory=list)
    # Already shown higher up this branch: an alignment loop, not walked again.
    repeated: bool = False
    # What a top objective supports (another team's, another cycle's objectives).
    supports: list[AlignedObjective] = field(default_factory=list)
    # Walked: its first supporters are shown below it; past the depth limit they open on demand.
    walked: bool = False

    @property
    def hidden(self) -> int:
        """Supporting objectives of a walked objective not shown: behind "N more"."""
        return self.supporters - len(self.children) if self.walked else 0


def _aligned(row: Iterable[Any]) -> AlignedObjective:
    (pk, title, status, progress, cycle_id, cycle_name, team, full, first, last, username, n) = row
    owner = team if team is not None else User.name_shown(full, first, last, username)
    return AlignedObjective(pk, title, status, progress, cycle_id, cycle_name, owner, n)


@dataclass
class AlignmentAtSize:
    cycle: Cycle
    page: Page  # of the top objectives (rows of ``roots``)
    roots: list[AlignedObjective]
    total: int  # objectives in scope: the cycle's, or those of the team's subtree
    shown: int  # distinct objectives on the page


def teams_below(tree: list[TeamNode], team_id: int) -> list[int]:
    """The team and every team below it."""
    edges = [(n.team.parent_id, n.team.id) for n in tree if n.team.parent_id is not None]
    return [team_id, *descendants(edges, [team_id])]


def _in_scope(queryset: QuerySet[Any], prefix: str, teams: list[int] | None) -> QuerySet[Any]:
    if teams is None:
        return queryset
    return queryset.filter(**{f"{prefix}owner_team_id__in": teams})


def _supporters(outer: str, cycle_id: int, teams: list[int] | None) -> Coalesce:
    """How many objectives of the cycle (in scope) support the objective ``outer`` names."""
    links = _in_scope(
        Alignment.objects.filter(parent_id=OuterRef(outer), child__cycle_id=cycle_id),
        "child__",
        teams,
    )
    counted = links.order_by().values("parent_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), Value(0))


def _children(
    parent_ids: Iterable[int], cycle_id: int, teams: list[int] | None, width: int
) -> dict[int, list[AlignedObjective]]:
    """The first ``width`` supporting objectives of each parent, in one query."""
    links = _in_scope(
        Alignment.objects.filter(parent_id__in=list(parent_ids), child__cycle_id=cycle_id),
        "child__",
        teams,
    )
    rows = (
        links.annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("parent_id"),
                order_by=(
                    F("child__status").asc(),
                    F("child__position").asc(),
                    F("child_id").asc(),
                ),
            ),
            n=_supporters("child_id", cycle_id, teams),
        )
        .filter(rank__lte=width)
        .order_by("parent_id", "rank")
        .values_list("parent_id", *(f"child__{f}" for f in _FIELDS), "n")
    )
    found: dict[int, list[AlignedObjective]] = {}
    for parent_id, *rest in rows:
        found.setdefault(parent_id, []).append(_aligned(rest))
    return found


def _walk(roots: list[AlignedObjective], cycle_id: int, teams: list[int] | None) -> int:
    """Fills in ``DEPTH`` levels below ``roots`` (one query a level); returns how many distinct
    objectives the tree then shows."""
    shown = {r.id for r in roots}
    # Each objective to walk with the ids above it on its branch, for loops.
    level = [(r, frozenset[int]()) for r in roots]
    for _ in range(DEPTH):
        level = [(o, branch) for o, branch in level if o.supporters and not o.repeated]
        if not level:
            break
        below = _children({o.id for o, _ in level}, cycle_id, teams, WIDTH)
        next_level = []
        for objective, branch in level:
            objective.walked = True
            on_branch = branch | {objective.id}
            for child in below.get(objective.id, []):
                # A fresh row per place in the tree: an objective supporting two is shown twice.
                child = AlignedObjective(**{k: getattr(child, k) for k in _COPIED})
                child.repeated = child.id in on_branch
                objective.children.append(child)
                shown.add(child.id)
                next_level.append((child, on_branch))
        level = next_level
    return len(shown)


_COPIED = ("id", "title", "status", "progress", "cycle_id", "cycle_name", "owner", "supporters")


def alignment_at_size(
    org_id: int,
    cycle: Cycle,
    *,
    teams: list[int] | None = None,
    node_id: int | None = None,
    page: str | None = None,
) -> AlignmentAtSize:
    """A page of the cycle's top objectives (supporting nothing in it; with ``teams``, nothing
    in those teams) with ``DEPTH`` levels of what supports them, or ``node_id`` alone with its.

    A fixed number of queries: the count, the page (two), what the page's objectives support,
    and one a level.
    """
    scope = _in_scope(Objective.objects.filter(organization_id=org_id, cycle=cycle), "", teams)
    total = scope.count()
    if node_id is not None:
        roots = scope.filter(pk=node_id)
    else:
        above = _in_scope(
            Alignment.objects.filter(child_id=OuterRef("pk"), parent__cycle_id=cycle.pk),
            "parent__",
            teams,
        )
        roots = scope.exclude(Exists(above))
    listed = (
        roots.annotate(n=_supporters("pk", cycle.pk, teams))
        .order_by("status", "position", "id")
        .values_list(*_FIELDS, "n")
    )
    shown_page = Paginator(listed, ROOTS_PER_PAGE).get_page(page)
    top = [_aligned(row) for row in shown_page.object_list]
    by_id = {o.id: o for o in top}
    parents = (
        Alignment.objects.filter(child_id__in=[o.id for o in top])
        .order_by("child_id", "parent__position", "parent_id")
        .values_list("child_id", *(f"parent__{f}" for f in _FIELDS))
    )
    for child_id, *rest in parents:
        by_id[child_id].supports.append(_aligned([*rest, 0]))
    shown = _walk(top, cycle.pk, teams)
    return AlignmentAtSize(cycle, shown_page, top, total, shown)


def unaligned_at_size(
    org_id: int, cycle: Cycle, *, teams: list[int] | None = None, page: str | None = None
) -> Page[AlignedObjective]:
    """A page of the cycle's team and personal objectives (with ``teams``, those teams') that
    support no objective of any cycle, by team and position, counted in the same query.

    A company objective (of a team without a parent) is the top and needs no parent, as on the
    page of a small cycle and in the coach's rule.
    """
    found = (
        _in_scope(Objective.objects.filter(organization_id=org_id, cycle=cycle), "", teams)
        .filter(Q(owner_team__isnull=True) | Q(owner_team__parent__isnull=False))
        .exclude(Exists(Alignment.objects.filter(child_id=OuterRef("pk"))))
        .annotate(n=Value(0))
        .order_by(F("owner_team__name").asc(nulls_last=True), "owner_person_id", "position", "id")
        .values_list(*_FIELDS, "n")
    )
    shown = counted_page(found, page, UNALIGNED_PER_PAGE)
    shown.object_list = [_aligned(row) for row in shown.object_list]
    return shown


@dataclass
class MoreSupporters:
    """A batch of what supports an objective, loaded by its "N more"."""

    parent_id: int
    rows: list[AlignedObjective]
    offset: int  # of the first row among the objective's supporters
    total: int

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.rows)

    @property
    def left(self) -> int:
        return self.total - self.next_offset


def more_supporters(
    org_id: int, cycle: Cycle, parent_id: int, *, teams: list[int] | None, offset: int
) -> MoreSupporters:
    """The supporting objectives of ``parent_id`` from ``offset``, ``MORE_PER_BATCH`` of them,
    with how many there are in all, in one query."""
    links = _in_scope(
        Alignment.objects.filter(
            organization_id=org_id, parent_id=parent_id, child__cycle_id=cycle.pk
        ),
        "child__",
        teams,
    )
    rows = list(
        links.annotate(total=Window(Count("pk")), n=_supporters("child_id", cycle.pk, teams))
        .order_by("child__status", "child__position", "child_id")
        .values_list(*(f"child__{f}" for f in _FIELDS), "n", "total")[
            offset : offset + MORE_PER_BATCH
        ]
    )
    total = rows[0][-1] if rows else offset
    return MoreSupporters(parent_id, [_aligned(r[:-1]) for r in rows], offset, total)
