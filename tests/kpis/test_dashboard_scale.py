"""The KPI dashboard and home's watch list with more KPIs than a page.

The dashboard counts and filters every KPI in SQL by its stored health and reads history only for
the page it shows; home lists the worst few KPIs and links to the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Kpi, Measurement
from headway.kpis.views import DASHBOARD_PAGE
from headway.orgs.models import Team
from headway.web.views import WATCH_SHOWN
from tests.conftest import NOW
from tests.factories import World, login, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")


def _kpis(world: World, team: Team | None, count: int, health: str, prefix: str) -> list[Kpi]:
    """``count`` KPIs with a stored health and a year of monthly values each."""
    kpis = [
        make_kpi(world.org, f"{prefix}-{i:03d}", name=f"{prefix} {i:03d}", owner_team=team)
        for i in range(count)
    ]
    Kpi.objects.filter(pk__in=[k.pk for k in kpis]).update(health=health)
    Measurement.objects.bulk_create(
        Measurement(
            organization_id=world.org.pk,
            kpi=kpi,
            period=dt.date(2025 + (m + 10) // 12, (m + 10) % 12 + 1, 1),
            value=Decimal(m),
            recorded_at=NOW,
        )
        for kpi in kpis
        for m in range(13)
    )
    return kpis


def _names(content: str) -> list[str]:
    return re.findall(r'<h3 id="kpi-\d+-name"><a href="/kpis/\d+/">([^<]+)</a>', content)


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.content.decode())


@pytest.fixture
def many(world: World) -> list[Kpi]:
    """70 KPIs: 40 red in Growth (the tree's second team), 30 green in Acme (its root)."""
    return _kpis(world, world.growth, 40, "red", "Growth") + _kpis(
        world, world.company, 30, "green", "Acme"
    )


def test_pages_show_different_kpis_in_tree_order_and_the_summary_counts_all(
    client: Client, world: World, many: list[Kpi]
) -> None:
    login(client, world.vic)
    first, second = _get(client, "/kpis/"), _get(client, "/kpis/?page=2")

    shown = _names(first) + _names(second)
    assert len(_names(first)) == DASHBOARD_PAGE and len(_names(second)) == 70 - DASHBOARD_PAGE
    assert sorted(shown) == sorted(k.name for k in many)  # every KPI once
    # The team tree's order (Acme, then Growth), then names; Growth spans both pages.
    assert shown == [f"Acme {i:03d}" for i in range(30)] + [f"Growth {i:03d}" for i in range(40)]
    assert ">Growth</a></h2>" in first and ">Growth</a></h2>" in second
    for content in (first, second):
        assert '<a class="badge health-red" href="?health=red">40 critical</a>' in content
        assert '<a class="badge health-green" href="?health=green">30 healthy</a>' in content
    assert "KPIs 1\u201350 of 70 · page 1 of 2" in first and 'href="?page=2"' in first
    assert "KPIs 51\u201370 of 70 · page 2 of 2" in second and 'href="?page=1"' in second
    # The cards read the stored health and the page's history.
    assert "edge-red" in second and "edge-green" not in second
    assert '<span class="value">12</span>' in first and "Nov 2026" in first


def test_filters_survive_paging(client: Client, world: World, many: list[Kpi]) -> None:
    _kpis(world, world.growth, 30, "green", "Greener")
    login(client, world.vic)

    red = _get(client, "/kpis/?health=red")
    assert 'href="?health=red&amp;page=2"' not in red  # 40 red KPIs fit on one page
    green = _get(client, f"/kpis/?team={world.growth.pk}&health=green")
    assert f'href="?team={world.growth.pk}&amp;health=green&amp;page=2"' not in green
    growth = _get(client, f"/kpis/?team={world.growth.pk}")
    assert f'href="?team={world.growth.pk}&amp;page=2"' in growth
    second = _get(client, f"/kpis/?team={world.growth.pk}&page=2")
    names = _names(growth) + _names(second)
    assert len(names) == 70 and not any(name.startswith("Acme") for name in names)
    # The summary counts the chosen team's KPIs, whatever the status filter.
    assert "40 critical" in second and "30 healthy" in second
    greens = _get(client, "/kpis/?health=green&page=2")
    assert 'href="?health=green&amp;page=1"' in greens
    assert all(not name.startswith("Growth") for name in _names(greens))
    both = _names(_get(client, "/kpis/?health=green")) + _names(greens)
    assert sorted(both) == sorted(
        [f"Acme {i:03d}" for i in range(30)] + [f"Greener {i:03d}" for i in range(30)]
    )


def test_a_bad_page_number_shows_the_first_or_the_last_page(
    client: Client, world: World, many: list[Kpi]
) -> None:
    login(client, world.vic)
    first, last = _names(_get(client, "/kpis/")), _names(_get(client, "/kpis/?page=2"))

    assert _names(_get(client, "/kpis/?page=abc")) == first
    assert _names(_get(client, "/kpis/?page=99")) == last
    assert _names(_get(client, "/kpis/?page=0")) == last


def test_a_small_organization_gets_one_page_without_links(client: Client, world: World) -> None:
    _kpis(world, world.growth, 3, "amber", "Few")
    content = _get(login(client, world.vic), "/kpis/")

    assert len(_names(content)) == 3 and 'data-testid="kpi-pager"' not in content


def test_another_organizations_kpis_are_neither_listed_nor_counted(
    client: Client, world: World, many: list[Kpi]
) -> None:
    theirs = make_kpi(world.other_org, "theirs", name="Theirs", owner_team=world.other_team)
    Kpi.objects.filter(pk=theirs.pk).update(health="red")
    login(client, world.vic)

    pages = _get(client, "/kpis/") + _get(client, "/kpis/?page=2")
    assert "Theirs" not in pages and "40 critical" in pages
    assert "Theirs" not in _get(client, f"/kpis/?team={world.other_team.pk}")


def _dashboard_queries(client: Client, world: World, size: int, url: str) -> int:
    _kpis(world, world.growth, size, "red", "Growth")
    _kpis(world, None, size, "amber", "Loose")
    login(client, world.lena)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [3, 120])
