"""The team tree a process keeps: reused while the teams are the same, built again on any change."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.okrs import selectors
from headway.orgs.models import Organization, Team
from tests.factories import World


def _shape(tree: list[selectors.TeamNode]) -> list[tuple[str, int, tuple[str, ...], bool]]:
    return [(n.team.slug, n.depth, n.path, n.team.okrs_enabled) for n in tree]


def test_an_unchanged_tree_is_reused_in_one_query(world: World) -> None:
    first = selectors.team_tree(world.org.pk)
    with CaptureQueriesContext(connection) as queries:
        again = selectors.team_tree(world.org.pk)

    assert len(queries.captured_queries) == 1
    assert again == first and again is not first  # a list of its own for each caller
    assert all(a is b for a, b in zip(again, first, strict=True))  # the same nodes
    with pytest.raises(dataclasses.FrozenInstanceError):
        again[0].depth = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    ["rename", "move", "add", "delete", "switch off", "reslug"],
)
def test_any_change_to_a_team_builds_the_tree_again(world: World, change: str) -> None:
    before = _shape(selectors.team_tree(world.org.pk))
    teams = Team.objects.filter(pk=world.growth.pk)
    # Straight to the database, as an import or a restore might: no service, no signal.
    if change == "rename":
        teams.update(name="Zz Growth")
    elif change == "move":
        sales = Team.objects.create(organization=world.org, name="Sales", slug="sales")
        before = _shape(selectors.team_tree(world.org.pk))  # Sales kept in the tree, then:
        teams.update(parent=sales)
    elif change == "add":
        Team.objects.create(organization=world.org, name="New", slug="new", parent=world.growth)
    elif change == "delete":
        teams.delete()
    elif change == "switch off":
        teams.update(okrs_enabled=False)
    else:
        teams.update(slug="growth-2")

    after = _shape(selectors.team_tree(world.org.pk))
    selectors._TREES.clear()  # nothing kept: the tree built from scratch
    fresh = _shape(selectors.team_tree(world.org.pk))
    assert after != before
    assert after == fresh


def test_the_process_keeps_the_latest_organizations_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "_TREES", type(selectors._TREES)())
    monkeypatch.setattr(selectors, "KEPT_TREES", 2)
    others = [Organization.objects.create(name=f"Org {i}", slug=f"org-{i}") for i in range(2)]
    for org in (world.org, *others):
        Team.objects.create(organization=org, name="Top", slug="top")
        selectors.team_tree(org.pk)

    assert list(selectors._TREES) == [others[0].pk, others[1].pk]
