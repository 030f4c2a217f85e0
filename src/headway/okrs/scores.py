"""Graded scores of objectives, teams and the organization, from their key results' scores.

A key result's score is set while its cycle is in grading (see ``headway.okrs.grading``); the
objective's is the weighted mean of its key results' scores, a team's the weighted mean of its
active objectives' scores, the organization's that of every active team objective: the same
shapes as the progress roll-ups, over scores instead of progress. A key result not graded yet
counts with its default score (its progress snapped to the 0.1 grid), so the roll-ups are whole
from the first grade on.
"""

from __future__ import annotations

from collections import defaultdict

from headway import core
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup


def key_result_score(kr: KeyResult) -> float:
    """The graded score, or the default one from progress while it has none."""
    return kr.score if kr.score is not None else core.default_score(kr.progress)


def _mean(rows: list[tuple[float, float]]) -> float | None:
    return core.weighted_mean(core.Weighted(value=v, weight=w) for v, w in rows)


def recompute_scores(cycle: Cycle) -> None:
    """Store the scores of every objective of ``cycle``, of its teams and of the organization.

    Four queries plus one update per changed objective and one per roll-up row.
    """
    krs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for kr in KeyResult.objects.filter(objective__cycle=cycle).only(
        "objective_id", "score", "progress", "weight"
    ):
        krs[kr.objective_id].append((key_result_score(kr), float(kr.weight)))
    teams: dict[int, list[tuple[float, float]]] = defaultdict(list)
    organization: list[tuple[float, float]] = []
    for objective in Objective.objects.filter(cycle=cycle).only(
        "score", "weight", "status", "owner_team_id"
    ):
        score = _mean(krs.get(objective.pk, []))
        if score != objective.score:
            Objective.objects.filter(pk=objective.pk).update(score=score)
        if objective.status != ObjectiveStatus.ACTIVE or objective.owner_team_id is None:
            continue
        if score is not None:
            weighted = (score, float(objective.weight))
            teams[objective.owner_team_id].append(weighted)
            organization.append(weighted)
    stored = {r.team_id: r for r in Rollup.objects.filter(cycle=cycle)}
    wanted: dict[int | None, float | None] = {team: _mean(rows) for team, rows in teams.items()}
    wanted[None] = _mean(organization)
    for team_id in stored.keys() - wanted.keys():
        wanted[team_id] = None  # a team whose objectives all left the cycle has no score
    for team_id, score in wanted.items():
        row = stored.get(team_id)
        if row is None:
            Rollup.objects.create(
                organization_id=cycle.organization_id, cycle=cycle, team_id=team_id, score=score
            )
        elif row.score != score:
            Rollup.objects.filter(pk=row.pk).update(score=score)
