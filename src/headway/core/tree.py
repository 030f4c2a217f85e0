"""Walking trees and DAGs given as (parent, child) edges: team trees, objective alignment."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def descendants(edges: Iterable[tuple[K, K]], roots: Iterable[K]) -> set[K]:
    """Every node reachable from ``roots`` along parent -> child edges, roots excluded.

    Cycles are tolerated (each node is visited once), so a corrupt graph cannot hang a page.
    """
    children: dict[K, list[K]] = {}
    for parent, child in edges:
        children.setdefault(parent, []).append(child)
    found: set[K] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
