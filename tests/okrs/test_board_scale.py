"""The board of a large organization: the top of the team tree first, a team's objectives when
it is opened (htmx), a person typed rather than picked among thousands."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from headway.okrs.forms import OWNER_CHOICES_LIMIT
from headway.okrs.models import KeyResult, Objective
from headway.okrs.selectors import LAZY_BOARD_OBJECTIVES, LAZY_BOARD_TEAMS
from headway.orgs.models import Membership, Team, User
from tests.factories import World, login, make_kr, make_objective

pytestmark = pytest.mark.usefixtures("frozen")


def grow(
    world: World, departments: int, teams: int, per_team: int = 3, prefix: str = ""
) -> dict[str, Team]:
    """``departments`` under the company, ``teams`` under each, ``per_team`` objectives (each
    with a key result) for every department and team. Returns the teams by name."""
    org, cycle = world.org, world.cycle
    made = {
        d.name: d
        for d in Team.objects.bulk_create(
            Team(
                organization=org,
                name=f"{prefix}Dept {d}",
                slug=f"{prefix}dept-{d}",
                parent=world.company,
            )
            for d in range(departments)
        )
    }
    made |= {
        t.name: t
        for t in Team.objects.bulk_create(
            Team(
                organization=org,
                name=f"{prefix}Team {d}.{t}",
                slug=f"{prefix}team-{d}-{t}",
                parent=parent,
            )
            for d, parent in enumerate(list(made.values()))
            for t in range(teams)
        )
    }
    objectives = Objective.objects.bulk_create(
        Objective(organization=org, cycle=cycle, title=f"Goal {k} of {team.name}", owner_team=team)
        for team in made.values()
        for k in range(per_team)
    )
    KeyResult.objects.bulk_create(
        KeyResult(
            organization=org,
            objective=o,
            title=f"KR of {o.title}",
            start=Decimal(0),
            target=Decimal(10),
            current=Decimal(2),
            progress=0.2,
        )
        for o in objectives
    )
    return made


@pytest.fixture
def large(world: World) -> dict[str, Team]:
    make_kr(make_objective(world.cycle, team=world.company, title="Company goal"))
    return grow(world, departments=5, teams=10)


def viewer(world: World) -> Client:
    return login(Client(), world.vic)


def fragment_url(world: World, team: Team) -> str:
    return reverse("okrs:board-team", args=[world.cycle.pk, team.pk])


def test_the_sizes_are_above_the_thresholds(large):
    assert len(large) > LAZY_BOARD_TEAMS
    assert Objective.objects.count() > LAZY_BOARD_OBJECTIVES


def test_the_large_board_shows_the_company_and_its_departments_closed(world, large):
    html = viewer(world).get("/okrs/").content.decode()
    assert 'data-testid="board-at-size"' in html
    assert "Company goal" in html  # the company's own objectives, open
    for d in range(5):
        dept = large[f"Dept {d}"]
        assert f'data-testid="team-row-{dept.pk}"' in html
        assert f'hx-get="{fragment_url(world, dept)}"' in html
    # No objective of a closed team, nor a row for the teams further down.
    assert "Goal 0 of" not in html
    assert f'team-row-{large["Team 0.0"].pk}"' not in html


def test_a_department_row_counts_its_objectives_and_those_below(world, large):
    html = viewer(world).get("/okrs/").content.decode()
    # 3 of its own, 30 of its 10 teams; all 33 at 20% of a half-gone cycle: behind pace.
    assert "3 own objectives · 33 with the 10 teams below" in html
    assert "33 behind pace" in html


def test_opening_a_department_loads_its_objectives_and_its_teams(world, large):
    dept = large["Dept 1"]
    response = viewer(world).get(fragment_url(world, dept), headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert [f"Goal {k} of Dept 1" in html for k in range(3)] == [True] * 3
    assert "KR of Goal 0 of Dept 1" in html
    for t in range(10):
        assert f'data-testid="team-row-{large[f"Team 1.{t}"].pk}"' in html
    assert "Goal 0 of Team 1.0" not in html  # its teams stay closed
    assert "Dept 2" not in html


def test_opening_a_team_without_teams_below(world, large):
    html = viewer(world).get(fragment_url(world, large["Team 3.4"])).content.decode()
    assert "Goal 2 of Team 3.4" in html
    assert "team-row-" not in html


def test_the_fragment_keeps_the_status_filter(world, large):
    html = viewer(world).get("/okrs/?status=all").content.decode()
    assert f'hx-get="{fragment_url(world, large["Dept 0"])}?status=all"' in html
    client = viewer(world)
    assert client.get(fragment_url(world, large["Dept 0"]) + "?status=all").status_code == 200
    assert client.get(fragment_url(world, large["Dept 0"]) + "?status=nope").status_code == 404


def test_another_organizations_team_or_cycle_is_not_found(world, large):
    client = viewer(world)
    theirs = reverse("okrs:board-team", args=[world.other_cycle.pk, large["Dept 0"].pk])
    assert client.get(theirs).status_code == 404
    assert client.get(fragment_url(world, world.other_team)).status_code == 404
    oscar = login(Client(), world.oscar)
    assert oscar.get(fragment_url(world, large["Dept 0"])).status_code == 404


def test_a_large_team_filter_shows_that_team_open_and_its_teams_closed(world):
    make_kr(make_objective(world.cycle, team=world.company, title="Company goal"))
    teams = grow(world, departments=2, teams=LAZY_BOARD_TEAMS)
    html = viewer(world).get(f"/okrs/?team={teams['Dept 1'].pk}").content.decode()
    assert 'data-testid="board-at-size"' in html
    assert "Goal 0 of Dept 1" in html
    assert f'data-testid="team-row-{teams["Team 1.9"].pk}"' in html
    assert "Goal 0 of Team 1.9" not in html
    assert "Company goal" not in html


def test_a_small_team_filter_draws_the_whole_branch(world, large):
    html = viewer(world).get(f"/okrs/?team={large['Team 2.9'].pk}").content.decode()
    assert 'data-testid="board-at-size"' not in html
    assert "Goal 0 of Team 2.9" in html


def test_a_small_board_is_drawn_whole(world):
    grow(world, departments=2, teams=3)
    html = viewer(world).get("/okrs/").content.decode()
    assert 'data-testid="board-at-size"' not in html
    assert "team-row-" not in html
    assert "Goal 2 of Team 1.2" in html


def add_people(world: World, n: int) -> None:
    users = User.objects.bulk_create(User(username=f"person{i:04}") for i in range(n))
    Membership.objects.bulk_create(Membership(organization=world.org, user=u) for u in users)


def test_many_people_are_typed_not_listed(world, large):
    add_people(world, OWNER_CHOICES_LIMIT)
    html = viewer(world).get("/okrs/").content.decode()
    assert '<input type="text" name="owner"' in html
    assert "person0007" not in html


def test_a_typed_username_filters_the_board(world, large):
    add_people(world, OWNER_CHOICES_LIMIT)
    mine = make_objective(world.cycle, team=large["Team 4.4"], title="Lena's own goal")
    make_kr(mine, owner=world.lena)
    html = viewer(world).get("/okrs/?owner=lena").content.decode()
    # A person's objectives are few: drawn whole, wherever they sit in the tree.
    assert 'data-testid="board-at-size"' not in html
    assert "Lena&#x27;s own goal" in html
    assert "Company goal" not in html


def test_an_unknown_username_is_refused_beside_the_field(world, large):
    add_people(world, OWNER_CHOICES_LIMIT)
    response = viewer(world).get("/okrs/?owner=nobody")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["owner"] == ["No one here has the username nobody."]
    assert "No one here has the username nobody." in response.content.decode()


def test_a_few_people_are_still_picked_from_a_list(world, large):
    html = viewer(world).get("/okrs/").content.decode()
    assert '<select name="owner"' in html


def test_many_teams_list_the_top_of_the_tree_and_the_chosen_one(world, large):
    grow(
        world, departments=3, teams=70, per_team=0, prefix="x"
    )  # more than TEAM_CHOICES_LIMIT teams
    deep = Team.objects.create(
        organization=world.org, name="Deep", slug="deep", parent=large["Team 0.0"]
    )
    html = viewer(world).get("/okrs/").content.decode()
    assert f'<option value="{large["Dept 0"].pk}">' in html
    assert f'<option value="{large["Team 0.0"].pk}">' in html  # depth 2
    assert f'<option value="{deep.pk}">' not in html
    html = viewer(world).get(f"/okrs/?team={deep.pk}").content.decode()
    assert f'<option value="{deep.pk}" selected>' in html


def count(client: Client, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [(5, 10), (12, 25)])
def test_query_counts_do_not_grow_with_the_organization(world, size):
    make_kr(make_objective(world.cycle, team=world.company, title="Company goal"))
    teams = grow(world, *size)
    make_kr(make_objective(world.cycle, person=world.lena, title="Lena's goal"), owner=world.lena)
    add_people(world, OWNER_CHOICES_LIMIT * size[0] // 5)
    client = viewer(world)
    assert {
        # session, user, membership; current cycle, cycle picker, teams, people, counts by
        # team, roll-ups, the open team's objectives, their KRs, the KRs' check-ins
        "board": count(client, "/okrs/"),
        "board (team)": count(client, f"/okrs/?team={teams['Dept 1'].pk}"),
        "board (person)": count(client, "/okrs/?owner=lena"),
        # session, user, membership; cycle, team, teams, counts, roll-ups, objectives, KRs,
        # check-ins
        "fragment": count(client, fragment_url(world, teams["Dept 1"])),
    } == {"board": 12, "board (team)": 12, "board (person)": 12, "fragment": 11}


def test_the_team_tree_is_read_as_values_in_one_query(world, large, django_assert_num_queries):
    from headway.okrs.selectors import TreeTeam, team_tree

    with django_assert_num_queries(1):
        tree = team_tree(world.org.pk)
    # Plain values, not model instances: a large organization's tree is read on every board.
    assert all(type(node.team) is TreeTeam for node in tree)
    dept = next(node for node in tree if node.team.pk == large["Dept 1"].pk)
    assert (dept.depth, dept.path, dept.team.parent_id) == (
        1,
        (world.company.name, "Dept 1"),
        world.company.pk,
    )
