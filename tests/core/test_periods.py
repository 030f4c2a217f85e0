import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headway.core.periods import (
    Cadence,
    add_months,
    fiscal_quarter,
    next_period,
    period_start,
    periods_between,
)

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31))


@pytest.mark.parametrize(
    ("cadence", "start"),
    [
        (Cadence.DAY, dt.date(2026, 11, 22)),
        (Cadence.WEEK, dt.date(2026, 11, 16)),  # a Sunday belongs to the week from Monday
        (Cadence.MONTH, dt.date(2026, 11, 1)),
        (Cadence.QUARTER, dt.date(2026, 10, 1)),
    ],
)
def test_period_start_examples(cadence: Cadence, start: dt.date) -> None:
    assert period_start(dt.date(2026, 11, 22), cadence) == start


@given(day=days, cadence=st.sampled_from(Cadence))
def test_a_day_lies_in_its_period(day: dt.date, cadence: Cadence) -> None:
    start = period_start(day, cadence)
    assert start <= day < next_period(start, cadence)
    assert period_start(start, cadence) == start


def test_periods_between_covers_both_ends() -> None:
    weeks = periods_between(dt.date(2026, 10, 1), dt.date(2026, 10, 31), Cadence.WEEK)
    assert weeks[0] == dt.date(2026, 9, 28) and weeks[-1] == dt.date(2026, 10, 26)
    assert len(weeks) == 5
    assert add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)


@pytest.mark.parametrize(
    ("day", "start_month", "expected"),
    [
        (dt.date(2026, 11, 22), 1, (2026, 4, dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        (dt.date(2026, 11, 22), 10, (2027, 1, dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        (dt.date(2026, 2, 10), 4, (2026, 4, dt.date(2026, 1, 1), dt.date(2026, 3, 31))),
        (dt.date(2026, 5, 1), 2, (2027, 2, dt.date(2026, 5, 1), dt.date(2026, 7, 31))),
    ],
)
def test_fiscal_quarter(
    day: dt.date, start_month: int, expected: tuple[int, int, dt.date, dt.date]
) -> None:
    assert fiscal_quarter(day, start_month) == expected