@pytest.mark.parametrize("url", ["/kpis/", "/kpis/?page=2", "/kpis/?health=amber&page=2"])
def test_dashboard_queries_do_not_grow_with_the_kpis(
    client: Client, world: World, size: int, url: str
) -> None:
    # session, user, membership; the team tree; the counts; the page's KPIs, values, benchmarks.
    assert _dashboard_queries(client, world, size, url) == 8


def _home(client: Client, world: World, size: int) -> tuple[str, int]:
    _kpis(world, world.growth, size, "amber", "Amber")
    _kpis(world, world.growth, size, "red", "Red")
    _kpis(world, world.growth, size, "green", "Fine")
    login(client, world.mo)
    with CaptureQueriesContext(connection) as captured:
        content = _get(client, "/")
    return content, len(captured.captured_queries)


def test_home_lists_the_worst_kpis_and_links_to_the_rest(client: Client, world: World) -> None:
    content, _ = _home(client, world, 8)

    watch = content[content.index('data-testid="kpi-watch"') :]
    names = re.findall(r'<a href="/kpis/\d+/">([^<]+)</a>', watch)
    assert names == [f"Red {i:03d}" for i in range(8)] + ["Amber 000", "Amber 001"]
    assert len(names) == WATCH_SHOWN and "Fine" not in watch
    assert "6 more on the KPI dashboard" in watch and "<small>12</small>" in watch


@pytest.mark.parametrize("size", [2, 100])
def test_home_queries_do_not_grow_with_the_kpis(client: Client, world: World, size: int) -> None:
    # tests/web/test_home.py pins 15 with objectives; without them the objectives and their key
    # results are not read (the count per team still is). The KPIs to watch are counted, then the
    # first few read.
    assert _home(client, world, size)[1] == 13
