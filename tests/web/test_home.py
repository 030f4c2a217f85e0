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
    # session, user, membership, cycle, roll-ups, my KRs, my teams, team tree, objectives per
    # team, objectives with their parents and key results, KPIs and their recent measurements,
    # the switcher.
    assert _home_queries(client, world, 10) == 15


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_query_count_does_not_grow_with_data(world, client):
    assert _home_queries(client, world, 200) == 15


def _company_with_departments(world, departments: int, first: int = 0) -> list:
    """The company team holds alice; ``departments`` teams below it, 3 objectives each."""
    from headway.orgs.models import Team, TeamMember

    if not first:
        TeamMember.objects.create(
            organization=world.org, team=world.company, membership=world.alice
        )
        make_objective(world.cycle, team=world.company, title="Company objective")
    teams = [
        Team.objects.create(
            organization=world.org, name=f"Dept {i:03}", slug=f"dept-{i:03}", parent=world.company
        )
        for i in range(first, first + departments)
    ]
    for team in teams:
        for n in range(3):
            make_objective(world.cycle, team=team, title=f"{team.name} objective {n}")
    return teams


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_a_leader_of_a_large_company_sees_the_nearest_objectives_and_a_link(world, client):
    _company_with_departments(world, 40)  # 121 objectives below alice's team
    assert client.login(username="alice", password=PASSWORD)

    page = client.get("/").content.decode()

    assert "Company objective" in page
    shown = [f"Dept {i:03} objective" for i in range(40) if f"Dept {i:03} objective" in page]
    # Whole teams, in order, up to 30 objectives: the company's one and 9 departments' three.
    assert shown == [f"Dept {i:03} objective" for i in range(9)]
    assert page.count('class="objective"') == 28
    assert 'data-testid="objectives-more">93 more in the teams below, on the board' in page


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_query_count_is_the_same_for_a_large_company(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.login(username="alice", password=PASSWORD)
    counts = []
    for first, departments in ((0, 3), (3, 200)):
        _company_with_departments(world, departments, first=first)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts == [15, 15]


@time_machine.travel(dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC), tick=False)
def test_home_reads_the_roll_ups_of_the_teams_it_shows_not_all(world):
    from headway.okrs import selectors
    from headway.okrs.models import Rollup
    from headway.orgs.models import Team

    _company_with_departments(world, 40)
    Rollup.objects.filter(cycle=world.cycle).delete()
    Rollup.objects.bulk_create(
        Rollup(organization=world.org, cycle=world.cycle, team=team, progress=0.5)
        for team in [None, *Team.objects.filter(organization=world.org)]
    )

    data = selectors.home(world.org, world.alice.pk)

    shown = {o.owner_team_id for o in data.team_objectives}
    assert len(shown) == 10  # the company and the 9 departments whose objectives fit
    # Those teams' roll-ups (and of the levels' teams without objectives), not all 40 and more.
    assert shown <= set(data.team_progress)
    assert len(data.team_progress) < 15 < Team.objects.filter(organization=world.org).count()
    assert data.organization_progress == 0.5
