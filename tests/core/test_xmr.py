"""Process behaviour (XmR) charts: Wheeler's figures, the three rules, segments, and statprocon."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statprocon import XmR

from headway.core.health import KpiDirection
from headway.core.xmr import Baseline, Signal, XmrChart, judge, limits, xmr

# Wheeler, Making Sense of Data, p.382: "a data set to use when verifying software".
WHEELER = [5045, 4350, 4350, 3975, 4290, 4430, 4485, 4285,
           3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]  # fmt: skip


def flagged(chart: XmrChart, rule: int) -> list[int]:
    return [i for i, rules in enumerate(chart.rules) if rule in rules]


# --- the oracle -------------------------------------------------------------------------------


def test_wheelers_verification_data_set() -> None:
    chart = xmr(WHEELER)

    (segment,) = chart.segments
    assert segment.limits is not None
    assert round(segment.limits.centre, 2) == 4135.50
    assert round(segment.limits.mr_bar, 2) == 355.93
    assert round(segment.limits.unpl, 2) == 5082.28
    assert round(segment.limits.lnpl, 2) == 3188.72
    assert round(segment.limits.url, 2) == 1163.19
    # Only the last point signals, on the X chart and on the mR chart.
    assert [p.index for p in chart.signals] == [15]
    last = chart.signals[0]
    assert last.beyond_limits and last.range_above_limit
    assert last.rules == (1,)
    assert last.moving_range == 1737
    assert [p.index for p in chart.points if p.beyond_limits] == [15]
    assert [p.index for p in chart.points if p.range_above_limit] == [15]
    # Sixteen points of a baseline that wants twenty: the limits will still move.
    assert segment.provisional and segment.used == 16 and segment.locked_at is None


def test_the_halfway_lines_sit_halfway() -> None:
    found = limits(WHEELER)
    assert found.upper_halfway - found.centre == pytest.approx(1.33 * found.mr_bar)
    assert found.centre - found.lower_halfway == pytest.approx(1.33 * found.mr_bar)
    assert found.unpl - found.upper_halfway == pytest.approx(found.upper_halfway - found.centre)


# --- the rules, one at a time -----------------------------------------------------------------

# Twenty alternating values: centre 10, mR-bar 2, limits 4.68..15.32, halfway lines 7.34..12.66,
# range limit 6.536. The last one (9) is below the centre line, so no run reaches back into them.
CALM = [11.0, 9.0] * 10


def test_calm_values_break_no_rule_and_lock_the_baseline() -> None:
    chart = xmr(CALM)
    assert chart.signals == ()
    (segment,) = chart.segments
    assert segment.limits is not None
    assert segment.limits.centre == 10 and segment.limits.mr_bar == 2
    assert not segment.provisional and segment.locked_at == 19


def test_limits_are_locked_after_the_baseline() -> None:
    before = xmr(CALM).segments[0].limits
    after = xmr([*CALM, 50, 60, -40]).segments[0].limits
    assert after == before


def test_limits_move_while_the_baseline_fills() -> None:
    early = xmr(CALM[:5])
    assert early.segments[0].provisional and early.segments[0].used == 5
    assert xmr(CALM[:6]).segments[0].limits != early.segments[0].limits


def test_rule_1_a_point_beyond_a_limit() -> None:
    chart = xmr([*CALM, 15.0, 15.4, 10.0, 4.6])
    assert flagged(chart, 1) == [21, 23]
    assert chart.beyond_limits[21] and chart.beyond_limits[23]
    # 15 is inside the upper limit (15.32); its jump from 11 (4) is below the range limit.
    assert chart.rules[20] == ()


def test_rule_1_a_moving_range_above_the_range_limit() -> None:
    # From 5 to 15: both within the limits, but the jump of 10 is above 3.268 x 2 = 6.536.
    chart = xmr([*CALM, 5.0, 15.0])
    assert flagged(chart, 1) == [21]
    assert chart.range_above_limit[21] and not chart.beyond_limits[21]
    assert chart.moving_ranges[21] == 10


def test_rule_2_three_of_four_beyond_the_same_halfway_line() -> None:
    # 13, 10, 13, 14 above the upper halfway line 12.66, the 10 between them is not marked.
    chart = xmr([*CALM, 13.0, 10.0, 13.0, 14.0])
    assert flagged(chart, 2) == [20, 22, 23]
    assert chart.signal[20] is Signal.IMPROVEMENT


def test_rule_2_needs_the_same_halfway_line() -> None:
    # Three of four beyond a halfway line, but not the same one; and two of four above.
    chart = xmr([*CALM, 13.0, 7.0, 13.0, 10.0, 10.0, 13.0, 13.0, 10.0, 10.0])
    assert flagged(chart, 2) == []


def test_rule_3_eight_in_a_row_on_one_side() -> None:
    seven = xmr([*CALM, *[10.5] * 7])
    eight = xmr([*CALM, *[10.5] * 8])
    assert flagged(seven, 3) == []
    assert flagged(eight, 3) == list(range(20, 28))
    assert eight.signal[20] is Signal.IMPROVEMENT
    assert xmr([*CALM, *[9.5] * 8], direction=H).signal[27] is Signal.CONCERN


def test_rule_3_values_on_the_centre_line_neither_count_nor_break() -> None:
    # Seven values above the centre line, with two exactly on it (10.0) among them.
    seven = [*CALM, 10.5, 10.0, 10.5, 10.5, 10.0, 10.5, 10.5, 10.5, 10.5]
    assert flagged(xmr(seven), 3) == []
    chart = xmr([*seven, 10.5])
    assert flagged(chart, 3) == [20, 22, 23, 25, 26, 27, 28, 29]
    assert chart.rules[21] == () and chart.rules[24] == ()


def test_after_a_flat_baseline_any_change_signals() -> None:
    # mR-bar 0: the limits close on the centre line, and any change is beyond them.
    chart = xmr([5.0, 5.0, 5.0, 5.0, 6.0], [Baseline(start=0, size=4)])
    assert chart.rules[4] == (1,) and chart.beyond_limits[4] and chart.range_above_limit[4]
    assert chart.signals == (chart.point(4),)


def test_a_value_on_a_line_in_decimals_is_on_it_in_floats_too() -> None:
    # 0.1, 0.2 and 0.3 average to 0.20000000000000004 in binary: 0.2 is on the centre line.
    chart = xmr([0.1, 0.2, 0.3, *[0.2] * 8], [Baseline(start=0, size=3)])
    assert chart.segments[0].limits is not None
    assert chart.segments[0].limits.centre != 0.2
    assert chart.signals == ()


def test_a_point_breaking_several_rules_lists_them_all() -> None:
    chart = xmr([*CALM, 10.5, 10.5, 10.5, 10.5, 10.5, 13.0, 13.0, 16.0])
    assert chart.rules[27] == (1, 2, 3)


# --- segments ---------------------------------------------------------------------------------


def test_a_rebaseline_starts_a_segment_with_its_own_limits() -> None:
    shifted = [29.0, 31.0] * 5
    chart = xmr([*CALM, *shifted], [Baseline(start=20, size=6)])

    first, second = chart.segments
    assert (first.start, first.end, second.start, second.end) == (0, 20, 20, 30)
    assert second.limits == limits(shifted[:6])
    assert not second.provisional and second.locked_at == 25
    # The first segment wanted 20 values and got them; had it got fewer, the re-baseline would
    # still have closed it: no value joins it any more.
    assert first.closed and not first.provisional and first.locked_at == 19
    early = xmr([*CALM[:10], *shifted], [Baseline(start=10, size=6)]).segments[0]
    assert early.used == 10 and not early.provisional and early.locked_at == 9
    # The jump into the new segment is no moving range of either segment.
    assert chart.moving_ranges[20] is None and chart.moving_ranges[21] == 2
    assert chart.segment_of[19] == 0 and chart.segment_of[20] == 1
    # Against its own limits the new level is routine; without the re-baseline, all signals.
    assert chart.signals == ()
    assert len(xmr([*CALM, *shifted]).signals) == 10


def test_windows_and_runs_stay_inside_a_segment() -> None:
    # Seven above the first centre line (10), then a re-baseline whose first value is above its
    # own centre line (2.5): eight in a row only if runs reached across the boundary.
    values = [*CALM, *[10.5] * 7, 4.0, 1.0, 3.0, 2.0]
    chart = xmr(values, [Baseline(start=27, size=4)])
    assert chart.segments[1].limits is not None and chart.segments[1].limits.centre == 2.5
    assert flagged(chart, 3) == []
    # 13 and 13 above the first upper halfway line (12.66), then 8 above the new one (7.49):
    # three of four only if windows reached across the boundary.
    chart = xmr([*CALM, 13.0, 13.0, 8.0, 1.0, 2.0, 3.0], [Baseline(start=22, size=4)])
    assert chart.segments[1].limits is not None
    assert chart.segments[1].limits.upper_halfway == pytest.approx(7.49)
    assert flagged(chart, 2) == []


def test_a_baseline_at_the_first_point_replaces_the_default() -> None:
    chart = xmr(CALM, [Baseline(start=0, size=4)])
    (segment,) = chart.segments
    assert segment.size == 4 and segment.used == 4 and segment.locked_at == 3


def test_a_single_value_has_no_limits_and_no_signals() -> None:
    chart = xmr([42.0])
    (segment,) = chart.segments
    assert segment.limits is None and segment.provisional
    assert chart.points[0].moving_range is None and chart.signals == ()
    # A new segment of one point (its first value only) judges nothing either.
    chart = xmr([*CALM, 100.0], [Baseline(start=20)])
    assert chart.segments[1].limits is None and chart.rules[20] == ()


def test_nothing_in_nothing_out() -> None:
    chart = xmr([])
    assert chart.points == () and chart.segments == () and chart.current is None


@pytest.mark.parametrize(
    ("values", "baselines"),
    [
        ([1.0, float("nan")], ()),
        ([1.0, float("inf")], ()),
        ([1.0, 2.0], (Baseline(start=2),)),
        ([1.0, 2.0], (Baseline(start=-1),)),
        ([1.0, 2.0], (Baseline(start=0, size=1),)),
        ([1.0, 2.0], (Baseline(start=0, size=101),)),
    ],
)
def test_nonsense_is_refused(values: list[float], baselines: tuple[Baseline, ...]) -> None:
    with pytest.raises(ValueError):
        xmr(values, baselines)


# --- improvement or concern -------------------------------------------------------------------

H, L, R = KpiDirection.HIGHER, KpiDirection.LOWER, KpiDirection.RANGE


@pytest.mark.parametrize(
    ("value", "reference", "direction", "low", "high", "expected"),
    [
        (12, 10, H, None, None, Signal.IMPROVEMENT),
        (8, 10, H, None, None, Signal.CONCERN),
        (12, 10, L, None, None, Signal.CONCERN),
        (8, 10, L, None, None, Signal.IMPROVEMENT),
        # Below the range 40..60 and rising toward it, or falling away from it.
        (35, 30, R, 40, 60, Signal.IMPROVEMENT),
        (25, 30, R, 40, 60, Signal.CONCERN),
        # Overshooting: from 30 (10 below) to 75 (15 above) is further from the range.
        (75, 30, R, 40, 60, Signal.CONCERN),
        (65, 30, R, 40, 60, Signal.IMPROVEMENT),
        # Inside the range both: toward its middle (50) is better.
        (48, 42, R, 40, 60, Signal.IMPROVEMENT),
        (58, 52, R, 40, 60, Signal.CONCERN),
        # A range open above reads like "higher is better", open below like "lower".
        (45, 42, R, 40, None, Signal.IMPROVEMENT),
        (45, 42, R, None, 60, Signal.CONCERN),
        # No range at all: no stated goal, so any change is worth a look.
        (45, 42, R, None, None, Signal.CONCERN),
    ],
)
def test_signals_are_judged_by_the_kpis_direction(
    value: float,
    reference: float,
    direction: KpiDirection,
    low: float | None,
    high: float | None,
    expected: Signal,
) -> None:
    assert judge(value, reference, direction, low, high) is expected


def test_a_level_is_judged_against_the_centre_and_a_jump_against_the_value_before() -> None:
    # 4.6 is below the lower limit (a concern when higher is better) although it jumped up
    # from -5 (a moving range of 9.6, above the range limit): the level speaks first.
    dipped = [*CALM, -5.0, 4.6]
    assert xmr(dipped).range_above_limit[21] and xmr(dipped).beyond_limits[21]
    assert xmr(dipped, direction=H).signal[21] is Signal.CONCERN
    assert xmr(dipped, direction=L).signal[21] is Signal.IMPROVEMENT
    # A jump alone (within the limits): from 15 down to 5 is a fall.
    jumped = [*CALM, 15.0, 5.0]
    assert xmr(jumped, direction=H).signal[21] is Signal.CONCERN
    assert xmr(jumped, direction=L).signal[21] is Signal.IMPROVEMENT
    assert xmr(jumped, direction=R, range_low=0, range_high=8).signal[21] is Signal.IMPROVEMENT


@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=50))
def test_mirrored_values_break_the_same_rules_with_the_opposite_meaning(values: list[int]) -> None:
    up = xmr(values, direction=H)
    down = xmr([-v for v in values], direction=H)
    assert down.rules == up.rules
    flipped = {Signal.IMPROVEMENT: Signal.CONCERN, Signal.CONCERN: Signal.IMPROVEMENT, None: None}
    assert down.signal == tuple(flipped[s] for s in up.signal)


@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=25),
    st.lists(st.integers(-1000, 1000), max_size=25),
)
def test_values_after_the_baseline_never_move_the_limits(
    baseline: list[int], later: list[int]
) -> None:
    size = len(baseline)
    chart = xmr([*baseline, *later], [Baseline(start=0, size=size)])
    assert chart.segments[0].limits == limits(baseline)


# --- agreement with statprocon ----------------------------------------------------------------

# statprocon rounds its centre lines and limits to 3 decimals (constants.ROUNDING) before it
# compares. Its limits are built from rounded parts: 0.0005 (centre) + 2.66 x 0.0005 (mR-bar)
# + 0.0005 (the result) < 0.0025 off ours, and its halfway lines add one more rounding on top.
# A value closer than AMBIGUOUS to a line may land on either side of it there.
LIMIT_SLACK = 0.0025
AMBIGUOUS = 0.004


class OneLine(XmR):  # type: ignore[misc]
    """statprocon with one halfway line pushed out of reach (``side`` 1 keeps the upper one)."""

    def __init__(self, *args: object, side: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.side = side

    def upper_halfway_line(self) -> list[Decimal]:
        if self.side > 0:
            return list(super().upper_halfway_line())
        return [Decimal("Infinity")] * len(self.counts)

    def lower_halfway_line(self) -> list[Decimal]:
        if self.side < 0:
            return list(super().lower_halfway_line())
        return [Decimal("-Infinity")] * len(self.counts)


@st.composite
def series(draw: st.DrawFn) -> tuple[list[int], list[Baseline]]:
    """Integer series with a level shift somewhere and sometimes a re-baseline or two.

    Integers keep the arithmetic exact where it matters (a value exactly on the centre line is
    on it in both implementations); small spreads make ties and on-line values common.
    """
    n = draw(st.integers(2, 60))
    spread = draw(st.sampled_from([1, 3, 20, 1000]))
    shift_at = draw(st.integers(0, n))
    shift = draw(st.integers(-3 * spread, 3 * spread))
    noise = draw(st.lists(st.integers(0, spread), min_size=n, max_size=n))
    values = [v + (shift if i >= shift_at else 0) for i, v in enumerate(noise)]
    starts = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    baselines = [Baseline(start=s, size=draw(st.integers(2, 25))) for s in sorted(starts)]
    return values, baselines


def _check_segment(values: list[int], chart: XmrChart, index: int) -> None:
    segment = chart.segments[index]
    part = values[segment.start : segment.end]
    ours = range(segment.start, segment.end)
    if segment.limits is None:
        # A segment of one value: statprocon refuses it, and it signals nothing here.
        assert len(part) == 1 and chart.rules[segment.start] == ()
        return
    # statprocon's chart of a segment alone: a re-baseline is a new chart from that point on.
    theirs = XmR(part, subset_end_index=segment.used)
    found = segment.limits
    lines = {
        "centre": (found.centre, theirs.x_central_line()[0]),
        "mr_bar": (found.mr_bar, theirs.mr_central_line()[0]),
        "unpl": (found.unpl, theirs.upper_natural_process_limit()[0]),
        "lnpl": (found.lnpl, theirs.lower_natural_process_limit()[0]),
        "url": (found.url, theirs.upper_range_limit()[0]),
        "upper_halfway": (found.upper_halfway, theirs.upper_halfway_line()[0]),
        "lower_halfway": (found.lower_halfway, theirs.lower_halfway_line()[0]),
    }
    for name, (mine, other) in lines.items():
        slack = 2 * LIMIT_SLACK if "halfway" in name else LIMIT_SLACK
        assert mine == pytest.approx(float(other), abs=slack), name
    # A value (or moving range) within the rounding of a line is a coin toss there: skip it.
    mrs = [r for r in chart.moving_ranges[segment.start : segment.end] if r is not None]
    # (Also a value exactly on a limit: 0.9 + 2.66 x 15/19 is 3.0, statprocon's 2.999.)
    for line in (found.unpl, found.lnpl, found.upper_halfway, found.lower_halfway):
        assume(all(abs(v - line) > AMBIGUOUS for v in part))
    assume(all(abs(r - found.url) > AMBIGUOUS for r in mrs))

    # Rule 1: statprocon keeps the X and mR charts apart; so do beyond_limits and
    # range_above_limit, and rule 1 is either.
    x_beyond = theirs.rule_1_x_indices_beyond_limits()
    mr_beyond = theirs.rule_1_mr_indices_beyond_limits()
    assert [chart.beyond_limits[i] for i in ours] == x_beyond
    assert [chart.range_above_limit[i] for i in ours] == mr_beyond
    assert [1 in chart.rules[i] for i in ours] == [
        a or b for a, b in zip(x_beyond, mr_beyond, strict=True)
    ]

    # Our rule 2 is statprocon's rule 3 ("runs near the limits": 3 of 4 beyond a halfway line),
    # with two differences in marking, both mapped here rather than loosened:
    # - statprocon sums the sides in a window, so three values above the upper halfway line and
    #   one below the lower one net to 2 and do not count. Wheeler asks for three of four beyond
    #   the same line whatever the fourth does, so we count each line on its own. Running
    #   statprocon one line at a time (the other pushed to infinity) is Wheeler's reading.
    # - statprocon marks all four values of a window, also the one not beyond the line; we mark
    #   the values beyond it, which are the evidence.
    above = [v > found.upper_halfway for v in part]
    below = [v < found.lower_halfway for v in part]
    upper = OneLine(part, subset_end_index=segment.used, side=1).rule_3_runs_near_limits()
    lower = OneLine(part, subset_end_index=segment.used, side=-1).rule_3_runs_near_limits()
    expected_2 = [
        (u and a) or (lo and b) for u, a, lo, b in zip(upper, above, lower, below, strict=True)
    ]
    assert [2 in chart.rules[i] for i in ours] == expected_2

    # Our rule 3 is statprocon's rule 2 ("runs about the central line": 8 in a row). Both skip
    # values on the line when counting, but statprocon then marks the 8 *positions* before the
    # eighth point, so a value on the line inside a run takes the mark of the run's first point.
    # We never mark values on the line. statprocon agrees with us on the series without them,
    # whose centre line is the same (values equal to the mean do not move the mean).
    kept = [i for i, v in enumerate(part) if v != found.centre]
    in_baseline = sum(1 for i in kept if i < segment.used)
    expected = [False] * len(part)
    if len(kept) >= 8:
        off_line = [part[i] for i in kept]
        if in_baseline:
            reduced = XmR(off_line, subset_end_index=in_baseline)
            assert reduced.x_central_line()[0] == theirs.x_central_line()[0]
            marks = reduced.rule_2_runs_about_central_line()
        else:
            # The whole baseline sits on its centre line (all equal, so the centre is a whole
            # number): two copies of it in front give statprocon the same line.
            centre = int(found.centre)
            reduced = XmR([centre, centre, *off_line], subset_end_index=2)
            marks = reduced.rule_2_runs_about_central_line()[2:]
        for i, hit in zip(kept, marks, strict=True):
            expected[i] = hit
    assert [3 in chart.rules[i] for i in ours] == expected


@settings(max_examples=200)
@given(series())
def test_statprocon_agrees_on_limits_and_signals(case: tuple[list[int], list[Baseline]]) -> None:
    values, baselines = case
    chart = xmr(values, baselines)
    for index in range(len(chart.segments)):
        _check_segment(values, chart, index)
