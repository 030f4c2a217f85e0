"""Calibration flags and the spread of grades, as plain functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from headway.core.calibration import (
    OVERREACH,
    STREAK_CYCLES,
    CalibrationFlag,
    calibration_streak,
    explain,
    spread,
)
from headway.core.coach.cycle_rules import TOO_EASY, TOO_EASY_CYCLES
from headway.core.grading import GradeBand, ObjectiveKind

grid = st.integers(0, 10).map(lambda n: n / 10)


def test_thresholds_are_the_coachs():
    assert (TOO_EASY, STREAK_CYCLES) == (0.9, TOO_EASY_CYCLES) == (0.9, 2)
    assert OVERREACH == 0.3


def test_two_high_cycles_ending_with_the_latest_are_not_ambitious():
    streak = calibration_streak([0.5, 1.0, 0.9])
    assert streak is not None
    assert streak.flag is CalibrationFlag.NOT_AMBITIOUS
    assert streak.scores == (1.0, 0.9)


def test_the_run_must_include_the_latest_cycle():
    assert calibration_streak([1.0, 1.0, 0.7]) is None


def test_one_cycle_is_not_a_pattern():
    assert calibration_streak([1.0]) is None
    assert calibration_streak([0.1]) is None
    assert calibration_streak([]) is None


def test_low_scores_in_a_row_are_overreach():
    streak = calibration_streak([0.8, 0.2, 0.1, 0.25])
    assert streak is not None
    assert streak.flag is CalibrationFlag.OVERREACH
    assert streak.scores == (0.2, 0.1, 0.25)


def test_cut_offs():
    # 0.3 is the top of the red band but not below 0.3; means land a hair off the grid.
    assert calibration_streak([0.3, 0.3]) is None
    assert calibration_streak([0.29, 0.29]) is not None
    assert calibration_streak([(0.8 + 1.0) / 2, (0.7 + 1.1) / 2]) is not None
    assert calibration_streak([0.89, 0.95]) is None


def test_not_a_number_breaks_the_run():
    assert calibration_streak([1.0, float("nan"), 1.0]) is None


@given(st.lists(grid, min_size=0, max_size=8))
def test_a_flag_always_rests_on_the_latest_cycles(scores):
    streak = calibration_streak(scores)
    if streak is None:
        return
    n = len(streak.scores)
    assert n >= STREAK_CYCLES
    assert tuple(scores[-n:]) == streak.scores
    inside = (
        (lambda s: s >= TOO_EASY)
        if streak.flag is CalibrationFlag.NOT_AMBITIOUS
        else (lambda s: s < OVERREACH)
    )
    assert all(inside(s) for s in streak.scores)
    # The run is as long as it goes: the cycle before it does not qualify.
    if len(scores) > n:
        assert not inside(scores[-n - 1])


def test_explain_names_scores_and_cycles():
    text = explain(calibration_streak([1.0, 1.0]), ["2026-Q1", "2026-Q2"])  # type: ignore[arg-type]
    assert "1.0, 1.0" in text
    assert "last 2 graded cycles (2026-Q1, 2026-Q2)" in text
    assert "not ambitious enough" in text
    low = explain(calibration_streak([0.15, 0.2]))  # type: ignore[arg-type]
    assert "0.15, 0.2" in low and "below 0.3" in low


def test_spread_counts_by_band_and_kind():
    result = spread(
        [
            ("aspirational", 0.7),
            ("aspirational", 1.0),
            ("aspirational", 0.3),
            ("committed", 0.5),
            (ObjectiveKind.COMMITTED, 1.0),
        ]
    )
    assert result.count(GradeBand.GREEN, "aspirational") == 2
    assert result.count("red", "aspirational") == 1
    assert result.count("yellow", "committed") == 1
    assert result.count("green", "committed") == 1
    assert result.count("red", "committed") == 0
    assert result.total() == 5
    assert result.total("aspirational") == 3
    assert result.as_dict() == {
        "committed": {"red": 0, "yellow": 1, "green": 1},
        "aspirational": {"red": 1, "yellow": 0, "green": 2},
    }
    assert result.rows() == [
        (ObjectiveKind.COMMITTED, [0, 1, 1], 2),
        (ObjectiveKind.ASPIRATIONAL, [1, 0, 2], 3),
    ]


@given(st.lists(st.tuples(st.sampled_from(["committed", "aspirational"]), grid), max_size=30))
def test_spread_adds_up(pairs):
    one = spread(pairs[: len(pairs) // 2])
    two = spread(pairs[len(pairs) // 2 :])
    one.add(two)
    assert one.total() == len(pairs)
    assert one.as_dict() == spread(pairs).as_dict()
