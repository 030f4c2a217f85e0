"""Reads for the cycles page, the grading section and the scores endpoint, in fixed queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

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
    cycle: Cycle
    objectives: list[Objective]
    teams: list[TeamScore]
    organization: TeamScore


def cycle_scores(cycle: Cycle) -> CycleScores:
    """The cycle's objectives (with owners), its teams' and its organization's progress and
    scores, as stored (two queries)."""
    objectives = list(
        Objective.objects.filter(cycle=cycle)
        .select_related("owner_team", "owner_person__user")
        .order_by("position", "id")
    )
    rollups = list(
        Rollup.objects.filter(cycle=cycle).select_related("team").order_by("team__name", "id")
    )
    teams = [TeamScore(r.team, r.progress, r.score) for r in rollups if r.team_id is not None]
    total = next((r for r in rollups if r.team_id is None), None)
    return CycleScores(
        cycle=cycle,
        objectives=objectives,
        teams=teams,
        organization=TeamScore(
            None, total.progress if total else None, total.score if total else None
        ),
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
