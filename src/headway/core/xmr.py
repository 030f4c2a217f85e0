"""Process behaviour charts (XmR, after Donald Wheeler): limits, signals and what they mean.

An XmR chart asks whether a KPI's latest values are routine noise or a signal worth acting on. The
natural process limits come from a baseline: the first points of a segment (20 by default). While a
segment has fewer points than its baseline wants, its limits are *provisional* and move with every
new value; once the baseline is full they are locked until someone re-baselines, which starts a new
segment with limits of its own. Each segment is its own chart: moving ranges, runs and windows never
reach across a boundary, because a re-baseline says the process changed there.

Rules, numbered as in the product spec:

1. a value outside the natural process limits, or a moving range above the upper range limit;
2. three of four successive values beyond the same halfway line;
3. eight successive values on the same side of the centre line. Values exactly on the line neither
   count nor break the run, and are not marked.

Each signalled point is an improvement or a concern by the KPI's direction: see :func:`judge`.
Everything here is plain numpy over floats; the maths is vectorised so ten years of daily values
cost about as much as a handful of array passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from headway.core.health import KpiDirection

# Wheeler's scaling factors for moving ranges of two: 3 / d2 with d2 = 1.128, and D4 = 3.268.
LIMIT_FACTOR = 2.66
HALFWAY_FACTOR = LIMIT_FACTOR / 2
RANGE_FACTOR = 3.268
DEFAULT_BASELINE = 20
MIN_BASELINE, MAX_BASELINE = 2, 100
RUN_LENGTH = 8  # rule 3
WINDOW, IN_WINDOW = 4, 3  # rule 2: three of four
TIE = 1e-12  # relative to the chart's scale: see Limits.tie

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


class Signal(StrEnum):
    IMPROVEMENT = "improvement"
    CONCERN = "concern"


@dataclass(frozen=True, slots=True)
class Limits:
    centre: float
    mr_bar: float
    unpl: float
    lnpl: float
    url: float
    upper_halfway: float
    lower_halfway: float

    @property
    def tie(self) -> float:
        """How close to a line a value counts as on it.

        Values with four decimals rarely add up exactly in binary (0.1, 0.2 and 0.3 average to
        0.20000000000000004), so a value on a line in decimal arithmetic could fall either side
        of it here. The margin is relative to the chart's scale and far below a value's decimals.
        """
        return TIE * max(abs(self.unpl), abs(self.lnpl))


@dataclass(frozen=True, slots=True)
class Baseline:
    """Where a segment starts (an index into the values) and how many points its limits take."""

    start: int
    size: int = DEFAULT_BASELINE


@dataclass(frozen=True, slots=True)
class Segment:
    start: int  # first point
    end: int  # one past the last point
    size: int  # points the baseline asks for
    used: int  # points the limits come from: min(size, end - start)
    limits: Limits | None  # None when the segment has a single point (no moving range)
    closed: bool = False  # a later segment follows: no value will join this one

    @property
    def provisional(self) -> bool:
        """The baseline is not full yet: the limits will move with the next value."""
        return not self.closed and self.used < self.size

    @property
    def locked_at(self) -> int | None:
        """The point from which on the limits stay put: the one that filled the baseline, or
        the last one of a segment closed before its baseline filled."""
        if self.used == self.size:
            return self.start + self.size - 1
        return self.end - 1 if self.closed else None


@dataclass(frozen=True, slots=True)
class Point:
    index: int
    value: float
    moving_range: float | None  # None at the first point of each segment
    segment: int
    rules: tuple[int, ...]  # the rules the point breaks, ascending
    beyond_limits: bool  # rule 1 on the X chart
    range_above_limit: bool  # rule 1 on the mR chart
    signal: Signal | None


@dataclass(frozen=True, slots=True)
class XmrChart:
    """The chart, column by column (one entry per value); :attr:`points` gives them row by row.

    Columns keep ten years of daily values cheap: a frozen object per value costs ten times the
    maths, so the page and the API read the columns, and :attr:`points` is built on demand.
    """

    direction: KpiDirection
    segments: tuple[Segment, ...]
    values: tuple[float, ...]
    moving_ranges: tuple[float | None, ...]  # None at the first point of each segment
    segment_of: tuple[int, ...]
    rules: tuple[tuple[int, ...], ...]
    beyond_limits: tuple[bool, ...]
    range_above_limit: tuple[bool, ...]
    signal: tuple[Signal | None, ...]

    def __len__(self) -> int:
        return len(self.values)

    def point(self, index: int) -> Point:
        return Point(
            index=index,
            value=self.values[index],
            moving_range=self.moving_ranges[index],
            segment=self.segment_of[index],
            rules=self.rules[index],
            beyond_limits=self.beyond_limits[index],
            range_above_limit=self.range_above_limit[index],
            signal=self.signal[index],
        )

    @property
    def points(self) -> tuple[Point, ...]:
        return tuple(self.point(i) for i in range(len(self.values)))

    @property
    def signals(self) -> tuple[Point, ...]:
        """The points that break a rule, oldest first."""
        return tuple(self.point(i) for i, rules in enumerate(self.rules) if rules)

    @property
    def current(self) -> Segment | None:
        return self.segments[-1] if self.segments else None


def limits(baseline: Sequence[float] | Floats) -> Limits:
    """The limits from baseline values (at least two)."""
    base = np.asarray(baseline, dtype=np.float64)
    if base.size < 2:
        raise ValueError("limits need at least two values")
    centre = float(base.mean())
    mr_bar = float(np.abs(np.diff(base)).mean())
    return Limits(
        centre=centre,
        mr_bar=mr_bar,
        unpl=centre + LIMIT_FACTOR * mr_bar,
        lnpl=centre - LIMIT_FACTOR * mr_bar,
        url=RANGE_FACTOR * mr_bar,
        upper_halfway=centre + HALFWAY_FACTOR * mr_bar,
        lower_halfway=centre - HALFWAY_FACTOR * mr_bar,
    )


def _segments(x: Floats, baselines: Sequence[Baseline]) -> list[Segment]:
    """The segments the baselines cut ``x`` into, each with the limits of its baseline."""
    count = int(x.size)
    starts: dict[int, int] = {0: DEFAULT_BASELINE}
    for baseline in baselines:
        if not 0 <= baseline.start < count:
            raise ValueError(f"a baseline starts at {baseline.start}, outside 0..{count - 1}")
        if not MIN_BASELINE <= baseline.size <= MAX_BASELINE:
            raise ValueError(f"a baseline takes {MIN_BASELINE}..{MAX_BASELINE} points")
        starts[baseline.start] = baseline.size
    ordered = sorted(starts)
    ends = [*ordered[1:], count]
    segments = []
    for start, end in zip(ordered, ends, strict=True):
        used = min(starts[start], end - start)
        segments.append(
            Segment(
                start=start,
                end=end,
                size=starts[start],
                used=used,
                limits=limits(x[start : start + used]) if used >= 2 else None,
                closed=end < count,
            )
        )
    return segments


def _windows(beyond: Bools, segment_of: Ints) -> Bools:
    """Points beyond a halfway line that lie in a window of four holding three such points."""
    n = beyond.size
    if n < WINDOW:
        return np.zeros(n, dtype=np.bool_)
    ones = np.ones(WINDOW, dtype=np.int64)
    counts = np.convolve(beyond.astype(np.int64), ones, "valid")
    # Window w holds points w..w+3; it counts only when they share a segment.
    within = segment_of[: n - WINDOW + 1] == segment_of[WINDOW - 1 :]
    qualifying = (counts >= IN_WINDOW) & within
    # A point is covered when any of the (up to) four windows containing it qualifies.
    covered = np.convolve(qualifying.astype(np.int64), ones, "full")[:n] > 0
    return beyond & covered


def _runs(side: Ints, segment_of: Ints) -> Bools:
    """Points in a run of at least eight on one side of the centre line, within a segment."""
    flagged = np.zeros(side.size, dtype=np.bool_)
    counted = np.flatnonzero(side)  # points on the line are skipped: they neither count nor break
    if counted.size < RUN_LENGTH:
        return flagged
    sides, segments = side[counted], segment_of[counted]
    breaks = np.flatnonzero((sides[1:] != sides[:-1]) | (segments[1:] != segments[:-1])) + 1
    bounds = np.concatenate(([0], breaks, [counted.size]))
    lengths = np.diff(bounds)
    long_run = np.repeat(lengths >= RUN_LENGTH, lengths)
    flagged[counted[long_run]] = True
    return flagged


def _side_of_range(value: float, low: float | None, high: float | None) -> float:
    """How far ``value`` lies outside [low, high] (0 inside; a missing edge is open)."""
    if low is not None and value < low:
        return low - value
    if high is not None and value > high:
        return value - high
    return 0.0


def judge(
    value: float,
    reference: float,
    direction: KpiDirection,
    range_low: float | None = None,
    range_high: float | None = None,
) -> Signal:
    """Whether a signal at ``value`` (against ``reference``, where the process was) is good news.

    Higher / lower is better: moving up / down from the reference is an improvement. In range:
    moving toward the range is an improvement and away from it a concern; when both lie inside the
    range, moving toward its middle is an improvement. A range open on one side judges like the
    one-sided directions, and a range with no edges at all calls every signal a concern: with no
    stated goal, an unexplained change is worth a look.
    """
    if direction is KpiDirection.RANGE:
        if range_low is None and range_high is None:
            return Signal.CONCERN
        if range_high is None:
            direction = KpiDirection.HIGHER
        elif range_low is None:
            direction = KpiDirection.LOWER
        else:
            now = _side_of_range(value, range_low, range_high)
            before = _side_of_range(reference, range_low, range_high)
            if now == before:
                middle = (range_low + range_high) / 2
                now, before = abs(value - middle), abs(reference - middle)
            return Signal.IMPROVEMENT if now < before else Signal.CONCERN
    better = value > reference if direction is KpiDirection.HIGHER else value < reference
    return Signal.IMPROVEMENT if better else Signal.CONCERN


def _column(segments: Sequence[Segment], n: int, field: str) -> Floats:
    """One limit, repeated over each segment's points (NaN where a segment has none)."""
    out = np.full(n, np.nan)
    for s in segments:
        if s.limits is not None:
            out[s.start : s.end] = getattr(s.limits, field)
    return out


