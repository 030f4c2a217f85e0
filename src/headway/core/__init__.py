"""Pure OKR arithmetic: progress, roll-ups, grading, pace and forecasts. No Django here."""

from headway.core.forecast import Forecast, Observation, forecast
from headway.core.grading import (
    GradeBand,
    ObjectiveKind,
    default_score,
    expected_score,
    grade_band,
    validate_score,
)
from headway.core.pace import (
    DEFAULT_THRESHOLDS,
    PaceStatus,
    PaceThresholds,
    expected_progress,
    pace_status,
)
from headway.core.progress import Direction, KRKind, kr_progress
from headway.core.rollup import Weighted, weighted_mean

__all__ = [
    "DEFAULT_THRESHOLDS",
    "Direction",
    "Forecast",
    "GradeBand",
    "KRKind",
    "ObjectiveKind",
    "Observation",
    "PaceStatus",
    "PaceThresholds",
    "Weighted",
    "default_score",
    "expected_progress",
    "expected_score",
    "forecast",
    "grade_band",
    "kr_progress",
    "pace_status",
    "validate_score",
    "weighted_mean",
]
