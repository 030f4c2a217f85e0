"""Weighted roll-ups: objectives from their KRs, teams and the organization from objectives."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


# A weighted mean summed where the rows are (in SQL) cannot use ``math.fsum``; it can sum each
# part exactly instead, split in whole "limbs" of LIMB_BITS bits: a part x in [0, 1] is
# floor(x * 2**40) / 2**40 + floor(...) / 2**80 + ... to LIMBS limbs, when it has no bits below
# 2**-120 (else the caller sums the rows itself). Integer sums are exact, and rounding their exact
# total once is what ``math.fsum`` does: the mean equals ``weighted_mean`` to the last bit.
LIMB_BITS = 40
LIMBS = 3


def sum_of_limbs(sums: Sequence[int]) -> float:
    """The float nearest sum(sums[k] * 2**(-LIMB_BITS * (k + 1))), rounded once (as fsum)."""
    numerator = 0
    for part in sums:
        numerator = (numerator << LIMB_BITS) + part
    # int / int is correctly rounded, half to even, like math.fsum.
    return numerator / (1 << (LIMB_BITS * len(sums)))


def weighted_mean_of_sums(
    *, count: int, products: Sequence[int], weights: Sequence[int], low: float, high: float
) -> float | None:
    """``weighted_mean`` from the limb sums of its parts' relative weights (weight / heaviest)
    and of their products with the values, ``low`` and ``high`` being the least and greatest
    value: the same float, as long as every part was split exactly."""
    if count == 0:
        return None
    mean = sum_of_limbs(products) / sum_of_limbs(weights)
    return min(high, max(low, mean))
