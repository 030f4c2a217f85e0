import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headway.core.aggregate import Aggregation, aggregate
from headway.core.periods import Cadence, next_period, period_start

# Drawn as integers, which hypothesis generates and shrinks far faster than datetimes and decimals.
EPOCH = dt.datetime(2020, 1, 1)
moments = st.integers(0, 11 * 366 * 24 * 60).map(lambda m: EPOCH + dt.timedelta(minutes=m))
# Four decimal places, as stored; small enough that sums stay exact in decimal's 28 digits.
values = st.integers(-(10**13), 10**13).map(lambda n: Decimal(n).scaleb(-4))
events = st.lists(st.tuples(moments, values), max_size=30)
cadences = st.sampled_from(Cadence)


def D(text: str) -> Decimal:
    return Decimal(text)


SALES = [
    (dt.datetime(2026, 11, 2, 9), D("10")),
    (dt.datetime(2026, 11, 30, 23, 59), D("4")),
    (dt.datetime(2026, 11, 15, 12), D("7")),
    (dt.datetime(2026, 12, 1, 0, 0), D("2.5")),
]


@pytest.mark.parametrize(
    ("how", "november", "december"),
    [
        (Aggregation.SUM, D("21"), D("2.5")),
        (Aggregation.MEAN, D("7"), D("2.5")),
        (Aggregation.MIN, D("4"), D("2.5")),
        (Aggregation.MAX, D("10"), D("2.5")),
        (Aggregation.COUNT, D("3"), D("1")),
        # The latest event in time, not the last one given.
        (Aggregation.LAST, D("4"), D("2.5")),
    ],
)
def test_monthly_examples(how: Aggregation, november: Decimal, december: Decimal) -> None:
    assert aggregate(SALES, Cadence.MONTH, how) == {
        dt.date(2026, 11, 1): november,
        dt.date(2026, 12, 1): december,
    }


def test_weeks_start_on_monday_and_quarters_in_january() -> None:
    sunday, monday = dt.datetime(2026, 11, 22, 20), dt.datetime(2026, 11, 23, 6)
    assert aggregate([(sunday, D("1")), (monday, D("2"))], Cadence.WEEK, Aggregation.SUM) == {
        dt.date(2026, 11, 16): D("1"),
        dt.date(2026, 11, 23): D("2"),
    }
    assert aggregate(SALES, Cadence.QUARTER, Aggregation.COUNT) == {dt.date(2026, 10, 1): D("4")}


def test_events_at_the_same_moment_keep_the_one_given_later() -> None:
    at = dt.datetime(2026, 11, 2, 9)
    assert aggregate([(at, D("1")), (at, D("2"))], Cadence.DAY, Aggregation.LAST) == {
        dt.date(2026, 11, 2): D("2")
    }


def test_mean_is_not_rounded_here() -> None:
    thirds = [(dt.datetime(2026, 11, 2, h), D(v)) for h, v in ((1, "1"), (2, "0"), (3, "0"))]
    (mean,) = aggregate(thirds, Cadence.DAY, Aggregation.MEAN).values()
    assert mean.quantize(D("0.0001")) == D("0.3333")


def test_no_events_no_periods() -> None:
    assert aggregate([], Cadence.MONTH, Aggregation.SUM) == {}


@given(events=events, cadence=cadences, how=st.sampled_from(Aggregation))
def test_every_period_holds_its_events_and_only_those(
    events: list[tuple[dt.datetime, Decimal]], cadence: Cadence, how: Aggregation
) -> None:
    result = aggregate(events, cadence, how)
    assert list(result) == sorted(result)
    assert set(result) == {period_start(at.date(), cadence) for at, _ in events}
    for start in result:
        assert period_start(start, cadence) == start
        assert any(start <= at.date() < next_period(start, cadence) for at, _ in events)


@given(events=events, cadence=cadences)
def test_sums_and_counts_partition_the_events(
    events: list[tuple[dt.datetime, Decimal]], cadence: Cadence
) -> None:
    assert sum(aggregate(events, cadence, Aggregation.SUM).values(), D(0)) == sum(
        (v for _, v in events), D(0)
    )
    assert sum(aggregate(events, cadence, Aggregation.COUNT).values(), D(0)) == len(events)


@given(events=events, cadence=cadences)
def test_mean_lies_between_min_and_max(
    events: list[tuple[dt.datetime, Decimal]], cadence: Cadence
) -> None:
    low = aggregate(events, cadence, Aggregation.MIN)
    high = aggregate(events, cadence, Aggregation.MAX)
    mean = aggregate(events, cadence, Aggregation.MEAN)
    for start, value in mean.items():
        assert low[start] <= value <= high[start]
        assert low[start] == min(v for at, v in events if period_start(at.date(), cadence) == start)


@given(events=events, cadence=cadences, data=st.data())
def test_only_last_depends_on_the_order_of_equal_moments(
    events: list[tuple[dt.datetime, Decimal]], cadence: Cadence, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    for how in (Aggregation.SUM, Aggregation.MEAN, Aggregation.MIN, Aggregation.MAX):
        assert aggregate(shuffled, cadence, how) == aggregate(events, cadence, how)
    last = aggregate(shuffled, cadence, Aggregation.LAST)
    for start, value in last.items():
        inside = [(at, v) for at, v in shuffled if period_start(at.date(), cadence) == start]
        latest = max(at for at, _ in inside)
        assert value == [v for at, v in inside if at == latest][-1]


@given(first=events, second=events, cadence=cadences, how=st.sampled_from(Aggregation))
def test_a_second_batch_aggregates_with_the_first(
    first: list[tuple[dt.datetime, Decimal]],
    second: list[tuple[dt.datetime, Decimal]],
    cadence: Cadence,
    how: Aggregation,
) -> None:
    # What the service relies on: a period's value comes from all of its events, so adding
    # events re-aggregates the periods they touch and leaves the others as they were.
    before = aggregate(first, cadence, how)
    after = aggregate(first + second, cadence, how)
    touched = {period_start(at.date(), cadence) for at, _ in second}
    assert {p: v for p, v in after.items() if p not in touched} == {
        p: v for p, v in before.items() if p not in touched
    }
