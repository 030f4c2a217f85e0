"""Calibration: are a team's aspirational OKRs stretching it, and how do grades spread?

Aspirational objectives aim at 0.7. A team whose mean aspirational score stays at 0.9 or more
cycle after cycle was not aiming high enough; one that stays below 0.3 keeps overreaching.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from headway.core.coach.cycle_rules import TOO_EASY, TOO_EASY_CYCLES
from headway.core.grading import GradeBand, ObjectiveKind, grade_band

# Below this, cycle after cycle, the team aims further than it can reach. The red band ends at
# 0.3, but a 0.3 is still a partial success; the spec says "< 0.3".
OVERREACH = 0.3
# How many graded cycles in a row make a pattern rather than one odd quarter; the coach's
# "always-perfect-score" rule asks for the same.
STREAK_CYCLES = TOO_EASY_CYCLES
# Means of grid scores land near, not on, the cut-offs (0.8 and 1.0 average to 0.8999...).
_TOLERANCE = 1e-9


class CalibrationFlag(StrEnum):
    NOT_AMBITIOUS = "not_ambitious"
    OVERREACH = "overreach"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    CalibrationFlag.NOT_AMBITIOUS: "Not ambitious enough",
    CalibrationFlag.OVERREACH: "Overreach",
}


def _is_high(score: float) -> bool:
    return score + _TOLERANCE >= TOO_EASY


def _is_low(score: float) -> bool:
    return score + _TOLERANCE < OVERREACH


@dataclass(frozen=True, slots=True)
class Streak:
    """The latest run of cycles that earned a flag: their mean scores, oldest first."""

    flag: CalibrationFlag
    scores: tuple[float, ...]


def calibration_streak(scores: Sequence[float]) -> Streak | None:
    """The flag earned by a team's mean aspirational scores (graded cycles, oldest first).

    Only the run ending with the latest cycle counts: a team that stretched itself last
    quarter is not flagged for what it did before.
    """
    for flag, test in (
        (CalibrationFlag.NOT_AMBITIOUS, _is_high),
        (CalibrationFlag.OVERREACH, _is_low),
    ):
        run: list[float] = []
        for score in reversed(scores):
            if not (math.isfinite(score) and test(score)):
                break
            run.append(score)
        if len(run) >= STREAK_CYCLES:
            return Streak(flag, tuple(reversed(run)))
    return None


def _score_text(score: float) -> str:
    return f"{score:.1f}" if abs(score * 10 - round(score * 10)) < 1e-6 else f"{score:.2f}"


def explain(streak: Streak, cycle_names: Sequence[str] = ()) -> str:
    """The flag in plain words, for a team named elsewhere in the sentence's context."""
    scores = ", ".join(_score_text(s) for s in streak.scores)
    cycles = f" ({', '.join(cycle_names)})" if cycle_names else ""
    count = len(streak.scores)
    if streak.flag is CalibrationFlag.NOT_AMBITIOUS:
        return (
            f"Mean aspirational score {scores} in the last {count} graded cycles{cycles}."
            f" Stretch goals should land around 0.7; scoring {_score_text(TOO_EASY)} or more"
            " every time means the targets were not ambitious enough."
        )
    return (
        f"Mean aspirational score {scores} in the last {count} graded cycles{cycles}."
        f" Scoring below {_score_text(OVERREACH)} every time means the team keeps aiming"
        " further than it can reach: fewer or smaller goals would teach it more."
    )


@dataclass
class Spread:
    """How many key results fell in each band, for committed and for aspirational OKRs."""

    counts: dict[tuple[GradeBand, ObjectiveKind], int] = field(default_factory=dict)

    def count(self, band: GradeBand | str, kind: ObjectiveKind | str) -> int:
        return self.counts.get((GradeBand(band), ObjectiveKind(kind)), 0)

    def total(self, kind: ObjectiveKind | str | None = None) -> int:
        if kind is None:
            return sum(self.counts.values())
        return sum(n for (_, k), n in self.counts.items() if k == ObjectiveKind(kind))

    def add(self, other: Spread) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n

    def rows(self) -> list[tuple[ObjectiveKind, list[int], int]]:
        """Per kind: the counts in red, yellow, green order, and their total."""
        return [
            (kind, [self.count(band, kind) for band in GradeBand], self.total(kind))
            for kind in (ObjectiveKind.COMMITTED, ObjectiveKind.ASPIRATIONAL)
        ]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            kind.value: {band.value: self.count(band, kind) for band in GradeBand}
            for kind in (ObjectiveKind.COMMITTED, ObjectiveKind.ASPIRATIONAL)
        }


def spread(scores: Iterable[tuple[ObjectiveKind | str, float]]) -> Spread:
    """Count (kind, score) pairs by colour band and kind."""
    result = Spread()
    for kind, score in scores:
        key = (grade_band(score), ObjectiveKind(kind))
        result.counts[key] = result.counts.get(key, 0) + 1
    return result
