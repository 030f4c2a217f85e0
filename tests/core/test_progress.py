"""KR progress: the seeds' worked examples and properties over arbitrary inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core import Direction, KRKind, kr_progress

FAST = settings(max_examples=100, deadline=None, database=None)
numbers = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
kinds = st.sampled_from(KRKind)
directions = st.sampled_from(Direction)


def metric(direction: Direction, start: float, target: float, current: float | None) -> float:
    return kr_progress(
        kind=KRKind.METRIC, direction=direction, start=start, target=target, current=current
    )


@pytest.mark.parametrize(
    ("kind", "start", "target", "current", "expected"),
    [
        # "Increase 1-month retention from 20% to 40%"
        (KRKind.PERCENTAGE, 20, 40, 30, 0.5),
        # "Increase the monthly visitors to the website from 3k to 7k"
        (KRKind.METRIC, 3000, 7000, 5000, 0.5),
        # "Increase average time in the app from 15 mins to 30 mins"
        (KRKind.METRIC, 15, 30, 30, 1.0),
        (KRKind.METRIC, 15, 30, 40, 1.0),
        (KRKind.METRIC, 15, 30, 10, 0.0),
        # "Onboarding NPS rises from 32 to 55"
        (KRKind.METRIC, 32, 55, 32, 0.0),
        (KRKind.METRIC, 32, 55, 43.5, 0.5),
        (KRKind.METRIC, 32, 55, 55, 1.0),
        (KRKind.CURRENCY, 100_000, 150_000, 110_000, 0.2),
    ],
)
def test_increase_examples(
    kind: KRKind, start: float, target: float, current: float, expected: float
) -> None:
    got = kr_progress(
        kind=kind, direction=Direction.INCREASE, start=start, target=target, current=current
    )
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("current", "expected"),
    [(120, 0.0), (130, 0.0), (110, 0.25), (100, 0.5), (80, 1.0), (70, 1.0)],
)
def test_decrease_customer_acquisition_cost(current: float, expected: float) -> None:
    assert metric(Direction.DECREASE, 120, 80, current) == pytest.approx(expected)


def test_formula_ignores_direction_when_start_and_target_differ() -> None:
    # The sign of target - start decides, so a mislabelled direction still measures sensibly.
    assert metric(Direction.INCREASE, 40, 20, 30) == pytest.approx(0.5)
    assert metric(Direction.DECREASE, 20, 40, 30) == pytest.approx(0.5)


def test_no_check_in_yet_is_zero_for_increase_and_decrease() -> None:
    assert metric(Direction.INCREASE, 20, 40, None) == 0.0
    assert metric(Direction.DECREASE, 120, 80, None) == 0.0


@pytest.mark.parametrize(
    ("direction", "current", "expected"),
    [
        (Direction.INCREASE, 50, 1.0),
        (Direction.INCREASE, 60, 1.0),
        (Direction.INCREASE, 49.9, 0.0),
        (Direction.DECREASE, 50, 1.0),
        (Direction.DECREASE, 40, 1.0),
        (Direction.DECREASE, 50.1, 0.0),
    ],
)
def test_start_equals_target_is_met_or_not(
    direction: Direction, current: float, expected: float
) -> None:
    assert metric(direction, 50, 50, current) == expected


@pytest.mark.parametrize(
    ("target", "current", "expected"),
    [
        (1, None, 0.0),
        (1, 0, 0.0),
        (1, 0.5, 0.0),
        (1, 1, 1.0),
        (1, 2, 1.0),
        (0, 0, 0.0),  # a zero target must not make "not started" count as done
        (0, 1, 1.0),
        (-3, 1, 1.0),
    ],
)
def test_milestone_is_done_or_not(target: float, current: float | None, expected: float) -> None:
    for direction in Direction:
        got = kr_progress(
            kind=KRKind.MILESTONE, direction=direction, start=0, target=target, current=current
        )
        assert got == expected


@pytest.mark.parametrize(
    ("direction", "current", "expected"),
    [
        (Direction.AT_LEAST, 95, 1.0),
        (Direction.AT_LEAST, 99.9, 1.0),
        (Direction.AT_LEAST, 94.9, 0.0),
        (Direction.AT_MOST, 95, 1.0),
        (Direction.AT_MOST, 80, 1.0),
        (Direction.AT_MOST, 95.1, 0.0),
    ],
)
def test_stay_at_or_above_or_below(direction: Direction, current: float, expected: float) -> None:
    # e.g. "keep uptime at or above 95%", "keep churn at or below 95 accounts"
    assert metric(direction, 97, 95, current) == expected


def test_stay_kinds_evaluate_the_baseline_before_any_check_in() -> None:
    assert metric(Direction.AT_LEAST, 97, 95, None) == 1.0
    assert metric(Direction.AT_LEAST, 90, 95, None) == 0.0
    assert metric(Direction.AT_MOST, 90, 95, None) == 1.0
    assert metric(Direction.AT_MOST, 97, 95, None) == 0.0


def test_accepts_stored_strings_for_kind_and_direction() -> None:
    got = kr_progress(
        kind=KRKind("percentage"), direction=Direction("increase"), start=20, target=40, current=30
    )
    assert got == pytest.approx(0.5)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_rejects_non_finite_inputs(bad: float) -> None:
    with pytest.raises(ValueError):
        metric(Direction.INCREASE, bad, 10, 5)
    with pytest.raises(ValueError):
        metric(Direction.INCREASE, 0, bad, 5)
    with pytest.raises(ValueError):
        metric(Direction.INCREASE, 0, 10, bad)


def test_extreme_magnitudes_stay_finite() -> None:
    big = 1.7e308
    assert metric(Direction.INCREASE, -big, big, 0.0) == pytest.approx(0.5)
    assert metric(Direction.DECREASE, big, -big, big) == 0.0


@FAST
@given(kinds, directions, numbers, numbers, st.none() | numbers)
def test_progress_is_always_within_unit_interval(
    kind: KRKind, direction: Direction, start: float, target: float, current: float | None
) -> None:
    got = kr_progress(kind=kind, direction=direction, start=start, target=target, current=current)
    assert 0.0 <= got <= 1.0
    assert not math.isnan(got)


@FAST
@given(
    st.sampled_from([KRKind.METRIC, KRKind.PERCENTAGE, KRKind.CURRENCY]),
    numbers,
    numbers,
    numbers,
    numbers,
)
def test_increase_is_non_decreasing_in_current(
    kind: KRKind, start: float, target: float, a: float, b: float
) -> None:
    if target <= start:
        start, target = target, start
    if target == start:
        target = start + 1
    low, high = sorted((a, b))

    def p(current: float) -> float:
        return kr_progress(
            kind=kind, direction=Direction.INCREASE, start=start, target=target, current=current
        )

    assert p(low) <= p(high)


@FAST
@given(numbers, numbers, numbers, numbers)
def test_decrease_is_non_decreasing_as_current_falls(
    start: float, target: float, a: float, b: float
) -> None:
    if target >= start:
        start, target = target, start
    if target == start:
        target = start - 1
    low, high = sorted((a, b))
    # Lower is better for a decrease KR: moving current down never loses progress.
    assert metric(Direction.DECREASE, start, target, low) >= metric(
        Direction.DECREASE, start, target, high
    )


@FAST
@given(numbers, numbers)
def test_baseline_and_target_are_the_end_points(start: float, target: float) -> None:
    if start == target:
        return
    direction = Direction.INCREASE if target > start else Direction.DECREASE
    assert metric(direction, start, target, start) == 0.0
    assert metric(direction, start, target, target) == 1.0
    assert metric(direction, start, target, None) == 0.0
