"""A check-in costs the same whatever the size of its cycle, and its roll-ups stay exact.

The organization's roll-up weighs every active team objective of the cycle: the database sums them
(``headway.okrs.scores.weighted_mean_in_db``) and one row comes back, to the same float as the
mean of the rows read into Python (``core.weighted_mean``).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headway import core
from headway.core import rollup
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import weighted_progress
from headway.okrs.scores import key_result_score, recompute_scores, weighted_mean_in_db
from headway.okrs.services import recompute_rollups, record_checkin
from headway.orgs.models import Team
from tests.factories import World, make_kr, make_objective


def _limbs(part: float) -> list[int] | None:
    """The limbs the SQL takes off a part in [0, 1] (None when they do not hold it exactly)."""
    scale = [float(2 ** (rollup.LIMB_BITS * k)) for k in range(rollup.LIMBS + 1)]
    floors = [math.floor(part * s) for s in scale]
    if part * scale[-1] != floors[-1]:
        return None
    return [floors[1]] + [floors[k] - floors[k - 1] * int(scale[1]) for k in range(2, len(scale))]


weights = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("99999.999"), places=3)
values = st.one_of(
    st.sampled_from([0.0, 1.0, 1 / 3, 2 / 3, 0.1, 0.7]),
    st.floats(min_value=1e-9, max_value=1.0, allow_subnormal=False),
)


@given(st.lists(st.tuples(values, weights), min_size=1, max_size=40))
def test_limb_sums_give_the_weighted_mean_to_the_last_bit(rows: list[tuple[float, Decimal]]):
    floats = [float(w) for _, w in rows]
    heaviest = max(floats)
    products, relative = [], []
    for (value, _), weight in zip(rows, floats, strict=True):
        x = weight / heaviest
        product, share = _limbs(x * value), _limbs(x)
        assert product is not None and share is not None
        products.append(product)
        relative.append(share)
    mean = rollup.weighted_mean_of_sums(
        count=len(rows),
        products=[sum(column) for column in zip(*products, strict=True)],
        weights=[sum(column) for column in zip(*relative, strict=True)],
        low=min(v for v, _ in rows),
        high=max(v for v, _ in rows),
    )
    assert mean == weighted_progress(rows)


def test_a_value_too_small_to_split_is_summed_from_the_rows(world: World):
    for progress, weight in ((1e-25, "3"), (0.5, "1"), (1 / 3, "0.001")):
        make_objective(world.cycle, team=world.growth, progress=progress, weight=Decimal(weight))
    rows = Objective.objects.filter(cycle=world.cycle)
    assert weighted_mean_in_db(rows, "progress") == weighted_progress(
        rows.values_list("progress", "weight")
    )
    assert weighted_mean_in_db(rows.none(), "progress") is None


def _other_team_objectives(world: World, n: int) -> None:
    """``n`` more active objectives of another team in the cycle, with some progress."""
    team, _ = Team.objects.get_or_create(organization=world.org, slug="sales", name="Sales")
    Objective.objects.bulk_create(
        Objective(
            organization=world.org,
            cycle=world.cycle,
            title=f"Objective {i}",
            owner_team=team,
            weight=Decimal(1 + i % 3),
            progress=(i % 7) / 7,
        )
        for i in range(n)
    )


def _stored(cycle: Cycle) -> dict[str, Any]:
    return {
        "objectives": sorted(
            Objective.objects.filter(cycle=cycle).values_list("pk", "progress", "score")
        ),
        "rollups": sorted(
            Rollup.objects.filter(cycle=cycle).values_list("team_id", "progress", "score"),
            key=lambda row: row[0] or 0,
        ),
    }


def _recomputed(cycle: Cycle) -> dict[str, Any]:
    """Every roll-up of the cycle recomputed from scratch, as the stored figures should be."""
    recompute_rollups(
        cycle, Objective.objects.filter(cycle=cycle).values_list("owner_team_id", flat=True)
    )
    if cycle.state == CycleState.GRADING:
        recompute_scores(cycle)
    return _stored(cycle)


@pytest.mark.parametrize("state", [CycleState.ACTIVE, CycleState.GRADING])
def test_a_check_in_takes_as_many_queries_however_many_objectives_the_cycle_has(
    world: World, state: str
):
    objective = make_objective(world.cycle, team=world.growth)
    kr = make_kr(objective, start="0", target="100")
    Cycle.objects.filter(pk=world.cycle.pk).update(state=state)
    world.cycle.refresh_from_db()
    counts = []
    for added in (0, 60):
        _other_team_objectives(world, added)
        recompute_rollups(world.cycle, Team.objects.values_list("pk", flat=True))
        if state == CycleState.GRADING:
            recompute_scores(world.cycle)
        with CaptureQueriesContext(connection) as captured:
            record_checkin(actor=world.alice, key_result=kr, value=10 + added, confidence=5)
        counts.append(len(captured.captured_queries))
        assert _stored(world.cycle) == _recomputed(world.cycle)
    assert counts[0] == counts[1]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    objectives=st.lists(
        st.tuples(weights, st.sampled_from(["team", "other", "person", "archived"])),
        min_size=1,
        max_size=5,
    ),
    targets=st.lists(st.sampled_from(["3", "7", "100", "0.3", "9999"]), min_size=1, max_size=4),
    checkins=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=19),
            st.decimals(min_value=0, max_value=120, places=2),
        ),
        min_size=1,
        max_size=8,
    ),
    grading=st.booleans(),
)
def test_roll_ups_after_a_series_of_check_ins_equal_a_full_recompute(
    world: World,
    objectives: list[tuple[Decimal, str]],
    targets: list[str],
    checkins: list[tuple[int, Decimal]],
    grading: bool,
):
    with transaction.atomic():
        cycle = Cycle.objects.get(pk=world.cycle.pk)  # each example starts from the stored one
        if grading:
            Cycle.objects.filter(pk=cycle.pk).update(state=CycleState.GRADING)
            cycle.refresh_from_db()
        owners: dict[str, dict[str, Any]] = {
            "team": {"team": world.growth},
            "other": {"team": world.company},
            "person": {"person": world.mo},
            "archived": {"team": world.growth, "status": ObjectiveStatus.ARCHIVED},
        }
        krs: list[KeyResult] = []
        for i, (weight, owner) in enumerate(objectives):
            objective = make_objective(cycle, title=f"O{i}", weight=weight, **owners[owner])
            for j, target in enumerate(targets):
                krs.append(make_kr(objective, title=f"K{i}.{j}", start="0", target=target))
        if grading:
            recompute_scores(cycle)
        for index, value in checkins:
            kr = KeyResult.objects.get(pk=krs[index % len(krs)].pk)
            record_checkin(actor=world.alice, key_result=kr, value=value, confidence=5)
        stored = _stored(cycle)
        assert stored == _recomputed(cycle)
        # And the organization's figures are those of the rows read into Python.
        active = Objective.objects.filter(
            cycle=cycle, status=ObjectiveStatus.ACTIVE, owner_team__isnull=False
        )
        organization = Rollup.objects.get(cycle=cycle, team=None)
        assert organization.progress == weighted_progress(active.values_list("progress", "weight"))
        if grading:
            scores = [
                core.Weighted(value=o.score, weight=float(o.weight))
                for o in active
                if o.score is not None
            ]
            assert organization.score == core.weighted_mean(scores)
            for objective in Objective.objects.filter(cycle=cycle):
                expected = core.weighted_mean(
                    core.Weighted(value=key_result_score(kr), weight=float(kr.weight))
                    for kr in objective.key_results.all()
                )
                assert objective.score == expected
        transaction.set_rollback(True)
