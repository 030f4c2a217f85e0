"""The coach report of a large cycle: counts first, each section's notes when opened, and the
cycle read as plain rows (``selectors.coach_rows``) with the same findings as the board's."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from headway.okrs import selectors
from headway.okrs.coach import coach_cycle_rows, coach_objectives, in_board_order
from headway.okrs.models import Cycle, Objective
from headway.okrs.views import coach as coach_views
from headway.orgs.models import Team
from tests.factories import World, login, make_kr, make_objective

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 22)  # the demo's day (the ``demo`` fixture)


def html(response: Any) -> str:
    return response.content.decode()


def rules_in(fragment: str) -> list[str]:
    return re.findall(r'data-rule="([^"]+)"', fragment)


def test_the_rows_give_the_boards_findings(demo):
    cycle = Cycle.objects.get(organization=demo, name="2026-Q4")
    data = selectors.board(demo.pk, cycle)
    objectives = [o for t in data.teams for o in t.objectives] + data.personal
    history = selectors.owner_history(demo.pk, cycle)
    rows = selectors.coach_rows(demo.pk, cycle.pk)
    ordered = in_board_order(rows.objectives, [n.team.pk for n in data.tree])

    from_rows = coach_cycle_rows(
        demo, ordered, rows.key_results, cycle=cycle, today=TODAY, history=history
    )
    from_models = coach_objectives(demo, objectives, cycle=cycle, today=TODAY, history=history)

    assert [r["id"] for r in ordered] == [o.pk for o in objectives]
    assert from_rows.by_objective == from_models.by_objective
    assert from_rows.by_owner == from_models.by_owner
    assert any(from_rows.by_objective.values())


def test_the_rows_take_two_queries_whatever_the_size(world, django_assert_num_queries):
    for i in range(3):
        objective = make_objective(world.cycle, team=world.growth, title=f"Delight {i}")
        make_kr(objective)
    with django_assert_num_queries(2):
        small = selectors.coach_rows(world.org.pk, world.cycle.pk)
    for i in range(20):
        objective = make_objective(world.cycle, person=world.mo, title=f"Mine {i}")
        make_kr(objective)
        make_kr(objective, "Friends joining from 0 to 2", "0", "2")
    with django_assert_num_queries(2):
        large = selectors.coach_rows(world.org.pk, world.cycle.pk)
    assert len(small.objectives) == 3 and len(large.objectives) == 23
    assert sum(map(len, large.key_results.values())) == 43


@pytest.fixture
def many(world: World, frozen: Any) -> list[Team]:
    """Five teams below Growth, each with an objective made of numbers (two notes each)."""
    teams = []
    for i in range(5):
        team = Team.objects.create(
            organization=world.org, name=f"Squad {i}", slug=f"squad-{i}", parent=world.growth
        )
        objective = make_objective(world.cycle, team=team, title=f"Grow revenue by {10 + i}%")
        make_kr(objective, f"Revenue to {100 + i}k", "0", str(100 + i))
        teams.append(team)
    return teams


def test_a_large_report_lists_sections_with_counts_and_opens_one_on_demand(
    world, many, monkeypatch
):
    monkeypatch.setattr(coach_views, "LAZY_REPORT_OBJECTIVES", 2)
    monkeypatch.setattr(coach_views, "REPORT_ROWS_PER_PAGE", 3)
    client = login(Client(), world.vic)
    whole = html(client.get("/okrs/coach/"))
    assert 'data-testid="coach-at-size"' in whole
    assert 'data-testid="coach-notes"' not in whole  # no note drawn, only counts
    rows = re.findall(r'hx-get="([^"]+)".*?<small class="counts">(\d+) notes?</small>', whole, re.S)
    assert len(rows) == 3 and "Page 1 of 2" in whole
    second = html(client.get(f"/okrs/cycle/{world.cycle.pk}/coach/?page=2"))
    rows += re.findall(
        r'hx-get="([^"]+)".*?<small class="counts">(\d+) notes?</small>', second, re.S
    )
    assert [url.rsplit("=", 1)[1] for url, _ in rows] == [str(t.pk) for t in many]

    opened = [html(client.get(url, HTTP_HX_REQUEST="true")) for url, _ in rows]

    for (_, count), fragment in zip(rows, opened, strict=True):
        assert "<html" not in fragment
        assert len(rules_in(fragment)) == int(count) > 0
    assert "Grow revenue by 12%" in opened[2] and "Grow revenue by 10%" not in opened[2]
    # The counts per rule add up what the sections hold.
    per_rule = re.findall(r'<tr data-rule="([^"]+)".*?<td>(\d+)</td></tr>', whole, re.S)
    assert sum(int(n) for _, n in per_rule) == sum(int(c) for _, c in rows)


def test_a_section_opened_without_javascript_is_the_report_of_that_section(world, many):
    client = login(Client(), world.vic)
    page = html(client.get(f"/okrs/cycle/{world.cycle.pk}/coach/?team={many[1].pk}"))
    sections = re.findall(r'data-testid="coach-section">\s*<h2[^>]*>([^<]+)', page)
    assert [name.strip() for name in sections] == ["Squad 1"]
    assert 'data-rule="objective-has-number"' in page


def test_a_section_loads_in_as_many_queries_whatever_the_cycle_holds(
    world, many, django_assert_num_queries
):
    client = login(Client(), world.vic)
    url = f"/okrs/cycle/{world.cycle.pk}/coach/?team={many[0].pk}"
    client.get(url, HTTP_HX_REQUEST="true")
    # session, user, membership, cycle, team, objectives, key results, earlier scores
    with django_assert_num_queries(8):
        client.get(url, HTTP_HX_REQUEST="true")
    for i in range(10):
        objective = make_objective(world.cycle, team=many[3], title=f"More {i}")
        make_kr(objective)
    with django_assert_num_queries(8):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_a_section_of_someone_elses_team_or_a_bad_id_is_not_found(world):
    client = login(Client(), world.vic)
    base = f"/okrs/cycle/{world.cycle.pk}/coach/"
    assert (
        client.get(f"{base}?team={world.other_team.pk}", HTTP_HX_REQUEST="true").status_code == 404
    )
    assert client.get(f"{base}?person=x", HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(f"{base}?person={world.oscar.pk}").status_code == 404


def test_a_personal_section_shows_the_persons_notes(world, frozen):
    mine = make_objective(world.cycle, person=world.mo, title="Read 12 books")
    make_kr(mine, "Books read from 0 to 12", "0", "12")
    client = login(Client(), world.vic)
    fragment = html(
        client.get(
            f"/okrs/cycle/{world.cycle.pk}/coach/?person={world.mo.pk}", HTTP_HX_REQUEST="true"
        )
    )
    assert "Read 12 books" in fragment
    assert "objective-has-number" in rules_in(fragment)
    assert Objective.objects.filter(owner_person=world.mo).count() == 1


def test_counts_group_their_thousands() -> None:
    from django.template import Context, Template

    rendered = Template("{% load okrs %}{{ a|thousands }} {{ b|thousands }} {{ c|thousands }}")
    assert rendered.render(Context({"a": 20000, "b": 999, "c": None})) == "20,000 999 "
