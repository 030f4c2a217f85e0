"""The people and teams lists at size: a page of people with a search, the team tree's top levels
with sub-teams opening on demand, a search of teams; each in a fixed number of queries. The
limits are made small here so that a few rows stand for thousands."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.orgs import views
from headway.orgs.models import Team, TeamMember
from tests.factories import World, login, make_member

pytestmark = pytest.mark.usefixtures("frozen")
DASH = "\N{EN DASH}"


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def listed(content: str) -> str:
    """The people table, without the header that names who is signed in."""
    return content[content.index('data-testid="people"') :]


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def _people(world: World, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        person = make_member(world.org, f"zed{i:02}", "member")
        TeamMember.objects.create(organization=world.org, team=world.growth, membership=person)


def _teams(world: World, n: int) -> list[Team]:
    """``n`` teams under Growth, each with a team of its own below it and a lead."""
    made = []
    for i in range(n):
        team = Team.objects.create(
            organization=world.org, name=f"Squad {i:02}", slug=f"squad-{i}", parent=world.growth
        )
        Team.objects.create(
            organization=world.org, name=f"Pod {i:02}", slug=f"pod-{i}", parent=team
        )
        lead = make_member(world.org, f"lead{i:02}", "lead")
        TeamMember.objects.create(organization=world.org, team=team, membership=lead, is_lead=True)
        made.append(team)
    return made


# --- people ------------------------------------------------------------------------------------


def test_people_come_a_page_at_a_time_with_the_count_and_page_links(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 3)
    _people(world, 4)  # 8 people: Alice, Lena, Mo, Vic, Zed00..Zed03
    login(client, world.vic)

    first = listed(page(client, "/people/"))
    assert "Everyone in Acme · 8 people" in first
    assert ">Alice</a>" in first and ">Mo</a>" in first and ">Vic</a>" not in first
    assert f"Showing 1{DASH}3 of 8 · page 1 of 3" in first
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first

    last = listed(page(client, "/people/?page=3"))
    assert ">Zed02</a>" in last and ">Zed03</a>" in last and ">Alice</a>" not in last
    assert f"Showing 7{DASH}8 of 8 · page 3 of 3" in last and 'rel="next"' not in last
    # A page that is no number is the first; one past the end, the last: never an error.
    assert "page 1 of 3" in page(client, "/people/?page=abc")
    assert "page 1 of 3" in page(client, "/people/?page=-2")
    assert "page 3 of 3" in page(client, "/people/?page=4")
    assert "page 3 of 3" in page(client, "/people/?page=" + "9" * 30)
    assert "page 3 of 3" in page(client, "/people/?page=" + "9" * 5000)  # beyond int("...")
    assert "page 1 of 3" in page(client, "/people/?page=0")


def test_people_search_matches_username_name_or_email_in_any_case(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    _people(world, 3)
    world.mo.user.full_name = "Maureen Ortega"
    world.mo.user.save()
    login(client, world.vic)

    found = page(client, "/people/?q=ORTEGA")
    assert ">Maureen Ortega</a>" in found and ">Alice</a>" not in found
    assert "1 person in Acme matching “ORTEGA”" in found
    assert 'value="ORTEGA"' in found and "Show everyone" in found
    assert ">Lena</a>" in page(client, "/people/?q=lena%40EXAMPLE")  # by email
    assert ">Maureen Ortega</a>" in page(client, "/people/?q=mo")  # by username

    zeds = page(client, "/people/?q=zed")
    assert "3 people in Acme matching “zed”" in zeds and "page 1 of 2" in zeds
    assert 'href="?q=zed&amp;page=2"' in zeds  # the search is kept from page to page
    assert ">Zed02</a>" in page(client, "/people/?q=zed&page=2")

    assert "No one matches “nobody”." in page(client, "/people/?q=nobody")
    too_long = page(client, "/people/?q=" + "x" * 101)
    assert 'class="error"' in too_long and "x" * 101 in too_long  # kept, with the error
    assert ">Alice</a>" in too_long  # and everyone listed meanwhile


@pytest.mark.parametrize("url", ["/people/", "/people/?page=2", "/people/?q=zed"])
def test_people_page_queries_do_not_grow_with_the_organization(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(views, "PEOPLE_PER_PAGE", 2)
    login(client, world.vic)
    _people(world, 3)
    small = queries(client, url)
    _people(world, 27, start=3)
    # session, user, membership; the page of people with the count of all; their teams.
    assert small == queries(client, url) == 5


# --- teams -------------------------------------------------------------------------------------


def test_a_large_tree_shows_its_top_levels_and_opens_sub_teams_on_demand(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "TEAM_TREE_LIMIT", 4)
    squads = _teams(world, 2)  # Acme > Growth > Squad 00 > Pod 00, ...: 6 teams
    login(client, world.vic)

    content = page(client, "/teams/")
    assert "6 teams: the company and its departments are shown" in content
    assert ">Acme</a>" in content and ">Growth</a>" in content
    assert "Squad 00" not in content and "Pod 00" not in content
    opener = content[content.index(f'data-testid="sub-teams-{world.growth.pk}"') :]
    assert f'hx-get="/teams/?under={world.growth.pk}"' in content
    assert "2 sub-teams · 4 teams below in all" in opener
    assert f'<a href="/teams/{world.growth.pk}/">Open Growth</a>' in opener  # without JavaScript
    assert 'name="q"' in content  # a search box at size

    below = page(client, f"/teams/?under={world.growth.pk}")
    assert "<html" not in below  # a fragment
    assert ">Squad 00</a>" in below and ">Squad 01</a>" in below and "Pod 00" not in below
    assert 'aria-level="4"' in below and "Lead: " in below  # Growth's children are at depth 2
    assert f'hx-get="/teams/?under={squads[0].pk}"' in below
    assert "1 sub-team</summary>" in below

    pods = page(client, f"/teams/?under={squads[0].pk}")
    assert ">Pod 00</a>" in pods and "<details" not in pods
    assert client.get("/teams/?under=abc").status_code == 404
    assert client.get(f"/teams/?under={world.other_team.pk}").status_code == 404


def test_a_small_tree_is_shown_whole_without_a_search_box(client: Client, world: World) -> None:
    _teams(world, 2)
    content = page(login(client, world.vic), "/teams/")
    assert ">Pod 01</a>" in content and "<details" not in content and 'name="q"' not in content


def test_team_search_lists_the_teams_found_flat_a_page_at_a_time(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 2)
    _teams(world, 3)
    login(client, world.vic)

    found = page(client, "/teams/?q=SQUAD")
    assert f"3 teams matching “SQUAD” · showing 1{DASH}2" in found and "Page 1 of 2" in found
    assert ">Squad 00</a>" in found and ">Squad 02</a>" not in found and "Pod" not in found
    assert f'in <a href="/teams/{world.growth.pk}/">Growth</a>' in found  # where each one is
    assert 'value="SQUAD"' in found and 'href="?q=SQUAD&amp;page=2"' in found
    assert ">Squad 02</a>" in page(client, "/teams/?q=SQUAD&page=2")
    assert "0 teams matching “nothing”" in page(client, "/teams/?q=nothing")
    assert "Page 1 of 2" in page(client, "/teams/?q=SQUAD&page=x9")
    assert 'class="error"' in page(client, "/teams/?q=" + "x" * 101)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # session, user, membership; cycle; the first teams (more than the limit); the tree's
        # shape; the top teams with their counts; their leads; roll-ups.
        (lambda w, s: "/teams/", 9),
        # session, user, membership; cycle; the team; the shape; its sub-teams with their counts;
        # leads; roll-ups.
        (lambda w, s: f"/teams/?under={w.growth.pk}", 9),
        # session, user, membership; cycle; the page of teams found with the count; leads;
        # roll-ups.
        (lambda w, s: "/teams/?q=squad", 7),
    ],
    ids=["tree", "sub-teams", "search"],
)
def test_team_list_queries_do_not_grow_with_the_organization(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch, url: object, expected: int
) -> None:
    monkeypatch.setattr(views, "TEAM_TREE_LIMIT", 2)
    monkeypatch.setattr(views, "TEAMS_PER_PAGE", 5)
    login(client, world.vic)
    made = _teams(world, 3)
    small = queries(client, url(world, made))  # type: ignore[operator]
    for i in range(3, 30):
        Team.objects.create(
            organization=world.org, name=f"Squad {i:02}", slug=f"squad-{i}", parent=world.growth
        )
    assert small == queries(client, url(world, made)) == expected  # type: ignore[operator]
