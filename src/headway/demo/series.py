"""Seeded, plausible-looking histories: weekly check-ins of key results and KPI measurements.

Everything here is pure: a ``random.Random`` seeded from stable text (``zlib.crc32``, never Python's
salted ``hash()``) goes in, numbers come out, so the same day always gives the same demo.
"""

from __future__ import annotations

import itertools
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass


def seeded(*parts: object) -> random.Random:
    """A generator whose sequence depends only on ``parts``."""
    text = "|".join(str(p) for p in parts)
    return random.Random(zlib.crc32(text.encode("utf-8")))


def interpolate(anchors: Sequence[tuple[float, float]], t: float) -> float:
    """Piecewise-linear value at ``t`` through ``anchors`` (sorted by t), flat outside them."""
    if t <= anchors[0][0]:
        return anchors[0][1]
    for (t0, v0), (t1, v1) in itertools.pairwise(anchors):
        if t <= t1:
            return v0 if t1 == t0 else v0 + (v1 - v0) * (t - t0) / (t1 - t0)
    return anchors[-1][1]


# --- key results ------------------------------------------------------------------------------

NOTES_FIRST = (
    "Baseline confirmed; first actions under way.",
    "Kick-off done, the plan is agreed with the team.",
)
NOTES_UP = (
    "Good week: the changes are paying off.",
    "Moving in the right direction.",
    "Best week so far.",
    "The experiment from last week helped.",
)
NOTES_FLAT = (
    "Flat this week; waiting for the next release.",
    "No movement yet, looking for the blocker.",
    "Quiet week, most of the team was away.",
)
NOTES_DOWN = (
    "Dipped this week; investigating.",
    "Lost some ground, the last change did not land.",
)
NOTES_PERSONAL_UP = (
    "Great long run by the river.",
    "Legs felt fresh, kept the pace easy.",
    "Stuck to the plan all week.",
)
NOTES_PERSONAL_DOWN = (
    "Skipped two runs, busy week at work.",
    "Knee was sore, took it easy.",
)
NOTE_LAST = "Last check-in of the quarter."
NOTE_CHANCE = 0.3


@dataclass(frozen=True, slots=True)
class Step:
    """One check-in: how far along the KR is (0 = start, 1 = target), confidence and a note."""

    achieved: float
    confidence: int
    note: str


def plan_final(rng: random.Random, *, closed: bool, committed: bool, milestone: bool) -> float:
    """Where a KR ends up: spread over red, yellow and green once graded."""
    if milestone:
        return 1.0 if rng.random() < 0.65 else 0.0
    if closed:
        return rng.uniform(0.75, 1.0) if committed else rng.uniform(0.3, 1.0)
    return rng.uniform(0.55, 1.15)  # a cycle in flight: some KRs on track, some behind


def confidence(rng: random.Random, achieved: float, t: float) -> int:
    """Starts near 6 and drifts with the projected result as the cycle goes on."""
    projected = achieved / max(t, 0.1)
    informed = 1 + 9 * min(max(projected, 0.0), 1.0)
    weight = min(1.0, t * 2.5)
    raw = (1 - weight) * 6 + weight * informed + rng.gauss(0, 0.5)
    return max(0, min(10, round(raw)))


def kr_steps(
    rng: random.Random,
    *,
    times: Sequence[float],
    final: float,
    closed: bool,
    milestone: bool = False,
    personal: bool = False,
    achieved: Sequence[float] | None = None,
) -> list[Step]:
    """Check-ins at ``times`` (shares of the cycle elapsed) heading for ``final``.

    A closed cycle ends exactly on ``final``. ``achieved`` replaces the drawn path (a KR that
    follows a KPI); confidence and notes are still drawn.
    """
    # Above 1 a slow start; closed cycles lean that way, cycles in flight less so.
    exponent = rng.uniform(0.8, 1.5) if closed else rng.uniform(0.6, 1.2)
    done_at = rng.uniform(0.6, 0.95)
    path: list[float] = []
    drift = 0.0
    for t in times:
        drift = 0.6 * drift + rng.gauss(0, 0.03)
        if milestone:
            path.append(final if t >= done_at else 0.0)
        else:
            path.append(min(1.2, max(-0.05, final * t**exponent + drift)))
    if achieved is not None:
        path = list(achieved)
    elif closed and path:
        path[-1] = final
    steps = []
    previous = 0.0
    for index, (t, value) in enumerate(zip(times, path, strict=True)):
        delta = value - previous
        previous = value
        note = ""
        if index == 0:
            pool: Sequence[str] = NOTES_FIRST
        elif delta > 0.04:
            pool = NOTES_PERSONAL_UP if personal else NOTES_UP
        elif delta < -0.02:
            pool = NOTES_PERSONAL_DOWN if personal else NOTES_DOWN
        else:
            pool = () if personal else NOTES_FLAT
        if pool and rng.random() < NOTE_CHANCE:
            note = rng.choice(pool)
        if closed and index == len(times) - 1:
            note = NOTE_LAST
        steps.append(Step(value, confidence(rng, value, t), note))
    return steps


def kr_decimals(start: float, target: float) -> int:
    span = abs(target - start)
    if span >= 50:
        return 0
    return 1 if span >= 2 else 2


# --- KPIs -------------------------------------------------------------------------------------


def kpi_values(
    rng: random.Random,
    *,
    times: Sequence[float],
    anchors: Sequence[tuple[float, float]],
    noise: float,
    decimals: int,
    low: float | None,
    high: float | None,
    pinned: dict[int, float],
) -> list[float]:
    """One value per period: the level at ``times`` plus correlated noise.

    ``pinned`` maps period indexes to exact values (baselines, the current health story).
    """
    values = []
    drift = 0.0
    for index, t in enumerate(times):
        drift = 0.5 * drift + rng.gauss(0, noise)
        value = pinned.get(index, interpolate(anchors, t) + drift)
        if low is not None:
            value = max(low, value)
        if high is not None:
            value = min(high, value)
        values.append(round(value, decimals))
    return values
