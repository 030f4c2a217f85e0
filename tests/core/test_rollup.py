"""Weighted roll-ups: objectives from KRs, teams and organizations from objectives."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core import Direction, KRKind, Weighted, kr_progress, weighted_mean

FAST = settings(max_examples=100, deadline=None, database=None)
LISTS = settings(max_examples=60, deadline=None, database=None)
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
weights = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
parts_lists = st.lists(st.builds(Weighted, value=values, weight=weights), min_size=1, max_size=12)


def test_objective_of_three_weighted_krs() -> None:
    # "Our customers love our onboarding": NPS counts double.
    nps = kr_progress(
        kind=KRKind.METRIC, direction=Direction.INCREASE, start=32, target=55, current=43.5
    )
    retention = kr_progress(
        kind=KRKind.PERCENTAGE, direction=Direction.INCREASE, start=20, target=40, current=40
    )
    cac = kr_progress(
        kind=KRKind.CURRENCY, direction=Direction.DECREASE, start=120, target=80, current=120
    )
    got = weighted_mean([Weighted(nps, 2), Weighted(retention, 1), Weighted(cac, 1)])
    assert got == pytest.approx((2 * 0.5 + 1.0 + 0.0) / 4)


def test_team_roll_up_of_objectives() -> None:
    objectives = [Weighted(0.5, 1), Weighted(0.8, 1), Weighted(0.2, 2)]
    assert weighted_mean(objectives) == pytest.approx(0.425)


def test_no_parts_gives_none() -> None:
    assert weighted_mean([]) is None
    assert weighted_mean(iter(())) is None


def test_accepts_any_iterable_once() -> None:
    assert weighted_mean(Weighted(v, 1) for v in (0.0, 1.0)) == pytest.approx(0.5)


@pytest.mark.parametrize("weight", [0.0, -1.0, math.nan, math.inf])
def test_weight_must_be_positive_and_finite(weight: float) -> None:
    with pytest.raises(ValueError):
        Weighted(0.5, weight)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_value_must_be_finite(value: float) -> None:
    with pytest.raises(ValueError):
        Weighted(value, 1.0)


def test_extreme_weights_neither_overflow_nor_vanish() -> None:
    assert weighted_mean([Weighted(0.0, 1e300), Weighted(1.0, 1e300)]) == pytest.approx(0.5)
    assert weighted_mean([Weighted(0.0, 1e-300), Weighted(1.0, 3e-300)]) == pytest.approx(0.75)


@LISTS
@given(parts_lists)
def test_mean_lies_between_min_and_max(parts: list[Weighted]) -> None:
    got = weighted_mean(parts)
    assert got is not None
    assert min(p.value for p in parts) <= got <= max(p.value for p in parts)


@FAST
@given(st.floats(min_value=0, max_value=1), weights, st.integers(min_value=1, max_value=20))
def test_equal_values_roll_up_to_exactly_that_value(value: float, weight: float, n: int) -> None:
    assert weighted_mean([Weighted(value, weight)] * n) == value


@LISTS
@given(parts_lists, st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_all_weights_changes_nothing(parts: list[Weighted], k: float) -> None:
    scaled = [Weighted(p.value, p.weight * k) for p in parts]
    original = weighted_mean(parts)
    assert original is not None
    got = weighted_mean(scaled)
    assert got == pytest.approx(original, abs=1e-9, rel=1e-12)


@LISTS
@given(parts_lists.flatmap(lambda ps: st.tuples(st.just(ps), st.permutations(ps))))
def test_order_of_parts_does_not_matter(pair: tuple[list[Weighted], list[Weighted]]) -> None:
    parts, shuffled = pair
    assert weighted_mean(parts) == weighted_mean(shuffled)


@LISTS
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=12))
def test_equal_weights_give_the_arithmetic_mean(progress: list[float]) -> None:
    got = weighted_mean(Weighted(p, 1.0) for p in progress)
    assert got == pytest.approx(math.fsum(progress) / len(progress), abs=1e-12)
