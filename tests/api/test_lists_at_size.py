"""API lists at size: a count that reads a bounded number of rows, orders that an index serves,
and pages that neither repeat nor skip an item."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import headway.api.types
from headway.kpis import selectors as kpi_selectors
from headway.kpis.models import Kpi
from headway.okrs import selectors
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.api.test_query_counts import LIST_ENDPOINTS, populate

CAP = 5
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(headway.api.types, "COUNT_LIMIT", CAP)


def _checkins(world, n: int) -> KeyResult:  # type: ignore[no-untyped-def]
    objective = Objective.objects.create(
        organization=world.org, cycle=world.cycle, title="O", owner_team=world.growth
    )
    kr = KeyResult.objects.create(
        organization=world.org, objective=objective, title="KR", start=0, target=10
    )
    CheckIn.objects.bulk_create(
        CheckIn(organization=world.org, key_result=kr, value=i, confidence=5, created_at=NOW)
        for i in range(n)
    )
    return kr


@pytest.mark.parametrize(("rows", "count"), [(0, 0), (CAP, CAP), (CAP + 1, None), (40, None)])
def test_count_is_exact_up_to_the_cap_and_null_beyond(world, api_as, small_cap, rows, count):
    kr = _checkins(world, rows)
    client = api_as(world.alice)

    for path in [
        "/check-ins?",
        f"/check-ins?key_result_id={kr.pk}&",
        f"/key-results/{kr.pk}/check-ins?",
    ]:
        body = client.get(f"{path}limit=2").json()
        assert body["count"] == count, path
        assert len(body["items"]) == min(rows, 2)


def test_count_reads_at_most_the_cap_and_one_row_unsorted(world, api_as, small_cap):
    _checkins(world, 40)
    client = api_as(world.alice)

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/check-ins").json()["count"] is None

    (counted,) = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"]]
    assert f"LIMIT {CAP + 1}" in counted
    assert "ORDER BY" not in counted


def test_query_counts_stay_pinned_past_the_cap(world, api_as, monkeypatch):
    # 200 rows of everything, a cap of 50: every count is null, the query counts are unchanged.
    monkeypatch.setattr(headway.api.types, "COUNT_LIMIT", 50)
    ids = populate(world, 200)
    client = api_as(world.alice)
    client.get("/people/me")  # the token's first use records last_used_at; later ones do not

    counts = {}
    for path in LIST_ENDPOINTS:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(path.format(**ids)).json()
        assert body["count"] is None, path
        counts[path] = len(captured.captured_queries)

    assert counts == LIST_ENDPOINTS


def _all_pages(client, path: str, limit: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Every item's id, read page by page as docs/api.md says: until a short page."""
    ids: list[int] = []
    offset = 0
    while True:
        page = client.get(f"{path}?limit={limit}&offset={offset}").json()["items"]
        ids += [item["id"] for item in page]
        if len(page) < limit:
            return ids
        offset += limit


def _ties(world) -> None:  # type: ignore[no-untyped-def]
    """Rows that tie on every ordering column but the id."""
    older = Cycle.objects.create(
        organization=world.org, name="2026-Q3", start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30)
    )
    objectives = Objective.objects.bulk_create(
        Objective(
            organization=world.org, cycle=cycle, title=f"O{i}", owner_team=world.growth, position=0
        )
        for i in range(7)
        for cycle in (world.cycle, older)
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(organization=world.org, objective=o, title=f"KR{i}", start=0, target=1)
        for o in objectives[:3]
        for i in range(4)
    )
    CheckIn.objects.bulk_create(
        CheckIn(organization=world.org, key_result=kr, value=1, confidence=5, created_at=NOW)
        for kr in krs
    )
    Kpi.objects.bulk_create(
        Kpi(organization=world.org, key=f"k{i}", name="Same name" if i % 2 else f"KPI {i % 3}")
        for i in range(11)
    )


@pytest.mark.parametrize(
    ("path", "ordered"),
    [
        ("/objectives", lambda o: sorted(o, key=lambda x: (x.cycle_id, x.position, x.pk))),
        ("/key-results", lambda o: sorted(o, key=lambda x: (x.objective_id, x.position, x.pk))),
        ("/check-ins", lambda o: sorted(o, key=lambda x: (x.created_at, x.pk), reverse=True)),
        ("/kpis", lambda o: sorted(o, key=lambda x: (x.name, x.pk))),
    ],
)
def test_pages_neither_repeat_nor_skip_items(world, api_as, path, ordered):
    _ties(world)
    model = {"/objectives": Objective, "/key-results": KeyResult, "/check-ins": CheckIn}
    rows = model.get(path, Kpi).objects.filter(organization=world.org)
    client = api_as(world.alice)

    for limit in (1, 3, 4):
        assert _all_pages(client, path, limit) == [row.pk for row in ordered(list(rows))]


def _plan(queryset: Any) -> str:
    with connection.cursor() as cursor:
        # A sort is then chosen only when no index gives the order.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
    return str(queryset.explain())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_list_orders_are_read_off_an_index(world):
    org = world.org.pk
    lists = {
        "objectives": selectors.objectives(org),
        "objectives of a cycle": selectors.objectives(org, cycle_id=world.cycle.pk),
        "key results": selectors.key_results(org),
        "check-ins": selectors.checkins(org),
        "KPIs": kpi_selectors.kpis(org),
    }

    plans = {name: _plan(queryset[100:200]) for name, queryset in lists.items()}

    assert {name: "Sort" in plan for name, plan in plans.items()} == dict.fromkeys(lists, False)


def test_people_list_their_teams_by_id(world, api_as):
    from headway.orgs.models import Team, TeamMember

    # Mo joins two more teams, the later one first: the ids' order is not the joining order.
    later = Team.objects.create(id=world.growth.pk + 500, organization=world.org, slug="z")
    sooner = Team.objects.create(id=world.growth.pk + 400, organization=world.org, slug="a")
    for team in (later, sooner):
        TeamMember.objects.create(organization=world.org, team=team, membership=world.mo)
    client = api_as(world.lena)
    expected = {
        person.pk: sorted(person.team_links.values_list("team_id", flat=True))
        for person in world.org.memberships.all()
    }
    assert expected[world.mo.pk] == [world.growth.pk, sooner.pk, later.pk]
    assert expected[world.vic.pk] == []

    listed = client.get("/people?limit=100").json()["items"]
    assert {p["id"]: p["team_ids"] for p in listed} == expected
    assert client.get(f"/people/{world.mo.pk}").json()["team_ids"] == expected[world.mo.pk]
    assert client.get("/people/me").json()["team_ids"] == expected[world.lena.pk]
