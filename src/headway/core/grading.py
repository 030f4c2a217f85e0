"""End-of-cycle grading: scores on the 0.1 grid, colour bands and the score each OKR aims at."""

from __future__ import annotations

import math
from enum import StrEnum

# Float arithmetic lands near, not on, grid points and halves (0.1 + 0.2, 0.35 * 10); anything
# this close is taken to be the intended decimal value.
_TOLERANCE = 1e-9
_GRID_STEPS = 10  # tenths between 0.0 and 1.0
_RED_UP_TO = 3  # 0.0-0.3
_YELLOW_UP_TO = 6  # 0.4-0.6; the rest is green


class GradeBand(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


class ObjectiveKind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


_EXPECTED_SCORE = {ObjectiveKind.COMMITTED: 1.0, ObjectiveKind.ASPIRATIONAL: 0.7}


def _require_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _tenths(value: float) -> int:
    """Nearest number of tenths in 0..10, halves rounding up."""
    # Clamping first keeps huge finite inputs from overflowing when scaled.
    clamped = min(1.0, max(0.0, value))
    return math.floor(clamped * _GRID_STEPS + 0.5 + _TOLERANCE)


def default_score(progress: float) -> float:
    """The score a KR gets unless its owner overrides it: final progress snapped to the grid."""
    _require_finite("progress", progress)
    # n / 10 is the correctly rounded float, i.e. the same value as the literal 0.n.
    return _tenths(progress) / _GRID_STEPS


def grade_band(score: float) -> GradeBand:
    """Colour band of a score; off-grid scores are snapped to the grid first."""
    _require_finite("score", score)
    tenths = _tenths(score)
    if tenths <= _RED_UP_TO:
        return GradeBand.RED
    if tenths <= _YELLOW_UP_TO:
        return GradeBand.YELLOW
    return GradeBand.GREEN


def expected_score(kind: ObjectiveKind) -> float:
    """Committed OKRs aim at 1.0; aspirational ones at 0.7, since 1.0 means it was too easy."""
    return _EXPECTED_SCORE[ObjectiveKind(kind)]


def validate_score(score: float) -> float:
    """Check a manually entered score and return its clean grid value."""
    _require_finite("score", score)
    if not -_TOLERANCE <= score <= 1 + _TOLERANCE:
        raise ValueError(f"score must be between 0.0 and 1.0, got {score!r}")
    tenths = round(score * _GRID_STEPS)
    if abs(score * _GRID_STEPS - tenths) > _TOLERANCE:
        raise ValueError(f"score must be a multiple of 0.1, got {score!r}")
    return tenths / _GRID_STEPS
