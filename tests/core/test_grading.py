"""Grading: the 0.1 grid, colour bands and expected scores."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core import (
    GradeBand,
    ObjectiveKind,
    default_score,
    expected_score,
    grade_band,
    validate_score,
)

FAST = settings(max_examples=100, deadline=None, database=None)
GRID = [n / 10 for n in range(11)]


@pytest.mark.parametrize(
    ("progress", "score", "band"),
    [
        (0.65, 0.7, GradeBand.GREEN),
        (0.34, 0.3, GradeBand.RED),
        (0.45, 0.5, GradeBand.YELLOW),
        (0.35, 0.4, GradeBand.YELLOW),
        (0.0, 0.0, GradeBand.RED),
        (0.04, 0.0, GradeBand.RED),
        (0.05, 0.1, GradeBand.RED),
        (0.94, 0.9, GradeBand.GREEN),
        (0.95, 1.0, GradeBand.GREEN),
        (1.0, 1.0, GradeBand.GREEN),
        (1.0 / 3, 0.3, GradeBand.RED),
        (2.0 / 3, 0.7, GradeBand.GREEN),
    ],
)
def test_worked_examples(progress: float, score: float, band: GradeBand) -> None:
    got = default_score(progress)
    assert got == score  # exact: no 0.7000000000000001
    assert repr(got) == repr(score)
    assert grade_band(got) is band


def test_half_rounds_up_on_every_hundredth() -> None:
    for hundredths in range(101):
        exact = Decimal(hundredths) / 100
        oracle = float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        assert default_score(hundredths / 100) == oracle, exact


def test_float_artefacts_near_a_half_still_round_up() -> None:
    assert default_score(0.6499999999999999) == 0.7
    assert default_score(0.1 + 0.2) == 0.3


def test_progress_outside_unit_interval_is_clamped() -> None:
    assert default_score(-0.2) == 0.0
    assert default_score(1.3) == 1.0
    assert default_score(1e308) == 1.0
    assert default_score(-1e308) == 0.0


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0.0, GradeBand.RED),
        (0.3, GradeBand.RED),
        (0.4, GradeBand.YELLOW),
        (0.6, GradeBand.YELLOW),
        (0.7, GradeBand.GREEN),
        (1.0, GradeBand.GREEN),
        (0.34, GradeBand.RED),  # off grid: snapped to 0.3 first
        (0.35, GradeBand.YELLOW),  # snapped to 0.4
        (0.66, GradeBand.GREEN),  # snapped to 0.7
    ],
)
def test_band_edges(score: float, band: GradeBand) -> None:
    assert grade_band(score) is band


def test_expected_scores() -> None:
    assert expected_score(ObjectiveKind.COMMITTED) == 1.0
    assert expected_score(ObjectiveKind.ASPIRATIONAL) == 0.7
    assert expected_score(ObjectiveKind("aspirational")) == 0.7


def test_validate_score_accepts_grid_values_and_cleans_them() -> None:
    for score in GRID:
        assert validate_score(score) == score
    assert repr(validate_score(0.1 + 0.2)) == "0.3"
    assert validate_score(1) == 1.0


@pytest.mark.parametrize("bad", [0.35, 0.05, 1.1, -0.1, 2.0, 1e308, -1e308, math.nan, math.inf])
def test_validate_score_rejects_off_grid_or_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError):
        validate_score(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_progress_is_rejected(bad: float) -> None:
    with pytest.raises(ValueError):
        default_score(bad)
    with pytest.raises(ValueError):
        grade_band(bad)


@FAST
@given(st.floats(min_value=-2, max_value=3, allow_nan=False))
def test_score_is_on_the_grid_and_band_is_consistent(progress: float) -> None:
    score = default_score(progress)
    assert score in GRID
    assert validate_score(score) == score
    assert abs(score - min(1.0, max(0.0, progress))) <= 0.05 + 1e-9
    band = grade_band(score)
    assert band is grade_band(progress)
    if score <= 0.3:
        assert band is GradeBand.RED
    elif score <= 0.6:
        assert band is GradeBand.YELLOW
    else:
        assert band is GradeBand.GREEN


@FAST
@given(st.floats(min_value=-1, max_value=2), st.floats(min_value=-1, max_value=2))
def test_score_is_monotonic_in_progress(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert default_score(low) <= default_score(high)
