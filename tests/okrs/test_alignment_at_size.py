"""The alignment page of a large cycle: a page of top objectives a few levels deep, the rest on
demand ("N more", htmx), a team filter, and a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.okrs import alignment_tree
from headway.okrs.models import Alignment, Objective
from headway.okrs.views import board
from headway.orgs.models import Team
from tests.factories import World, make_objective


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """At size from 3 objectives: 2 top objectives a page, 1 level, 2 supporters shown."""
    monkeypatch.setattr(board, "LAZY_ALIGNMENT_OBJECTIVES", 3)
    monkeypatch.setattr(alignment_tree, "ROOTS_PER_PAGE", 2)
    monkeypatch.setattr(alignment_tree, "DEPTH", 1)
    monkeypatch.setattr(alignment_tree, "WIDTH", 2)
    monkeypatch.setattr(alignment_tree, "MORE_PER_BATCH", 2)


def support(world: World, child: Objective, parent: Objective) -> None:
    Alignment.objects.create(organization=world.org, child=child, parent=parent)


def tree(world: World, n: int) -> dict[str, Objective]:
    """Three company objectives; the first supported by ``n`` growth objectives, the first of
    those by one more."""
    made = {
        f"C{i}": make_objective(world.cycle, team=world.company, title=f"Company {i}", position=i)
        for i in range(3)
    }
    for i in range(n):
        made[f"T{i}"] = make_objective(
            world.cycle, team=world.growth, title=f"Growth {i}", position=i
        )
        support(world, made[f"T{i}"], made["C0"])
    made["G"] = make_objective(world.cycle, team=world.growth, title="Grandchild")
    support(world, made["G"], made["T0"])
    return made


def test_at_size_shows_a_page_of_top_objectives_a_level_deep(world, client_for, small_limits):
    made = tree(world, 4)

    page = client_for("vic").get("/okrs/alignment/").content.decode()

    assert 'data-testid="alignment-tree"' in page
    assert "Every objective" not in page  # the whole list is left out at size
    assert "Showing 4 of 8 objectives in 2026-Q4" in page
    assert "Page 1 of 2" in page and "page=2" in page
    assert "Company 0" in page and "Company 1" in page and "Company 2" not in page
    # Two of the four supporters, then "2 more"; the grandchild behind its parent's opener.
    assert "Growth 0" in page and "Growth 1" in page and "Growth 2" not in page
    assert f'data-testid="more-{made["C0"].pk}"' in page and "2 more supporting" in page
    assert "Grandchild" not in page
    assert f'data-testid="open-{made["T0"].pk}"' in page and "1 supporting objective" in page

    second = client_for("vic").get("/okrs/alignment/?page=2").content.decode()
    assert "Company 2" in second and "Page 2 of 2" in second


def test_more_loads_the_next_batch_of_supporters(world, client_for, small_limits):
    made = tree(world, 5)
    client = client_for("vic", headers={"HX-Request": "true"})

    first = client.get(f"/okrs/alignment/?node={made['C0'].pk}&offset=2").content.decode()
    last = client.get(f"/okrs/alignment/?node={made['C0'].pk}&offset=4").content.decode()

    assert "<html" not in first
    assert "Growth 2" in first and "Growth 3" in first and "Growth 1" not in first
    assert "1 more" in first and "offset=4" in first
    assert "Growth 4" in last and "more" not in last


def test_an_objective_opens_on_its_own_page_without_javascript(world, client_for, small_limits):
    made = tree(world, 3)

    page = client_for("vic").get(f"/okrs/alignment/?node={made['T0'].pk}").content.decode()

    assert "Grandchild" in page and "Supports: " in page and "Company 0" in page
    assert "Showing 2 of 7 objectives" in page


def test_team_filter_shows_the_subtree_and_what_it_supports(world, client_for, small_limits):
    tree(world, 3)
    client = client_for("vic")

    page = client.get(f"/okrs/alignment/?team={world.growth.pk}").content.decode()

    assert "of Growth and the teams below it" in page
    assert "Showing 3 of 4 objectives" in page  # G below Growth 0; Growth 2 on page 2
    # The growth objectives at the top, with the company objective they support.
    tree_html = page[page.index('data-testid="alignment-tree"') :]
    assert "Growth 0" in tree_html and "Supports: " in tree_html and "Company 0" in tree_html
    assert 'data-testid="aligned-' in tree_html and "Company 1" not in tree_html


def test_at_size_lists_what_is_aligned_to_nothing_a_page_at_a_time(
    world, client_for, small_limits, monkeypatch
):
    monkeypatch.setattr(alignment_tree, "UNALIGNED_PER_PAGE", 2)
    tree(world, 3)
    for title in ("Loose growth A", "Loose growth B"):
        make_objective(world.cycle, team=world.growth, title=title)
    make_objective(world.cycle, person=world.mo, title="Loose personal")
    elsewhere = make_objective(world.cycle, team=world.growth, title="Supports last quarter's")
    last_quarter = make_objective(world.other_cycle, team=world.company, title="Old")
    Alignment.objects.create(organization=world.org, child=elsewhere, parent=last_quarter)
    client = client_for("vic")

    first = client.get("/okrs/alignment/").content.decode()
    second = client.get("/okrs/alignment/?unaligned=2").content.decode()
    growth = client.get(f"/okrs/alignment/?team={world.growth.pk}").content.decode()

    listed = first[first.index('data-testid="unaligned"') :]
    assert "3 aligned to nothing" in first and "Aligned to nothing · 3" in first
    # By team, then personal: company objectives (the top) and aligned ones are never listed.
    assert "Loose growth A" in listed and "Loose growth B" in listed
    assert "Loose personal" not in listed and 'data-testid="unaligned-pager"' in listed
    assert "Company 1" not in listed and "Growth 0" not in listed
    assert "Supports last quarter" not in listed
    assert "Loose personal" in second[second.index('data-testid="unaligned"') :]
    assert "Showing 3\u20133 of 3" in second
    # Paging one list keeps the other where it was.
    both = client.get("/okrs/alignment/?page=2&unaligned=2").content.decode()
    assert "unaligned=2" in both[: both.index('data-testid="unaligned"')]  # the tree's pager
    assert "page=2" in both[both.index('data-testid="unaligned"') :]  # the unaligned one's
    # Filtered by a team: that subtree's only (the personal objective has no team).
    assert "Aligned to nothing · 2" in growth and "of Growth and the teams below it" in growth


def test_bad_input_is_not_a_server_error(world, client_for, small_limits):
    made = tree(world, 3)
    other = Team.objects.create(organization=world.other_org, name="Theirs", slug="theirs")
    client = client_for("vic")

    assert client.get("/okrs/alignment/?page=zz").status_code == 200
    assert client.get("/okrs/alignment/?unaligned=-1&page=99999999999999999999").status_code == 200
    bad_team = client.get(f"/okrs/alignment/?team={other.pk}")
    assert bad_team.status_code == 200
    assert 'class="field-error"' in bad_team.content.decode()
    assert client.get("/okrs/alignment/?node=x").status_code == 404
    theirs = make_objective(world.other_cycle, team=world.other_team, title="Not yours")
    assert client.get(f"/okrs/alignment/?node={theirs.pk}").status_code == 404
    hx = client_for("vic", headers={"HX-Request": "true"})
    assert hx.get(f"/okrs/alignment/?node={made['C0'].pk}&offset=-3").status_code == 200
    assert "Not yours" not in hx.get(f"/okrs/alignment/?node={theirs.pk}").content.decode()


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url", ["/okrs/alignment/", "/okrs/alignment/?team={team}", "/okrs/alignment/?node={node}"]
)
def test_queries_do_not_grow_with_the_cycle(world, client_for, monkeypatch, url):
    monkeypatch.setattr(board, "LAZY_ALIGNMENT_OBJECTIVES", 3)
    client = client_for("vic")
    made = tree(world, 3)
    few = _queries(client, url.format(team=world.growth.pk, node=made["C0"].pk))
    for i in range(30):
        extra = make_objective(world.cycle, team=world.growth, title=f"More {i}")
        support(world, extra, made[f"T{i % 3}"])
        support(world, make_objective(world.cycle, team=world.company, title=f"Top {i}"), extra)
        make_objective(world.cycle, team=world.growth, title=f"Loose {i}")
    many = _queries(client, url.format(team=world.growth.pk, node=made["C0"].pk))
    assert few == many
