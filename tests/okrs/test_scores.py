"""Objective, team and organization scores from the key results' graded or default scores."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.okrs.models import Objective, Rollup
from headway.okrs.scores import key_result_score, recompute_scores
from headway.orgs.models import Team
from tests.factories import World, make_kr, make_objective

pytestmark = pytest.mark.django_db


def _scores(world: World) -> dict[str, float | None]:
    return {
        r.team.slug if r.team else "organization": r.score
        for r in Rollup.objects.filter(cycle=world.cycle).select_related("team")
    }


def test_a_graded_score_wins_over_the_default_from_progress(world: World) -> None:
    objective = make_objective(world.cycle, world.growth)
    kr = make_kr(objective, progress=0.64)
    assert key_result_score(kr) == 0.6  # progress snapped to the grid
    kr.score = 0.9
    assert key_result_score(kr) == 0.9


def test_scores_roll_up_by_weight_like_progress(world: World) -> None:
    growth = make_objective(world.cycle, world.growth, title="Win the mid-market", weight=3)
    make_kr(growth, title="a", progress=1.0, score=0.4, weight=1)
    make_kr(growth, title="b", progress=0.26, weight=3)  # default 0.3
    company = make_objective(world.cycle, world.company, title="Be the obvious choice")
    make_kr(company, title="c", progress=0.75)  # default 0.8
    personal = make_objective(world.cycle, person=world.mo, title="Run a half marathon")
    make_kr(personal, title="d", progress=0.0)
    archived = make_objective(world.cycle, world.growth, title="Old aim", status="archived")
    make_kr(archived, title="e", progress=0.0)

    recompute_scores(world.cycle)

    scores = dict(Objective.objects.values_list("title", "score"))
    assert scores["Win the mid-market"] == pytest.approx((0.4 + 3 * 0.3) / 4)
    assert scores["Be the obvious choice"] == pytest.approx(0.8)
    assert scores["Run a half marathon"] == 0.0
    assert scores["Old aim"] == 0.0  # scored, but left out of the roll-ups
    # Personal objectives stay out of the organization's score; weights count.
    assert _scores(world) == {
        "growth": pytest.approx(0.325),
        "company": pytest.approx(0.8),
        "organization": pytest.approx((3 * 0.325 + 0.8) / 4),
    }


def test_a_team_whose_objectives_left_loses_its_score(world: World) -> None:
    objective = make_objective(world.cycle, world.growth)
    make_kr(objective, progress=1.0)
    recompute_scores(world.cycle)
    assert _scores(world)["growth"] == 1.0

    objective.owner_team = world.company
    objective.save()
    recompute_scores(world.cycle)

    assert _scores(world)["growth"] is None
    assert _scores(world)["company"] == 1.0


def test_the_query_count_does_not_grow_with_the_objectives(world: World) -> None:
    def count(objectives: int) -> int:
        for index in range(objectives):
            team = Team.objects.create(
                organization=world.org, name=f"T{objectives}-{index}", slug=f"t{objectives}-{index}"
            )
            make_kr(make_objective(world.cycle, team, title=f"o{index}"), progress=0.5)
        recompute_scores(world.cycle)  # rows stored: what follows only reads
        with CaptureQueriesContext(connection) as captured:
            recompute_scores(world.cycle)
        return len(captured.captured_queries)

    assert count(2) == count(8) == 3


def test_the_board_shows_graded_scores_where_there_are_some(world: World, client) -> None:  # type: ignore[no-untyped-def]
    from headway.okrs.services import refresh_objective
    from tests.factories import login

    objective = make_objective(world.cycle, world.growth, title="Win the mid-market")
    kr = make_kr(objective, "Trial sign-ups from 250 to 500", "250", "500", current=Decimal(475))
    refresh_objective(objective)  # progress 0.9 for the key result, objective, team, organization
    board = login(client, world.alice).get(f"/okrs/cycle/{world.cycle.pk}/").content.decode()
    assert "Score 0.9" in board and "Score 0.4" not in board  # from progress, before grading

    kr.score = 0.4  # an override: the grader knows better than the number
    kr.save()
    recompute_scores(world.cycle)
    board = client.get(f"/okrs/cycle/{world.cycle.pk}/").content.decode()

    # The objective, its team and the organization all read the graded 0.4.
    assert board.count("Score 0.4") == 3
    assert "Score 0.9" not in board
