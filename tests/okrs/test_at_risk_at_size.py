"""The at-risk page at size: counted by department, a page of objectives at a time, a team
filter over the top of a large tree, and the same queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.okrs import at_risk as reads
from headway.okrs.at_risk import at_risk, at_risk_page
from headway.okrs.models import Cycle, KeyResult
from headway.okrs.selectors import team_tree
from headway.okrs.views import rhythm
from headway.orgs.models import Team
from tests.conftest import NOW
from tests.factories import World, make_objective

pytestmark = pytest.mark.usefixtures("frozen")


def _behind(world: World, n: int, team: Team | None = None, *, start: int = 0) -> None:
    """``n`` objectives of ``team`` (default Growth) off track, each with one key result off
    track, and as many of lena's personal objectives at 0."""
    for i in range(start, start + n):
        objective = make_objective(
            world.cycle, team=team or world.growth, title=f"Behind {i}", progress=0.1
        )
        KeyResult.objects.create(
            organization=world.org,
            objective=objective,
            title=f"KR {i}",
            start=Decimal(0),
            target=Decimal(10),
            owner=world.mo,
            progress=0.1,
            current=Decimal(1),
        )
        make_objective(world.cycle, person=world.lena, title=f"Mine {i}")


def _cycle(world: World) -> Cycle:
    return Cycle.objects.select_related("organization").get(pk=world.cycle.pk)


def _titles(data: reads.AtRiskPage) -> list[str]:
    return [str(e.objective.title) for g in data.groups for e in g.objectives]


def test_pages_keep_the_order_of_the_whole_list(world: World) -> None:
    _behind(world, 4)
    whole = [e.objective.title for g in at_risk(world.org.pk, _cycle(world), NOW).groups
             for e in g.objectives]  # fmt: skip
    tree = team_tree(world.org.pk)
    pages = [
        at_risk_page(world.org.pk, _cycle(world), NOW, tree=tree, page=n, per_page=3)
        for n in (1, 2, 3)
    ]
    assert [t for p in pages for t in _titles(p)] == whole
    first = pages[0]
    assert first.objective_count == 8 and first.page.paginator.num_pages == 3
    assert first.total.off_track == 8 and first.total.key_results == 4
    assert [(d.name, d.objectives) for d in first.departments] == [
        ("Growth", 4),
        ("Personal objectives", 4),
    ]


def _queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_page_at_size(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads, "AT_RISK_PER_PAGE", 3)
    client = client_for("vic")
    _behind(world, 2)
    few, _ = _queries(client, "/okrs/at-risk/")
    _behind(world, 15, start=2)
    many, html = _queries(client, "/okrs/at-risk/")
    # The same queries whatever the number of rows (one reads the names of the people whose
    # personal objectives are listed).
    assert few == many == 10
    assert "34 objectives listed, 17 key results behind. Showing 3 of 34" in html
    assert "Page 1 of 12" in html and "page=2" in html
    assert 'data-testid="at-risk-departments"' in html
    assert html.count('class="objective-row"') == 3
    last = client.get("/okrs/at-risk/?page=12").content.decode()
    assert "Page 12 of 12" in last and "Mine" in last and "Behind 1" not in last
    # A bad page is the first, not an error; a page past the end the last.
    assert "Page 1 of 12" in client.get("/okrs/at-risk/?page=nope").content.decode()
    assert "Page 12 of 12" in client.get("/okrs/at-risk/?page=99").content.decode()


def test_team_filter_at_size(
    world: World, client_for: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reads, "AT_RISK_PER_PAGE", 3)
    monkeypatch.setattr(rhythm, "TEAM_CHOICES_LIMIT", 2)
    squad = Team.objects.create(
        organization=world.org, name="Squad", slug="squad", parent=world.growth
    )
    deep = Team.objects.create(organization=world.org, name="Deep", slug="deep", parent=squad)
    _behind(world, 4, deep)
    client = client_for("vic")
    html = client.get("/okrs/at-risk/").content.decode()
    # The list offers the top of the tree; the department's row leads to its part.
    assert f'value="{deep.pk}"' not in html and f'value="{world.growth.pk}"' in html
    assert f"team={world.growth.pk}" in html
    filtered = client.get(f"/okrs/at-risk/?team={deep.pk}").content.decode()
    assert f'value="{deep.pk}" selected' in filtered
    assert "4 objectives listed" in filtered and "Showing 3 of 4" in filtered
    assert "team=" in filtered.split('rel="next"')[0].rsplit("href=", 1)[1]
