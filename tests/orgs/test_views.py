"""The team and people pages: the tree with leads and progress, a team, everyone, a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Measurement
from headway.okrs.services import record_checkin
from headway.orgs.models import Team, TeamMember
from tests.conftest import NOW
from tests.factories import World, login, make_kpi, make_kr, make_member, make_objective

pytestmark = pytest.mark.usefixtures("frozen")


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def okrs(world: World) -> None:
    """Growth: one objective at 50%, mo's key result with confidence 7, a red KPI; mo's own OKR."""
    objective = make_objective(world.cycle, team=world.growth, title="Increase user engagement")
    kr = make_kr(objective, "Lift 1-month retention from 20% to 40%", "20", "40", owner=world.mo)
    record_checkin(actor=world.mo, key_result=kr, value="30", confidence=7)
    personal = make_objective(world.cycle, person=world.mo, title="Run a marathon")
    make_kr(personal, "Run 42 km", "0", "42", owner=world.mo)
    cac = make_kpi(
        world.org,
        "cac",
        name="CAC",
        unit="$",
        direction="lower",
        owner=world.mo,
        owner_team=world.growth,
        critical_threshold=250,
    )
    Measurement.objects.create(
        organization=world.org,
        kpi=cac,
        period=dt.date(2026, 10, 1),
        value=Decimal("272"),
        recorded_at=NOW,
    )
    world.mo.title = "Growth marketer"
    world.mo.save()


def test_pages_need_sign_in(client: Client, world: World) -> None:
    for url in ("/teams/", f"/teams/{world.growth.pk}/", "/people/", f"/people/{world.mo.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_teams_page_shows_the_tree_with_leads_counts_and_progress(
    client: Client, world: World, okrs: None
) -> None:
    content = page(login(client, world.vic), "/teams/")

    tree = content[content.index('data-testid="team-tree"') :]
    acme, growth = tree.index(">Acme</a>"), tree.index(">Growth</a>")
    assert acme < growth
    # Growth sits in a list inside Acme's item: company -> team.
    assert "<ul>" in tree[acme:growth] and 'aria-level="3"' in tree[acme:growth]
    growth_card = tree[growth : tree.index("</article>", growth)]
    assert f'href="/people/{world.lena.pk}/">Lena</a>' in growth_card
    assert "2 members · 1 objective · 1 KPI" in growth_card
    assert 'aria-label="Progress of Growth"' in growth_card and "50%" in growth_card
    assert "No lead" in tree[acme:growth] and "0 members · 0 objectives · 0 KPIs" in tree
    assert content.count('method="post"') == 1  # the sign-out button only
    assert client.post("/teams/").status_code == 405  # a page to read, nothing to send


def test_team_page_shows_people_sub_teams_objectives_and_kpis(
    client: Client, world: World, okrs: None
) -> None:
    login(client, world.vic)
    content = page(client, f"/teams/{world.growth.pk}/")

    assert "<h1>Growth</h1>" in content
    assert (
        f'href="/people/{world.lena.pk}/">Lena</a> <span class="badge lead">Lead</span>' in content
    )
    assert f'href="/people/{world.mo.pk}/">Mo</a> <small>Growth marketer</small>' in content
    objective = content[content.index('id="objectives-h"') :]
    assert '">Increase user engagement</a>' in objective and "/objectives/" in objective
    assert "Lift 1-month retention from 20% to 40%" in objective and "confidence 7/10" in objective
    assert "Run a marathon" not in content  # mo's personal objective is not the team's
    kpis = content[content.index('data-testid="kpis"') :]
    assert ">CAC</a>" in kpis and "$272" in kpis
    assert '<span class="badge health-red">Critical</span>' in kpis
    assert content.count('method="post"') == 1

    company = page(client, f"/teams/{world.company.pk}/")
    assert f'<a href="/teams/{world.growth.pk}/">Growth</a> <small>2 members</small>' in company
    assert "No objectives in this cycle." in company and "This team owns no KPIs." in company


def test_people_page_lists_everyone_with_role_title_and_teams(
    client: Client, world: World, okrs: None
) -> None:
    content = page(login(client, world.vic), "/people/")

    for who, role in (
        (world.alice, "Admin"),
        (world.lena, "Lead"),
        (world.mo, "Member"),
        (world.vic, "Viewer"),
    ):
        row = content[content.index(f'href="/people/{who.pk}/">{who.display_name}</a>') :]
        assert f"<td>{role}</td>" in row[: row.index("</tr>")]
    assert "Growth marketer" in content
    assert f'<a href="/teams/{world.growth.pk}/">Growth</a> <small>(lead)</small>' in content
    assert "Oscar" not in content
    assert content.count('method="post"') == 1


def test_person_page_shows_teams_key_results_objectives_and_kpis(
    client: Client, world: World, okrs: None
) -> None:
    content = page(login(client, world.vic), f"/people/{world.mo.pk}/")

    assert "<h1>Mo</h1>" in content and "Member · Growth marketer" in content
    assert f'<a href="/teams/{world.growth.pk}/">Growth</a>' in content
    krs = content[content.index('data-testid="key-results"') :]
    assert "Lift 1-month retention from 20% to 40%" in krs and "Increase user engagement" in krs
    assert 'aria-label="Progress of Lift 1-month retention from 20% to 40%"' in krs
    assert "50%" in krs and "7/10" in krs
    assert "Run 42 km" in krs and "no check-in yet" in krs
    objectives = content[content.index('id="objectives-h"') :]
    assert "Run a marathon" in objectives and "Increase user engagement" not in objectives
    assert ">CAC</a>" in content and "health-red" in content
    assert content.count('method="post"') == 1


def test_a_person_without_a_cycle_or_teams(client: Client, world: World) -> None:
    world.cycle.delete()
    content = page(login(client, world.alice), f"/people/{world.alice.pk}/")

    assert "In no team." in content and "No key results in this cycle." in content
    team = page(client, f"/teams/{world.growth.pk}/")
    assert "No cycle yet." in team and "No objectives in this cycle." in team


def test_another_organizations_team_and_person_are_not_found(client: Client, world: World) -> None:
    login(client, world.oscar)
    for url in (f"/teams/{world.growth.pk}/", f"/people/{world.mo.pk}/", "/teams/99999/"):
        assert client.get(url).status_code == 404, url
    assert "Growth" not in page(client, "/teams/") and "Lena" not in page(client, "/people/")


# --- queries ----------------------------------------------------------------------------------


def _grow(world: World, size: int) -> None:
    """``size`` teams under the company, each with a lead, a member, an objective and a KPI."""
    make_kr(make_objective(world.cycle, team=world.company, title="Company objective"))
    make_kpi(world.org, "revenue", owner_team=world.company)
    for i in range(size):
        team = Team.objects.create(
            organization=world.org, name=f"Team {i}", slug=f"team-{i}", parent=world.company
        )
        lead = make_member(world.org, f"lead{i}", "lead")
        TeamMember.objects.create(organization=world.org, team=team, membership=lead, is_lead=True)
        TeamMember.objects.create(organization=world.org, team=team, membership=world.mo)
        for owner in ({"team": team}, {"person": world.mo}):
            objective = make_objective(world.cycle, title=f"Objective {i}", **owner)  # type: ignore[arg-type]
            make_kr(objective, f"KR {i}", "0", "10", owner=world.mo)
        kpi = make_kpi(world.org, f"kpi-{i}", owner_team=team, owner=world.mo)
        Measurement.objects.create(
            organization=world.org, kpi=kpi, period=dt.date(2026, 10, 1), value=i, recorded_at=NOW
        )


def _queries(client: Client, world: World, size: int, url: Callable[[World], str]) -> int:
    _grow(world, size)
    login(client, world.vic)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(world)).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # session, user, membership; the cycle, the teams with their counts, leads, roll-ups.
        (lambda w: "/teams/", 7),
        # + the team; cycle; members; sub-teams; roll-ups; objectives, their parents and KRs;
        # KPIs and their measurements.
        (lambda w: f"/teams/{w.company.pk}/", 13),
        # session, user, membership; everyone; their teams.
        (lambda w: "/people/", 5),
        # + the person; their teams; cycle; objectives, parents, KRs; owned KRs; KPIs, values.
        (lambda w: f"/people/{w.mo.pk}/", 12),
    ],
    ids=["teams", "team", "people", "person"],
)
@pytest.mark.parametrize("size", [5, 50])
def test_query_counts_are_pinned(
    client: Client, world: World, url: Callable[[World], str], expected: int, size: int
) -> None:
    assert _queries(client, world, size, url) == expected
