"""The calibration page at size: exact flags from the database's sums, a page of teams, the
organization's spread and the chart counted, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.okrs import calibration as review
from headway.okrs.calibration import CalibrationAtSize, calibration, calibration_page
from headway.okrs.models import Cycle
from headway.orgs.models import Team
from tests.factories import World
from tests.okrs import test_calibration as base
from tests.okrs.test_calibration import objective_with_scores

# Three graded quarters: Growth too easy, Sales overreaching, the company about right.
history = base.history


@pytest.fixture
def at_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "LAZY_CALIBRATION_TEAMS", 0)
    monkeypatch.setattr(review, "CALIBRATION_ROWS_PER_PAGE", 2)


def add_teams(world: World, n: int, start: int = 0) -> None:
    """Teams under Growth: odd ones always score 1.0 (not ambitious), the others 0.9 from
    0.8 and 1.0 (a mean a hair below 0.9, flagged by the tolerance), every third with no
    stored score (from its key results)."""
    cycles = list(Cycle.objects.filter(organization=world.org, state__in=["grading", "closed"]))
    for i in range(start, start + n):
        team = Team.objects.create(
            organization=world.org, name=f"Team {i:02}", slug=f"team-{i}", parent=world.growth
        )
        for cycle in cycles:
            scores = [1.0, 1.0] if i % 2 else [0.8, 1.0]
            objective_with_scores(cycle, team, scores, stored=i % 3 != 0)
            objective_with_scores(cycle, team, [0.2, 0.5], kind="committed")


def flags(data) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {t.team.slug: t.flag for t in data.teams if t.flag}


def test_the_flags_at_size_are_those_of_calibration(world, history, at_size):
    add_teams(world, 7)
    expected = calibration(world.org.pk)
    seen: dict[str, object] = {}
    histories = {}
    page_number = 1
    while True:
        page = calibration_page(world.org.pk, page=page_number)
        assert isinstance(page, CalibrationAtSize)
        seen |= flags(page.data)
        histories |= {
            t.team.slug: [(h.cycle.pk, h.score) for h in t.history] for t in page.data.teams
        }
        if not page.page.has_next():
            break
        page_number += 1
    assert seen == flags(expected) and len(seen) == 9  # growth, sales and the seven teams
    assert histories == {
        t.team.slug: [(h.cycle.pk, h.score) for h in t.history] for t in expected.teams
    }
    assert page.total.teams == len(expected.teams)
    assert page.total.not_ambitious == 8 and page.total.overreach == 1


def test_flagged_teams_come_first_and_the_spread_is_the_organizations(world, history, at_size):
    add_teams(world, 3)
    page = calibration_page(world.org.pk)
    assert isinstance(page, CalibrationAtSize)
    assert [t.team.slug for t in page.data.teams] == ["growth", "sales"]
    assert page.page.paginator.count == 6
    assert page.data.organization.as_dict() == calibration(world.org.pk).organization.as_dict()
    spreads = {s.team.slug: s.spread.as_dict() for s in calibration(world.org.pk).spreads}
    assert {s.team.slug: s.spread.as_dict() for s in page.data.spreads} == {
        k: spreads[k] for k in ("growth", "sales")
    }
    under = calibration_page(world.org.pk, team_id=world.growth.pk, page=2)
    assert isinstance(under, CalibrationAtSize) and under.scope.id == world.growth.pk
    assert under.page.paginator.count == 4  # growth and its three teams
    with pytest.raises(Team.DoesNotExist):
        calibration_page(world.org.pk, team_id=world.other_team.pk)


def test_the_chart_at_size_counts_key_results(world, history):
    cycles = review.graded_cycles(world.org.pk)
    points = review.counted_points(world.org.pk, cycles)
    assert sum(p["count"] for p in points) == 18
    expected = sorted((p["cycle"], p["kind"], p["score"]) for p in calibration(world.org.pk).points)
    assert (
        sorted(x for p in points for x in [(p["cycle"], p["kind"], p["score"])] * p["count"])
        == expected
    )
    chart = review.counted_chart(cycles, points)
    assert chart["layer"][0]["encoding"]["size"]["field"] == "count"


def page_queries(client, url: str = "/okrs/calibration/") -> int:  # type: ignore[no-untyped-def]
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_page_at_size(world, history, at_size, client_for):
    add_teams(world, 3)
    client = client_for("vic")
    html = client.get("/okrs/calibration/").content.decode()
    assert 'data-testid="calibration-summary"' in html and "5 of 6 teams flagged" in html
    assert "Showing 2 of 6 teams" in html and "Page 1 of 3" in html
    assert 'data-testid="flag-growth"' in html and 'data-testid="flag-sales"' in html
    assert f"department-{world.growth.pk}" in html
    assert "?part=chart" in html and 'id="chart-calibration"' not in html
    org_row = html.split('data-testid="spread-organization"')[1].split("</tr>")[0]
    cells = [c.split("</td>")[0] for c in org_row.split("<td>")[1:]]
    assert cells[-1] == str(calibration(world.org.pk).organization.total())
    chart = client.get("/okrs/calibration/?part=chart", HTTP_HX_REQUEST="true")
    assert 'id="chart-calibration"' in chart.content.decode()
    no_js = client.get("/okrs/calibration/?part=chart").content.decode()
    assert 'id="chart-calibration"' in no_js and "Showing 2 of 6 teams" in no_js
    assert "Page 3 of 3" in client.get("/okrs/calibration/?page=99").content.decode()
    assert client.get("/okrs/calibration/?page=x").status_code == 200
    assert client.get("/okrs/calibration/?team=x").status_code == 404
    assert client.get(f"/okrs/calibration/?team={world.other_team.pk}").status_code == 404
    under = client.get(f"/okrs/calibration/?team={world.growth.pk}").content.decode()
    assert "Teams under Growth" in under and "Showing 2 of 4 teams" in under


def test_the_page_at_size_has_a_fixed_number_of_queries(world, history, at_size, client_for):
    client = client_for("vic")
    add_teams(world, 3)
    # session, user, membership; cycles, sums, team tree; exact histories of the candidates
    # and of the page's other teams (two each); the page's spreads, the organization's
    few = page_queries(client)
    add_teams(world, 27, start=3)
    assert page_queries(client) == few == 12
    assert page_queries(client, f"/okrs/calibration/?team={world.growth.pk}&page=2") == few


def test_small_organizations_keep_the_whole_page(world, history, client_for):
    html = client_for("vic").get("/okrs/calibration/").content.decode()
    assert 'id="chart-calibration"' in html and "Showing" not in html
