"""Reads for the cycles page, the grading section and the scores endpoint, in fixed queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from headway.okrs.cycles import MOVE_LABELS, NEXT_STATE, REOPEN_STATE, is_graded
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup
from headway.orgs.models import Membership, Team


@dataclass
class CycleRow:
    cycle: Cycle
    progress: float | None
    score: float | None

    @property
    def next_state(self) -> str | None:
        return NEXT_STATE.get(self.cycle.state)

    @property
    def next_label(self) -> str:
        return MOVE_LABELS.get(self.next_state or "", "")

    @property
    def reopen_state(self) -> str | None:
        return REOPEN_STATE.get(self.cycle.state)

    @property
    def graded(self) -> bool:
        return is_graded(self.cycle)


def cycle_rows(org_id: int) -> list[CycleRow]:
    """Every cycle of the organization, newest first, with the organization's progress and
    score in it (two queries)."""
    cycles = list(Cycle.objects.filter(organization_id=org_id).order_by("-start", "name"))
    totals = {
        r.cycle_id: r
        for r in Rollup.objects.filter(cycle__in=[c.pk for c in cycles], team__isnull=True)
    }
    rows = []
    for cycle in cycles:
        total = totals.get(cycle.pk)
        rows.append(
            CycleRow(
                cycle,
                total.progress if total else None,
                total.score if total else None,
            )
        )
    return rows


@dataclass
class TeamScore:
    team: Team | None  # None: the organization
    progress: float | None
    score: float | None


@dataclass
class CycleScores:
    """A page of the cycle's objectives and of its teams' roll-ups, with both counts."""

    objectives: list[Objective]
    teams: list[TeamScore]
    organization: TeamScore
    objectives_count: int
    teams_count: int


def cycle_scores(cycle: Cycle, start: int, end: int) -> CycleScores:
    """The cycle's objectives (by position, then id) and its teams' roll-ups (by team name)
    from ``start`` to ``end``, and the organization's roll-up: three queries, whatever the
    size (the two counts and the organization's roll-up are one)."""
    objectives = Objective.objects.filter(cycle=cycle).order_by("position", "id")
    rollups = Rollup.objects.filter(cycle=cycle).order_by("team__name", "id")
    teams = rollups.filter(team__isnull=False)
    total = rollups.filter(team__isnull=True)
    n_objectives, n_teams, progress, score = (
        Cycle.objects.filter(pk=cycle.pk)
        .annotate(
            n_objectives=Coalesce(_count(objectives), 0),
            n_teams=Coalesce(_count(teams), 0),
            r_progress=Subquery(total.values("progress")[:1]),
            r_score=Subquery(total.values("score")[:1]),
        )
        .values_list("n_objectives", "n_teams", "r_progress", "r_score")
        .get()
    )
    fields = ("id", "title", "kind", "owner_team_id", "owner_person_id", "progress", "score")
    return CycleScores(
        objectives=list(objectives.only(*fields)[start:end]),
        teams=[
            TeamScore(r.team, r.progress, r.score) for r in teams.select_related("team")[start:end]
        ],
        organization=TeamScore(None, progress, score),
        objectives_count=n_objectives,
        teams_count=n_teams,
    )


def _count(rows: QuerySet[Any]) -> Subquery:
    """How many of the cycle's ``rows`` there are, as a subquery of the cycle."""
    return Subquery(
        rows.order_by().values("cycle_id").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def rollup_scores(cycle_id: int, team_id: int | None) -> tuple[float | None, float | None]:
    """(the team's score, the organization's score) in a cycle; one query."""
    wanted = Q(team__isnull=True) if team_id is None else Q(team__isnull=True) | Q(team_id=team_id)
    scores: dict[int | None, float | None] = dict(
        Rollup.objects.filter(wanted, cycle_id=cycle_id).values_list("team_id", "score")
    )
    return (scores.get(team_id) if team_id is not None else None), scores.get(None)


def graders(key_results: Iterable[KeyResult]) -> dict[int, Membership]:
    """The people who graded these key results, by id (one query, none when nobody did)."""
    ids = {kr.graded_by_id for kr in key_results if kr.graded_by_id is not None}
    if not ids:
        return {}
    return {m.pk: m for m in Membership.objects.filter(pk__in=ids).select_related("user")}
