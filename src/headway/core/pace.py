"""Pace: progress measured against the share of the cycle that has already elapsed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

# Lets a progress sitting exactly on a cut-off count as meeting it despite float rounding
# (0.5 - 0.15 is a hair above 0.35).
PACE_SLACK = 1e-9


class PaceStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PaceStatus.ON_TRACK: "On track",
    PaceStatus.AT_RISK: "At risk",
    PaceStatus.OFF_TRACK: "Off track",
}


@dataclass(frozen=True, slots=True)
class PaceThresholds:
    """How far progress may trail the expected progress before each status kicks in.

    Both are shares of the cycle, so neither may exceed 1: a margin of 1 already lets any
    progress count.
    """

    on_track: float = 0.15
    at_risk: float = 0.33

    def __post_init__(self) -> None:
        # Inverted cut-offs would make "at risk" unreachable or swallow "on track".
        if not (
            math.isfinite(self.on_track)
            and math.isfinite(self.at_risk)
            and 0 <= self.on_track <= self.at_risk <= 1
        ):
            raise ValueError(
                f"need 0 <= on_track <= at_risk <= 1, got {self.on_track!r} and {self.at_risk!r}"
            )


DEFAULT_THRESHOLDS = PaceThresholds()


def require_aware(name: str, moment: datetime) -> None:
    """Reject naive datetimes, whose meaning depends on the server's local time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


def expected_progress(*, start: datetime, end: datetime, now: datetime) -> float:
    """Share of the cycle elapsed at ``now``, in [0, 1]."""
    require_aware("start", start)
    require_aware("end", end)
    require_aware("now", now)
    if end <= start:
        raise ValueError(f"cycle end {end!r} must be after its start {start!r}")
    return min(1.0, max(0.0, (now - start) / (end - start)))


def pace_status(
    *,
    progress: float,
    expected: float,
    thresholds: PaceThresholds = DEFAULT_THRESHOLDS,
) -> PaceStatus:
    """Classify progress against the expected progress at this point of the cycle."""
    if math.isnan(progress) or math.isnan(expected):
        raise ValueError("progress and expected must be numbers, got NaN")
    if progress + PACE_SLACK >= expected - thresholds.on_track:
        return PaceStatus.ON_TRACK
    if progress + PACE_SLACK >= expected - thresholds.at_risk:
        return PaceStatus.AT_RISK
    return PaceStatus.OFF_TRACK
