"""Every list endpoint loads its page in a fixed number of queries, whatever the data size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Benchmark, Measurement
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective
from headway.orgs.models import ApiToken, Membership, Team, TeamMember, User
from headway.orgs.services import create_token
from tests.factories import make_kpi

# (path, queries): the token lookup and its last-used update are part of every request.
LIST_ENDPOINTS = {
    "/teams": 4,
    "/people": 4,
    "/cycles": 3,
    "/objectives": 5,
    "/key-results": 3,
    "/check-ins": 3,
    "/kpis": 3,
    "/kpis/{kpi}/measurements": 4,
    "/kpis/{kpi}/benchmarks": 4,
    "/key-results/{kr}/check-ins": 4,
    "/tokens": 3,
}


def populate(world, n: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    org = world.org
    users = User.objects.bulk_create(User(username=f"user{i}") for i in range(n))
    people = Membership.objects.bulk_create(Membership(organization=org, user=u) for u in users)
    teams = Team.objects.bulk_create(
        Team(organization=org, name=f"Team {i}", slug=f"team-{i}", parent=world.company)
        for i in range(n)
    )
    TeamMember.objects.bulk_create(
        TeamMember(organization=org, team=t, membership=p, is_lead=True)
        for t, p in zip(teams, people, strict=True)
    )
    cycles = Cycle.objects.bulk_create(
        Cycle(
            organization=org,
            name=f"Old {i}",
            start=dt.date(2000 + i % 20, 1, 1) + dt.timedelta(i),
            end=dt.date(2000 + i % 20, 3, 31) + dt.timedelta(i),
        )
        for i in range(n)
    )
    objectives = Objective.objects.bulk_create(
        Objective(organization=org, cycle=cycles[i], title=f"Objective {i}", owner_team=teams[i])
        for i in range(n)
    )
    Alignment.objects.bulk_create(
        Alignment(organization=org, child=objectives[i], parent=objectives[0]) for i in range(1, n)
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            organization=org, objective=o, title=f"KR {i}", start=0, target=10, owner=people[i]
        )
        for i, o in enumerate(objectives)
    )
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    CheckIn.objects.bulk_create(
        CheckIn(
            organization=org,
            key_result=krs[0],
            value=i,
            confidence=5,
            author=people[0],
            created_at=now - dt.timedelta(hours=i),
        )
        for i in range(n)
    )
    kpis = [make_kpi(org, f"kpi-{i}") for i in range(n)]
    Measurement.objects.bulk_create(
        Measurement(
            organization=org,
            kpi=kpis[0],
            period=dt.date(2000, 1, 1) + dt.timedelta(i),
            value=Decimal(i),
            recorded_at=now,
        )
        for i in range(n)
    )
    Benchmark.objects.bulk_create(
        Benchmark(organization=org, kpi=kpis[0], name=f"Competitor {i}", value=i) for i in range(n)
    )
    for i in range(n):
        create_token(membership=world.alice, name=f"token {i}")
    return {"kpi": kpis[0].pk, "kr": krs[0].pk}


def count_queries(client, path: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 10
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [10, 200])
def test_list_endpoint_query_counts_are_pinned(world, api_as, size):
    ids = populate(world, size)
    client = api_as(world.alice)
    client.get("/people/me")  # the token's first use records last_used_at; later ones do not

    counts = {path: count_queries(client, path.format(**ids)) for path in LIST_ENDPOINTS}

    assert counts == LIST_ENDPOINTS
    assert ApiToken.objects.filter(membership=world.alice).count() == size + 1
