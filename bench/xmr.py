"""XmR charts over ten years of daily values (3,650 points), beside their floor.

The floor is plain numpy on the same array: the mean, the mean of abs(diff) and the limits from
them, with none of the rules. The series is deterministic: a weekly pattern, noise, and a level
shift after seven years, re-baselined there, so every rule has something to find. Pure Python and
numpy: no database, no Django. `python -m bench.xmr` prints the figures; `python -m bench`
includes them in its report.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from headway.core.health import KpiDirection
from headway.core.xmr import Baseline, XmrChart, xmr

POINTS = 3_650
SHIFT_AT = 7 * 365
ROUNDS = 50


def daily_series(points: int = POINTS) -> np.ndarray:
    rng = np.random.default_rng(2026)
    day = np.arange(points)
    weekly = 4.0 * np.sin(2 * np.pi * day / 7)
    shift = np.where(day >= SHIFT_AT, 12.0, 0.0)
    return np.round(100.0 + weekly + shift + rng.normal(0.0, 3.0, points), 2)


def _median_ms(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 4)


def xmr_benchmark(rounds: int = ROUNDS) -> dict[str, float]:
    """Median milliseconds of the XmR chart, of its per-point objects, and of the floor."""
    values = daily_series()
    baselines = [Baseline(start=SHIFT_AT, size=20)]

    def chart() -> XmrChart:
        return xmr(values, baselines, direction=KpiDirection.LOWER)

    def chart_with_points() -> object:
        return chart().points

    def floor() -> object:
        mr_bar = np.abs(np.diff(values)).mean()
        centre = values.mean()
        return centre + 2.66 * mr_bar, centre - 2.66 * mr_bar, 3.268 * mr_bar

    found = chart()
    figures = {
        "points": float(POINTS),
        "signals": float(sum(1 for rules in found.rules if rules)),
        "xmr_ms": _median_ms(chart, rounds),
        "xmr_with_points_ms": _median_ms(chart_with_points, rounds),
        "floor_ms": _median_ms(floor, rounds),
    }
    figures["ratio_to_floor"] = round(figures["xmr_ms"] / max(figures["floor_ms"], 1e-6), 1)
    return figures


if __name__ == "__main__":
    for name, value in xmr_benchmark().items():
        print(f"{name}: {value:g}")
