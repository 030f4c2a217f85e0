"""Weighted roll-ups: objectives from their KRs, teams and the organization from objectives."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Weighted:
    value: float
    weight: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise ValueError(f"value must be a finite number, got {self.value!r}")
        # A zero weight would let an item vanish silently; callers should leave it out instead.
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"weight must be a finite number > 0, got {self.weight!r}")


def weighted_mean(parts: Iterable[Weighted]) -> float | None:
    """Weighted mean of the parts, or ``None`` when there is nothing to roll up."""
    items = list(parts)
    if not items:
        return None
    # Relative weights make the result independent of the weights' unit and keep extreme
    # weights from overflowing or underflowing the sums.
    heaviest = max(item.weight for item in items)
    weights = [item.weight / heaviest for item in items]
    # fsum is exactly rounded, hence independent of the order of the parts.
    mean = math.fsum(w * item.value for w, item in zip(weights, items, strict=True)) / math.fsum(
        weights
    )
    # Rounding can push a mean of equal values a hair outside them; a roll-up never may.
    low = min(item.value for item in items)
    high = max(item.value for item in items)
    return min(high, max(low, mean))
