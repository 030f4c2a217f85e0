from __future__ import annotations

import datetime as dt

import time_machine

from headway.okrs.services import record_checkin
from tests.factories import PASSWORD, make_kr, make_objective


def test_home_requires_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_shows_my_key_results_team_objectives_and_score(world, client):
    objective = make_objective(world.cycle, team=world.growth, title="Increase user engagement")
    kr = make_kr(
        objective, "Increase 1-month retention from 20% to 40%", "20", "40", owner=world.mo
    )
    record_checkin(actor=world.mo, key_result=kr, value="30", confidence=7)
    assert client.login(username="mo", password=PASSWORD)

    page = client.get("/").content.decode()

    assert "Increase user engagement" in page
    assert "Increase 1-month retention from 20% to 40%" in page
    assert 'data-testid="org-progress">50%' in page
    assert "confidence 7/10" in page
    # 16 Nov is 51% through Q4 and progress is 0.50: on track.
    assert "On track" in page


def test_user_without_organization_is_told_so(client, db):
    from tests.factories import make_user

    make_user("newcomer")
    client.login(username="newcomer", password=PASSWORD)
    response = client.get("/")
    assert response.status_code == 403
    assert "No organization yet" in response.content.decode()


def test_health_endpoint(client, db):
    assert client.get("/health").json() == {"status": "ok"}


@time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=False)
def test_home_shows_the_demo_organization(client, db):
    from headway.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo

    load_demo(today=dt.date(2026, 11, 22))
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)

    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "2026-Q4" in page
    assert "2026-Q4 score" in page
    assert "KPIs to watch" in page
    assert "Bring new inbound leads to the website" in page
    assert "Increase user engagement" in page


def _home_queries(client, world, size: int) -> int:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from headway.kpis.models import Measurement
    from tests.factories import make_kpi

    for i in range(size):
        objective = make_objective(world.cycle, team=world.growth, title=f"Objective {i}")
        make_kr(objective, f"KR {i}", "0", "10", owner=world.mo)
        kpi = make_kpi(world.org, f"kpi-{i}", cadence="month", critical_threshold=50)
        Measurement.objects.create(
            organization=world.org,
            kpi=kpi,
            period=dt.date(2026, 10, 1),
            value=i,
            recorded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    client.login(username="mo", password=PASSWORD)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    return len(captured.captured_queries)


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_query_count_is_pinned(world, client):
    # session, user, membership, cycle, roll-ups, my KRs, my teams, team tree, objectives with
    # their parents and key results, KPIs and their recent measurements, the switcher.
    assert _home_queries(client, world, 10) == 14


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_query_count_does_not_grow_with_data(world, client):
    assert _home_queries(client, world, 200) == 14
