"""Pace against the elapsed share of the cycle, and the end-of-cycle forecast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core import (
    Direction,
    Forecast,
    KRKind,
    Observation,
    PaceStatus,
    PaceThresholds,
    expected_progress,
    forecast,
    pace_status,
)

FAST = settings(max_examples=100, deadline=None, database=None)
Q_START = datetime(2025, 1, 1, tzinfo=UTC)
Q_END = Q_START + timedelta(days=90)
unit = st.floats(min_value=0, max_value=1)


def day(n: float) -> datetime:
    return Q_START + timedelta(days=n)


def project(
    observations: list[Observation],
    *,
    now: datetime,
    start_value: float = 20,
    target: float = 40,
    direction: Direction = Direction.INCREASE,
    kind: KRKind = KRKind.METRIC,
) -> Forecast | None:
    return forecast(
        kind=kind,
        direction=direction,
        start_value=start_value,
        target=target,
        observations=observations,
        cycle_start=Q_START,
        cycle_end=Q_END,
        now=now,
    )


# --- expected progress -------------------------------------------------------------------------


def test_expected_progress_is_the_elapsed_share() -> None:
    assert expected_progress(start=Q_START, end=Q_END, now=day(45)) == 0.5
    assert expected_progress(start=Q_START, end=Q_END, now=day(0)) == 0.0
    assert expected_progress(start=Q_START, end=Q_END, now=day(90)) == 1.0


def test_expected_progress_is_clamped_outside_the_cycle() -> None:
    assert expected_progress(start=Q_START, end=Q_END, now=day(-10)) == 0.0
    assert expected_progress(start=Q_START, end=Q_END, now=day(200)) == 1.0


def test_expected_progress_compares_instants_across_time_zones() -> None:
    berlin_winter = timezone(timedelta(hours=1))
    now = day(45).astimezone(berlin_winter)
    assert expected_progress(start=Q_START, end=Q_END, now=now) == 0.5


def test_expected_progress_rejects_naive_datetimes_and_empty_cycles() -> None:
    naive = datetime(2025, 2, 1)
    with pytest.raises(ValueError):
        expected_progress(start=Q_START, end=Q_END, now=naive)
    with pytest.raises(ValueError):
        expected_progress(start=naive, end=Q_END, now=day(1))
    with pytest.raises(ValueError):
        expected_progress(start=Q_START, end=Q_START, now=day(1))
    with pytest.raises(ValueError):
        expected_progress(start=Q_END, end=Q_START, now=day(1))


@FAST
@given(st.floats(min_value=-100, max_value=200), st.floats(min_value=-100, max_value=200))
def test_expected_progress_is_monotonic_in_now(a: float, b: float) -> None:
    early, late = sorted((a, b))
    e_early = expected_progress(start=Q_START, end=Q_END, now=day(early))
    e_late = expected_progress(start=Q_START, end=Q_END, now=day(late))
    assert 0.0 <= e_early <= e_late <= 1.0


# --- pace status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        (0.40, PaceStatus.ON_TRACK),
        (0.35, PaceStatus.ON_TRACK),  # exactly on the cut-off
        (0.25, PaceStatus.AT_RISK),
        (0.17, PaceStatus.AT_RISK),  # exactly on the cut-off
        (0.10, PaceStatus.OFF_TRACK),
        (0.90, PaceStatus.ON_TRACK),
    ],
)
def test_halfway_through_a_quarter(progress: float, status: PaceStatus) -> None:
    expected = expected_progress(start=Q_START, end=Q_END, now=day(45))
    assert pace_status(progress=progress, expected=expected) is status


def test_cut_offs_are_configurable() -> None:
    strict = PaceThresholds(on_track=0.05, at_risk=0.2)
    assert pace_status(progress=0.40, expected=0.5, thresholds=strict) is PaceStatus.AT_RISK
    assert pace_status(progress=0.25, expected=0.5, thresholds=strict) is PaceStatus.OFF_TRACK


@pytest.mark.parametrize(("on_track", "at_risk"), [(0.4, 0.2), (-0.1, 0.3), (0.1, float("nan"))])
def test_inconsistent_thresholds_are_rejected(on_track: float, at_risk: float) -> None:
    with pytest.raises(ValueError):
        PaceThresholds(on_track=on_track, at_risk=at_risk)


def test_labels_and_stored_values() -> None:
    assert [s.label for s in PaceStatus] == ["On track", "At risk", "Off track"]
    assert [str(s) for s in PaceStatus] == ["on_track", "at_risk", "off_track"]


def test_pace_status_rejects_nan() -> None:
    with pytest.raises(ValueError):
        pace_status(progress=float("nan"), expected=0.5)


@FAST
@given(unit, unit, unit)
def test_pace_status_is_monotone_in_progress(a: float, b: float, expected: float) -> None:
    rank = {PaceStatus.OFF_TRACK: 0, PaceStatus.AT_RISK: 1, PaceStatus.ON_TRACK: 2}
    low, high = sorted((a, b))
    assert (
        rank[pace_status(progress=low, expected=expected)]
        <= rank[pace_status(progress=high, expected=expected)]
    )


@FAST
@given(unit)
def test_progress_at_or_above_expectation_is_on_track(expected: float) -> None:
    assert pace_status(progress=expected, expected=expected) is PaceStatus.ON_TRACK


# --- forecast ----------------------------------------------------------------------------------


def test_four_check_ins_on_a_line_project_the_line_to_cycle_end() -> None:
    # value = 20 + 0.25 * day: 20 -> 42.5 over the quarter.
    observations = [Observation(day(d), 20 + 0.25 * d) for d in (7, 21, 35, 49)]
    got = project(observations, now=day(50))
    assert got is not None
    assert got.method == "trend"
    assert got.value == pytest.approx(42.5)
    assert got.progress == 1.0


def test_trend_is_the_least_squares_fit() -> None:
    # Points (0, 1), (1, 3), (2, 2) in days: slope 0.5, intercept 1.5.
    observations = [Observation(day(0), 1), Observation(day(1), 3), Observation(day(2), 2)]
    got = project(observations, now=day(3), start_value=0, target=100)
    assert got is not None
    assert got.method == "trend"
    assert got.value == pytest.approx(1.5 + 0.5 * 90)
    assert got.progress == pytest.approx(0.465)


def test_two_check_ins_use_pace_from_the_baseline() -> None:
    observations = [Observation(day(30), 26), Observation(day(40), 28)]
    got = project(observations, now=day(45))
    assert got is not None
    assert got.method == "pace"
    # 8 gained in 45 of 90 days -> 16 by the end.
    assert got.value == pytest.approx(36)
    assert got.progress == pytest.approx(0.8)


def test_pace_for_a_decrease_kr() -> None:
    # Customer acquisition cost 120 -> 80, at 110 a third of the way through.
    got = project(
        [Observation(day(30), 110)],
        now=day(30),
        start_value=120,
        target=80,
        direction=Direction.DECREASE,
        kind=KRKind.CURRENCY,
    )
    assert got is not None
    assert got.method == "pace"
    assert got.value == pytest.approx(90)
    assert got.progress == pytest.approx(0.75)


def test_no_check_ins_gives_no_forecast() -> None:
    assert project([], now=day(45)) is None


def test_only_this_cycles_check_ins_up_to_now_count() -> None:
    observations = [
        Observation(day(-5), 1000),  # previous cycle
        Observation(day(30), 26),
        Observation(day(60), 1000),  # after now: not known yet
    ]
    got = project(observations, now=day(45))
    assert got is not None
    assert got.method == "pace"
    assert got.value == pytest.approx(32)
    assert project([Observation(day(-5), 1000)], now=day(45)) is None


def test_after_cycle_end_pace_is_the_latest_value() -> None:
    observations = [Observation(day(80), 35), Observation(day(100), 1000)]
    got = project(observations, now=day(120))
    assert got is not None
    assert got.method == "pace"
    assert got.value == pytest.approx(35)


def test_check_ins_at_one_instant_fall_back_to_pace() -> None:
    observations = [Observation(day(45), v) for v in (24, 25, 26)]
    got = project(observations, now=day(45))
    assert got is not None
    assert got.method == "pace"
    assert got.value == pytest.approx(32)  # the last one entered wins


def test_nothing_to_extrapolate_at_the_very_start() -> None:
    assert project([Observation(Q_START, 25)], now=Q_START) is None


def test_milestone_and_stay_kinds_project_the_value_too() -> None:
    done = project(
        [Observation(day(30), 1)], now=day(45), start_value=0, target=1, kind=KRKind.MILESTONE
    )
    assert done is not None
    assert done.value == pytest.approx(2)
    assert done.progress == 1.0
    slipping = project(
        [Observation(day(d), 99 - 0.1 * d) for d in (10, 20, 30)],
        now=day(30),
        start_value=99,
        target=95,
        direction=Direction.AT_LEAST,
    )
    assert slipping is not None
    assert slipping.value == pytest.approx(90)
    assert slipping.progress == 0.0


def test_forecast_rejects_naive_datetimes_and_empty_cycles() -> None:
    naive = datetime(2025, 2, 1)
    with pytest.raises(ValueError):
        project([Observation(naive, 25)], now=day(45))
    with pytest.raises(ValueError):
        project([], now=naive)
    with pytest.raises(ValueError):
        forecast(
            kind=KRKind.METRIC,
            direction=Direction.INCREASE,
            start_value=0,
            target=1,
            observations=[],
            cycle_start=Q_END,
            cycle_end=Q_START,
            now=day(1),
        )


@FAST
@given(
    st.floats(min_value=-1e4, max_value=1e4),
    st.floats(min_value=-100, max_value=100),
    st.lists(st.integers(min_value=0, max_value=90 * 24), min_size=3, max_size=10, unique=True),
)
def test_trend_recovers_any_exact_line(intercept: float, slope: float, hours: list[int]) -> None:
    observations = [Observation(day(h / 24), intercept + slope * h / 24) for h in hours]
    got = project(observations, now=Q_END, start_value=0, target=1)
    assert got is not None
    assert got.method == "trend"
    assert got.value == pytest.approx(intercept + slope * 90, rel=1e-6, abs=1e-6)
    assert 0.0 <= got.progress <= 1.0