def xmr(
    values: Sequence[float] | Floats,
    baselines: Sequence[Baseline] = (),
    *,
    direction: KpiDirection = KpiDirection.HIGHER,
    range_low: float | None = None,
    range_high: float | None = None,
) -> XmrChart:
    """The XmR chart of ``values`` (oldest first), one segment per baseline.

    Without baselines there is one segment from the first point with the default baseline; a
    baseline at index 0 replaces that default.
    """
    x = np.asarray(values, dtype=np.float64)
    n = int(x.size)
    if n == 0:
        return XmrChart(direction, (), (), (), (), (), (), (), ())
    if not np.isfinite(x).all():
        raise ValueError("values must be finite numbers")
    segments = _segments(x, baselines)
    starts = np.array([s.start for s in segments], dtype=np.int64)
    segment_of = np.repeat(np.arange(len(segments), dtype=np.int64), np.diff([*starts, n]))
    mr = np.empty(n)
    mr[0] = np.nan
    mr[1:] = np.abs(np.diff(x))
    mr[starts] = np.nan  # never across a segment boundary

    tie = _column(segments, n, "tie")
    centre = _column(segments, n, "centre")

    def over(a: Floats, field: str) -> Bools:
        # NaN limits compare False, so a segment without limits breaks no rule.
        return a > _column(segments, n, field) + tie

    def under(a: Floats, field: str) -> Bools:
        return a < _column(segments, n, field) - tie

    beyond = over(x, "unpl") | under(x, "lnpl")
    mr_high = over(mr, "url")
    rule2 = _windows(over(x, "upper_halfway"), segment_of) | _windows(
        under(x, "lower_halfway"), segment_of
    )
    side = np.where(over(x, "centre"), 1, np.where(under(x, "centre"), -1, 0)).astype(np.int64)
    rule3 = _runs(side, segment_of)
    on_x_chart = beyond | rule2 | rule3

    rules: list[tuple[int, ...]] = [()] * n
    labels: list[Signal | None] = [None] * n
    hits = np.flatnonzero(on_x_chart | mr_high)
    # A point's level speaks first; a jump alone is judged against the value before it. (A jump
    # needs a moving range, so the point before exists.)
    references = np.where(on_x_chart[hits], centre[hits], x[hits - 1])
    for i, value, reference, rule1, rule2_hit, rule3_hit in zip(
        hits.tolist(),
        x[hits].tolist(),
        references.tolist(),
        (beyond | mr_high)[hits].tolist(),
        rule2[hits].tolist(),
        rule3[hits].tolist(),
        strict=True,
    ):
        rules[i] = tuple(r for r, hit in ((1, rule1), (2, rule2_hit), (3, rule3_hit)) if hit)
        labels[i] = judge(value, reference, direction, range_low, range_high)
    # NaN marks "no moving range" in the array (only at segment starts); None says it outside.
    ranges: list[float | None] = list(mr.tolist())
    for start in starts.tolist():
        ranges[start] = None
    return XmrChart(
        direction=direction,
        segments=tuple(segments),
        values=tuple(x.tolist()),
        moving_ranges=tuple(ranges),
        segment_of=tuple(segment_of.tolist()),
        rules=tuple(rules),
        beyond_limits=tuple(beyond.tolist()),
        range_above_limit=tuple(mr_high.tolist()),
        signal=tuple(labels),
    )
