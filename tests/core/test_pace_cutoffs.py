"""Configurable pace cut-offs: the statuses move with the margins, and bad margins are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core import DEFAULT_THRESHOLDS, PaceStatus, PaceThresholds, pace_status

FAST = settings(max_examples=200, deadline=None, database=None)
unit = st.floats(min_value=0, max_value=1)


def test_defaults_are_the_specs() -> None:
    assert (DEFAULT_THRESHOLDS.on_track, DEFAULT_THRESHOLDS.at_risk) == (0.15, 0.33)
    assert pace_status(progress=0.35, expected=0.5) is PaceStatus.ON_TRACK
    assert pace_status(progress=0.17, expected=0.5) is PaceStatus.AT_RISK
    assert pace_status(progress=0.16, expected=0.5) is PaceStatus.OFF_TRACK


@pytest.mark.parametrize(
    ("on_track", "at_risk", "progress", "status"),
    [
        # lenient: far behind is still on track
        (0.3, 0.6, 0.6, PaceStatus.ON_TRACK),
        (0.3, 0.6, 0.35, PaceStatus.AT_RISK),
        (0.3, 0.6, 0.25, PaceStatus.OFF_TRACK),
        # no margin at all: anything behind is off track, exactly on the line is on track
        (0.0, 0.0, 0.9, PaceStatus.ON_TRACK),
        (0.0, 0.0, 0.89, PaceStatus.OFF_TRACK),
        # everything counts as on track
        (1.0, 1.0, 0.0, PaceStatus.ON_TRACK),
    ],
)
def test_margins_move_the_statuses(
    on_track: float, at_risk: float, progress: float, status: PaceStatus
) -> None:
    thresholds = PaceThresholds(on_track=on_track, at_risk=at_risk)
    assert pace_status(progress=progress, expected=0.9, thresholds=thresholds) is status


@pytest.mark.parametrize(
    ("on_track", "at_risk"),
    [(0.2, 1.01), (1.2, 1.5), (0.3, 0.2), (-0.01, 0.2), (float("inf"), float("inf"))],
)
def test_margins_outside_zero_to_one_or_inverted_are_refused(
    on_track: float, at_risk: float
) -> None:
    with pytest.raises(ValueError, match="on_track <= at_risk <= 1"):
        PaceThresholds(on_track=on_track, at_risk=at_risk)


@FAST
@given(unit, unit, unit, unit)
def test_wider_margins_never_make_a_status_worse(
    a: float, b: float, progress: float, expected: float
) -> None:
    rank = {PaceStatus.OFF_TRACK: 0, PaceStatus.AT_RISK: 1, PaceStatus.ON_TRACK: 2}
    narrow_on, wide_on = sorted((a, b))
    narrow = PaceThresholds(on_track=narrow_on, at_risk=wide_on)
    wide = PaceThresholds(on_track=wide_on, at_risk=wide_on)
    before = pace_status(progress=progress, expected=expected, thresholds=narrow)
    after = pace_status(progress=progress, expected=expected, thresholds=wide)
    assert rank[after] >= rank[before]
