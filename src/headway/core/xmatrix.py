"""Checks on an X-Matrix, from plain data (no Django).

The four lists of an X-Matrix are joined by correlation marks in its four corners. A matrix says
something useful only when every long-term aim is carried by this year's objectives, every
improvement priority serves one of those objectives, every metric has someone answering for it,
and nobody is the primary owner of too much. ``check`` finds where that is not so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

BREAKTHROUGH = "breakthrough"
ANNUAL = "annual"
PRIORITY = "priority"
METRIC = "metric"
PRIMARY = "primary"

# More primary responsibilities than this and an owner is overloaded.
MAX_PRIMARY_RESPONSIBILITIES = 3

# The four corners: (row kind, column kind). A correlation is stored with the row first.
CORNERS: tuple[tuple[str, str], ...] = (
    (BREAKTHROUGH, ANNUAL),
    (ANNUAL, PRIORITY),
    (PRIORITY, METRIC),
    (METRIC, BREAKTHROUGH),
)


@dataclass(frozen=True)
class Item:
    id: int
    kind: str
    title: str
    owner_id: int | None = None  # metrics: the person answering for it


@dataclass(frozen=True)
class Link:
    """A correlation mark between two items (any order)."""

    row_id: int
    column_id: int
    strength: str


@dataclass(frozen=True)
class Duty:
    """A resource's responsibility for an improvement priority."""

    priority_id: int
    resource_id: int
    responsibility: str


@dataclass(frozen=True)
class Resource:
    id: int
    name: str


@dataclass(frozen=True)
class Finding:
    """One problem, about one item (or one resource, for an overloaded owner)."""

    code: str
    subject_id: int  # the item's id, or the resource's for an overloaded owner
    subject: str  # its title or name
    message: str

    @property
    def id(self) -> str:
        """Stable across runs: "unsupported-breakthrough:12"."""
        return f"{self.code}:{self.subject_id}"


def corner_of(row_kind: str, column_kind: str) -> tuple[str, str] | None:
    """The corner (in stored order) that a pair of kinds belongs to, or None."""
    if (row_kind, column_kind) in CORNERS:
        return (row_kind, column_kind)
    if (column_kind, row_kind) in CORNERS:
        return (column_kind, row_kind)
    return None


def _linked(items: dict[int, Item], links: Iterable[Link], kind: str, other: str) -> set[int]:
    """Ids of ``kind`` items with at least one mark against an ``other`` item."""
    found: set[int] = set()
    for link in links:
        a, b = items.get(link.row_id), items.get(link.column_id)
        if a is None or b is None or not link.strength:
            continue
        for one, two in ((a, b), (b, a)):
            if one.kind == kind and two.kind == other:
                found.add(one.id)
    return found


def check(
    items: Iterable[Item],
    correlations: Iterable[Link],
    assignments: Iterable[Duty],
    resources: Iterable[Resource] = (),
) -> list[Finding]:
    """Every finding, in the order: unsupported breakthroughs, orphan priorities, metrics without
    an owner, overloaded owners; each group in the order the items were given."""
    by_id = {item.id: item for item in items}
    links = list(correlations)
    findings: list[Finding] = []

    supported = _linked(by_id, links, BREAKTHROUGH, ANNUAL)
    for item in by_id.values():
        if item.kind == BREAKTHROUGH and item.id not in supported:
            findings.append(
                Finding(
                    code="unsupported-breakthrough",
                    subject_id=item.id,
                    subject=item.title,
                    message=(
                        f"No annual objective supports “{item.title}”, so nothing this year "
                        "moves it forward. Mark the annual objectives that serve it, or add one."
                    ),
                )
            )

    served = _linked(by_id, links, PRIORITY, ANNUAL)
    for item in by_id.values():
        if item.kind == PRIORITY and item.id not in served:
            findings.append(
                Finding(
                    code="orphan-priority",
                    subject_id=item.id,
                    subject=item.title,
                    message=(
                        f"The priority “{item.title}” serves no annual objective, so its effort "
                        "may be wasted. Mark the objective it serves, or drop it."
                    ),
                )
            )

    for item in by_id.values():
        if item.kind == METRIC and item.owner_id is None:
            findings.append(
                Finding(
                    code="metric-without-owner",
                    subject_id=item.id,
                    subject=item.title,
                    message=(
                        f"Nobody owns the metric “{item.title}”, so nobody will act when it "
                        "drifts. Give it an owner."
                    ),
                )
            )

    names = {resource.id: resource.name for resource in resources}
    primaries = Counter(
        duty.resource_id
        for duty in assignments
        if duty.responsibility == PRIMARY and duty.priority_id in by_id
    )
    order = list(names) + sorted(set(primaries) - set(names))
    for resource_id in order:
        count = primaries.get(resource_id, 0)
        if count > MAX_PRIMARY_RESPONSIBILITIES:
            name = names.get(resource_id, f"Resource {resource_id}")
            findings.append(
                Finding(
                    code="overloaded-owner",
                    subject_id=resource_id,
                    subject=name,
                    message=(
                        f"{name} is the primary owner of {count} priorities (more than "
                        f"{MAX_PRIMARY_RESPONSIBILITIES}), so some will stall. Hand some to "
                        "others or make them secondary."
                    ),
                )
            )
    return findings
