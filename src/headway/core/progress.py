"""Key-result progress: how far a KR has travelled from its baseline towards its target."""

from __future__ import annotations

import math
from enum import StrEnum


class KRKind(StrEnum):
    METRIC = "metric"
    PERCENTAGE = "percentage"
    CURRENCY = "currency"
    MILESTONE = "milestone"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    AT_LEAST = "at_least"  # stay at or above the target
    AT_MOST = "at_most"  # stay at or below the target


def _require_finite(name: str, value: float) -> None:
    # A NaN would slip through every comparison below and surface as a silent 0 or 1.
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def _flag(condition: bool) -> float:
    return 1.0 if condition else 0.0


def kr_progress(
    *,
    kind: KRKind,
    direction: Direction,
    start: float,
    target: float,
    current: float | None,
) -> float:
    """Progress of one key result in [0, 1].

    ``current`` is ``None`` before the first check-in; the KR then sits at its baseline.
    """
    # Accept the raw strings stored in the database as well as the enum members.
    kind = KRKind(kind)
    direction = Direction(direction)
    _require_finite("start", start)
    _require_finite("target", target)
    if current is not None:
        _require_finite("current", current)

    if kind == KRKind.MILESTONE:
        # With a non-positive target, "not started" (0) would already count as done.
        done_at = target if target > 0 else 1.0
        return _flag(current is not None and current >= done_at)

    value = start if current is None else current
    if direction == Direction.AT_LEAST:
        return _flag(value >= target)
    if direction == Direction.AT_MOST:
        return _flag(value <= target)
    if start == target:
        # There is no distance to cover, so only the direction can say whether it is met.
        return _flag(value <= target if direction == Direction.DECREASE else value >= target)

    span = target - start
    delta = value - start
    if math.isinf(span):
        # Halving preserves the ratio while keeping far-apart baselines and targets finite.
        span = target / 2 - start / 2
        delta = value / 2 - start / 2
    # span is finite and non-zero here, so the ratio is never NaN (at worst +-inf, clamped).
    return min(1.0, max(0.0, delta / span))
