"""The calibration review: team scores over the graded quarters, flags, spread, chart and page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.core.calibration import CalibrationFlag
from headway.okrs.calibration import calibration, distribution_chart
from headway.okrs.choices import CycleKind, CycleState, ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.orgs.models import Organization, Team
from tests.factories import World, make_kr, make_objective

DEMO_TODAY = dt.date(2026, 11, 22)


def graded_cycle(org: Organization, name: str, start: dt.date, **extra: object) -> Cycle:
    extra.setdefault("state", CycleState.CLOSED)
    return Cycle.objects.create(
        organization=org, name=name, start=start, end=start + dt.timedelta(days=89), **extra
    )


def objective_with_scores(
    cycle: Cycle,
    team: Team,
    scores: list[float],
    *,
    kind: str = "aspirational",
    stored: bool = True,
    weights: list[int] | None = None,
    **extra: object,
) -> Objective:
    """An objective whose key results are graded ``scores``; ``stored`` also stores its score
    (the plain mean), as grading does."""
    objective = make_objective(cycle, team=team, title=f"{team.name} {kind}", kind=kind, **extra)
    weights = weights or [1] * len(scores)
    for i, (score, weight) in enumerate(zip(scores, weights, strict=True)):
        make_kr(objective, f"KR {i}", "0", "10", score=score, progress=score, weight=weight)
    if stored:
        objective.score = sum(scores) / len(scores)
        objective.save(update_fields=["score"])
    return objective


@dataclass
class History:
    q1: Cycle
    q2: Cycle
    q3: Cycle
    sales: Team


@pytest.fixture
def history(world: World) -> History:
    """Three graded quarters before the world's active 2026-Q4.

    Growth's aspirational objectives score 0.6, then 1.0 and 1.0 (too easy); Sales scores
    0.1-0.2 twice with no stored objective score (overreach, from its key results); the company
    lands around 0.7.
    """
    org = world.org
    sales = Team.objects.create(organization=org, name="Sales", slug="sales", parent=world.company)
    q1 = graded_cycle(org, "2026-Q1", dt.date(2026, 1, 1))
    q2 = graded_cycle(org, "2026-Q2", dt.date(2026, 4, 1))
    q3 = graded_cycle(org, "2026-Q3", dt.date(2026, 7, 1), state=CycleState.GRADING)
    objective_with_scores(q1, world.growth, [0.6, 0.6])
    objective_with_scores(q2, world.growth, [1.0, 1.0])
    objective_with_scores(q3, world.growth, [1.0, 1.0, 1.0])
    objective_with_scores(q3, world.growth, [0.3], kind="committed")
    # Weighted: (0.0 x 3 + 0.4 x 1) / 4 = 0.1; the plain mean would be 0.2.
    objective_with_scores(q2, sales, [0.0, 0.4], stored=False, weights=[3, 1])
    objective_with_scores(q3, sales, [0.2, 0.2], stored=False)
    for q in (q1, q2, q3):
        objective_with_scores(q, world.company, [0.7, 0.8])
    return History(q1, q2, q3, sales)


def by_slug(data):  # type: ignore[no-untyped-def]
    return {t.team.slug: t for t in data.teams}


def test_team_scores_over_the_graded_quarters(world, history):
    data = calibration(world.org.pk)
    assert [c.name for c in data.cycles] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    teams = by_slug(data)
    assert [(h.cycle.name, h.score) for h in teams["growth"].history] == [
        ("2026-Q1", 0.6),
        ("2026-Q2", 1.0),
        ("2026-Q3", 1.0),
    ]
    # No stored score: the weighted mean of the key results' scores.
    assert [(h.cycle.name, round(h.score, 6)) for h in teams["sales"].history] == [
        ("2026-Q2", 0.1),
        ("2026-Q3", 0.2),
    ]
    assert [round(h.score, 6) for h in teams["company"].history] == [0.75, 0.75, 0.75]


def test_flags_name_the_teams_with_the_reason(world, history):
    data = calibration(world.org.pk)
    flags = {t.team.slug: t.flag for t in data.flagged}
    assert flags == {"growth": CalibrationFlag.NOT_AMBITIOUS, "sales": CalibrationFlag.OVERREACH}
    growth = by_slug(data)["growth"]
    assert growth.reason.startswith(
        "Mean aspirational score 1.0, 1.0 in the last 2 graded cycles (2026-Q2, 2026-Q3)."
    )
    assert "not ambitious enough" in growth.reason
    assert "0.1, 0.2" in by_slug(data)["sales"].reason


def test_only_graded_quarters_of_active_team_objectives_count(world, history):
    # The active quarter, an annual cycle, archived and personal objectives, another
    # organization: none of them changes anything.
    objective_with_scores(world.cycle, world.growth, [0.1, 0.1])
    year = Cycle.objects.create(
        organization=world.org,
        name="2026",
        kind=CycleKind.YEAR,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        state=CycleState.CLOSED,
    )
    objective_with_scores(year, world.growth, [0.1, 0.1])
    objective_with_scores(history.q3, world.growth, [0.0], status=ObjectiveStatus.ARCHIVED)
    personal = make_objective(history.q3, person=world.mo, title="Run", kind="aspirational")
    make_kr(personal, "Run", "0", "10", score=0.0)
    other = graded_cycle(world.other_org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(other, world.other_team, [0.0, 0.0])

    data = calibration(world.org.pk)
    assert [c.name for c in data.cycles] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert [h.score for h in by_slug(data)["growth"].history] == [0.6, 1.0, 1.0]
    assert set(by_slug(data)) == {"growth", "sales", "company"}
    assert data.organization.total() == 3 + 1 + 2 + 2  # growth, its committed one, sales, company


def test_spread_of_the_latest_or_a_chosen_quarter(world, history):
    data = calibration(world.org.pk)
    assert data.cycle == history.q3
    spreads = {s.team.slug: s.spread.as_dict() for s in data.spreads}
    assert spreads["growth"] == {
        "committed": {"red": 1, "yellow": 0, "green": 0},
        "aspirational": {"red": 0, "yellow": 0, "green": 3},
    }
    assert spreads["sales"]["aspirational"] == {"red": 2, "yellow": 0, "green": 0}
    assert spreads["company"]["aspirational"] == {"red": 0, "yellow": 0, "green": 2}
    assert data.organization.as_dict() == {
        "committed": {"red": 1, "yellow": 0, "green": 0},
        "aspirational": {"red": 2, "yellow": 0, "green": 5},
    }
    q1 = calibration(world.org.pk, cycle=history.q1)
    assert q1.organization.as_dict()["aspirational"] == {"red": 0, "yellow": 2, "green": 2}


def test_a_team_that_stretched_last_quarter_is_not_flagged(world, history):
    later = graded_cycle(world.org, "2026-Q4b", dt.date(2026, 10, 2))
    objective_with_scores(later, world.growth, [0.7])
    assert "growth" not in {t.team.slug for t in calibration(world.org.pk).flagged}


def test_chart_has_a_point_per_key_result_and_the_two_aims(world, history):
    data = calibration(world.org.pk)
    spec = distribution_chart(data, width=600)
    points, rules, labels = spec["layer"]
    values = points["data"]["values"]
    assert len(values) == KeyResult.objects.filter(objective__cycle__in=data.cycles).count() == 18
    growth_q3 = sorted(
        (v["kind"], v["score"]) for v in values if v["team"] == "Growth" and v["cycle"] == "2026-Q3"
    )
    assert growth_q3 == [("aspirational", 1.0)] * 3 + [("committed", 0.3)]
    assert all(-0.5 <= v["jitter"] < 0.5 for v in values)
    assert points["encoding"]["x"]["sort"] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert [r["score"] for r in rules["data"]["values"]] == [0.7, 1.0]
    assert rules["mark"]["type"] == "rule" and labels["mark"]["type"] == "text"
    assert spec["width"] == 600


def test_chart_renders_on_the_server(world, history):
    import vl_convert

    svg = vl_convert.vegalite_to_svg(distribution_chart(calibration(world.org.pk), width=400))
    assert svg.startswith("<svg") and "2026-Q3" in svg and "Aspirational aim" in svg


# --- the page ---------------------------------------------------------------------------------


def test_page_shows_flags_spread_and_chart(world, history, client_for):
    response = client_for("vic").get("/okrs/calibration/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="flag-growth"' in html and "Not ambitious enough" in html
    assert 'data-testid="flag-sales"' in html and "Overreach" in html
    assert "Spread of grades in 2026-Q3" in html
    org_row = html.split('data-testid="spread-organization"')[1].split("</tr>")[0]
    assert [c.split("</td>")[0] for c in org_row.split("<td>")[1:]] == [
        "1", "0", "0", "2", "0", "5", "8"
    ]  # fmt: skip
    assert 'data-chart="chart-calibration"' in html and 'id="chart-calibration"' in html


def test_page_for_a_chosen_quarter_and_a_bad_one(world, history, client_for):
    client = client_for("vic")
    html = client.get(f"/okrs/calibration/?cycle={history.q1.pk}").content.decode()
    assert "Spread of grades in 2026-Q1" in html
    bad = client.get(f"/okrs/calibration/?cycle={world.cycle.pk}")
    assert bad.status_code == 422
    assert "2026-Q4 is not being graded yet" in bad.content.decode()
    assert client.get(f"/okrs/calibration/?cycle={world.other_cycle.pk}").status_code == 404
    assert client.get("/okrs/calibration/?cycle=nope").status_code == 404


def test_page_without_graded_quarters(world, client_for):
    html = client_for("vic").get("/okrs/calibration/").content.decode()
    assert "No quarter has been graded yet" in html


def add_teams(world: World, n: int) -> None:
    cycles = list(Cycle.objects.filter(organization=world.org, state__in=["grading", "closed"]))
    for i in range(n):
        team = Team.objects.create(
            organization=world.org, name=f"Team {i}", slug=f"team-{i}", parent=world.company
        )
        for cycle in cycles:
            objective_with_scores(cycle, team, [1.0, 0.5], stored=i % 2 == 0)


def page_queries(client) -> int:  # type: ignore[no-untyped-def]
    client.get("/okrs/calibration/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/okrs/calibration/").status_code == 200
    return len(captured.captured_queries)


def test_page_query_count_is_pinned(world, history, client_for):
    client = client_for("vic")
    # session, user, membership; graded cycles, their team objectives, their key results
    assert page_queries(client) == 6
    add_teams(world, 12)
    assert page_queries(client) == 6


# --- the demo ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_flags_the_team_that_always_scores_one():
    from headway.demo import load_demo

    with time_machine.travel(dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC), tick=False):
        org = load_demo(today=DEMO_TODAY)
        data = calibration(org.pk)
    assert len(data.cycles) >= 2
    sales = by_slug(data)["sales"]
    assert [h.score for h in sales.history] == [1.0] * len(sales.history)
    assert sales.flag is CalibrationFlag.NOT_AMBITIOUS
    assert "not ambitious enough" in sales.reason
    # Every closed quarter stores its objectives' scores.
    assert not Objective.objects.filter(
        cycle__in=data.cycles, status=ObjectiveStatus.ACTIVE, score__isnull=True
    ).exists()
