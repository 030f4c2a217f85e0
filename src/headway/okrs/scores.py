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
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import F, FloatField, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from headway import core
from headway.core import rollup
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup


def key_result_score(kr: KeyResult) -> float:
    """The graded score, or the default one from progress while it has none."""
    return kr.score if kr.score is not None else core.default_score(kr.progress)


def _mean(rows: list[tuple[float, float]]) -> float | None:
    return core.weighted_mean(core.Weighted(value=v, weight=w) for v, w in rows)


def _scale(k: int) -> str:
    """2**(LIMB_BITS * k) as an SQL literal (a float: scaling by it is exact)."""
    return repr(float(2 ** (rollup.LIMB_BITS * k)))


def _limbs(part: str) -> list[str]:
    """SQL for the limbs of ``part`` (in [0, 1]): limb k is floor(part * 2**(40k)) less 2**40
    times limb k-1's floor; both are whole floats and their difference is exact."""
    out = [f"FLOOR({part} * {_scale(1)})"]
    for k in range(2, rollup.LIMBS + 1):
        out.append(f"FLOOR({part} * {_scale(k)}) - FLOOR({part} * {_scale(k - 1)}) * {_scale(1)}")
    return [f"SUM(CAST({limb} AS BIGINT))" for limb in out]


def _limbs_sql(base: str) -> str:
    """Count, least and greatest value and the limb sums of the rows of ``base`` (columns v, w):
    x is a row's relative weight (weight / heaviest), y its product with the value. A part with
    bits below the last limb, or a value too small to split, counts in the last column.
    Only constants and ``base`` (SQL that Django wrote, its parameters apart) go in.
    """
    last = _scale(rollup.LIMBS)
    query = (
        "WITH base AS ({base}) SELECT COUNT(*), MIN(v), MAX(v), {sums},"
        " SUM(CASE WHEN x * {last} <> FLOOR(x * {last}) OR y * {last} <> FLOOR(y * {last})"
        " OR (v > 0 AND v < 1e-20) THEN 1 ELSE 0 END)"
        " FROM (SELECT b.v AS v, b.w / t.h AS x,"
        " CASE WHEN b.v < 1e-20 THEN 0.0 ELSE (b.w / t.h) * b.v END AS y"
        " FROM base b CROSS JOIN (SELECT MAX(w) AS h FROM base) t) s"
    )
    return query.format(base=base, sums=", ".join(_limbs("y") + _limbs("x")), last=last)


def weighted_mean_in_db(rows: QuerySet[Objective], value: str) -> float | None:
    """``core.weighted_mean`` of the rows' ``value`` weighed by their ``weight``, summed by the
    database: one query returning one row, whatever the number of rows, and the same float as
    the mean of the rows read into Python. Rows whose value is None are left out.
    """
    base = (
        rows.filter(**{f"{value}__isnull": False})
        .order_by()
        .values(v=F(value), w=Cast("weight", FloatField()))
    )
    try:
        sql, params = base.query.sql_with_params()
    except EmptyResultSet:  # a queryset that can match nothing (.none(), pk__in=[])
        return None
    with connection.cursor() as cursor:
        cursor.execute(_limbs_sql(sql), params)
        count, low, high, *sums, bad = cursor.fetchone()
    if not count:
        return None
    if bad:
        # A part that the limbs do not hold exactly: read the rows instead (never seen in practice).
        present = rows.filter(**{f"{value}__isnull": False}).values_list(value, "weight")
        return _mean([(v, float(w)) for v, w in present])
    n = rollup.LIMBS
    return rollup.weighted_mean_of_sums(
        count=count,
        products=[int(s) for s in sums[:n]],
        weights=[int(s) for s in sums[n:]],
        low=float(low),
        high=float(high),
    )


def store_rollup(
    cycle: Cycle, team_id: int | None, *, create: bool = True, **values: float | None
) -> None:
    """Set a roll-up row's figures (one query when the row exists); a missing row is created
    unless ``create`` is false."""
    team = {"team_id": team_id} if team_id is not None else {"team__isnull": True}
    rows = Rollup.objects.filter(cycle=cycle, **team)
    if rows.update(**values, updated_at=timezone.now()) or not create:
        return
    try:
        with transaction.atomic():
            Rollup.objects.create(
                organization_id=cycle.organization_id, cycle=cycle, team_id=team_id, **values
            )
    except IntegrityError:  # a concurrent writer made it meanwhile
        rows.update(**values, updated_at=timezone.now())


def recompute_objective_scores(objective: Objective, team_ids: Iterable[int | None]) -> None:
    """After ``objective``'s key results moved: its score, those of ``team_ids`` and the
    organization's, as ``recompute_scores`` makes them when every other objective's stored score
    is current. A few queries, whatever the size of the cycle.
    """
    cycle = objective.cycle
    score = _mean(
        [
            (key_result_score(kr), float(kr.weight))
            for kr in objective.key_results.only("score", "progress", "weight")
        ]
    )
    if score != objective.score:
        Objective.objects.filter(pk=objective.pk).update(score=score)
        objective.score = score
    active = Objective.objects.filter(cycle=cycle, status=ObjectiveStatus.ACTIVE)
    for team_id in sorted({t for t in team_ids if t is not None}):
        mean = weighted_mean_in_db(active.filter(owner_team_id=team_id), "score")
        # A team none of whose objectives has a score gets a row only from the progress roll-up.
        store_rollup(cycle, team_id, create=mean is not None, score=mean)
    store_rollup(
        cycle, None, score=weighted_mean_in_db(active.filter(owner_team__isnull=False), "score")
    )


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
