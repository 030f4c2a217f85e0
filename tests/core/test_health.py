import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headway.core.health import Health, KpiDirection, Thresholds, classify, health, is_stale
from headway.core.periods import Cadence

CAC = Thresholds(
    KpiDirection.LOWER, warning=100, critical=120, warning_recovery=95, critical_recovery=110
)
NPS = Thresholds(
    KpiDirection.HIGHER, warning=30, critical=20, warning_recovery=33, critical_recovery=25
)
HYDRATION = Thresholds(KpiDirection.RANGE, warning=0.2, critical=0.5, range_low=2.5, range_high=3.5)


@pytest.mark.parametrize(
    ("value", "t", "expected"),
    [
        (90, CAC, Health.GREEN),
        (105, CAC, Health.AMBER),
        (125, CAC, Health.RED),
        (40, NPS, Health.GREEN),
        (25, NPS, Health.AMBER),
        (15, NPS, Health.RED),
        (3.0, HYDRATION, Health.GREEN),
        (3.6, HYDRATION, Health.GREEN),
        (3.8, HYDRATION, Health.AMBER),
        (1.9, HYDRATION, Health.RED),
    ],
)
def test_classify(value: float, t: Thresholds, expected: Health) -> None:
    assert classify(value, t) is expected


def test_leaving_red_needs_the_recovery_level() -> None:
    # 118 is below critical (120) but not below its recovery level (110): still red.
    assert classify(118, CAC, Health.RED) is Health.RED
    assert classify(108, CAC, Health.RED) is Health.AMBER
    assert classify(98, CAC, Health.AMBER) is Health.AMBER  # below warning, above recovery 95
    assert classify(94, CAC, Health.AMBER) is Health.GREEN
    assert classify(118, CAC, Health.GREEN) is Health.AMBER  # no hysteresis on the way down


def test_health_uses_the_latest_closed_period_and_its_history() -> None:
    months = [dt.date(2026, m, 1) for m in range(6, 12)]
    values = [90, 125, 115, 112, 108, 200]  # November is still open: ignored
    points = list(zip(months, values, strict=True))

    status = health(points, cadence=Cadence.MONTH, thresholds=CAC, today=dt.date(2026, 11, 22))

    assert status is Health.AMBER  # red in July, 108 in October passes critical recovery only


def test_stale_after_two_cadences_without_data() -> None:
    assert not is_stale(dt.date(2026, 9, 1), Cadence.MONTH, dt.date(2026, 11, 22))
    assert is_stale(dt.date(2026, 8, 1), Cadence.MONTH, dt.date(2026, 11, 22))
    points = [(dt.date(2026, 8, 1), 90.0)]
    assert (
        health(points, cadence=Cadence.MONTH, thresholds=CAC, today=dt.date(2026, 11, 22))
        is Health.STALE
    )


def test_no_data_or_no_thresholds_is_unknown() -> None:
    today = dt.date(2026, 11, 22)
    assert health([], cadence=Cadence.WEEK, thresholds=CAC, today=today) is Health.UNKNOWN
    plain = Thresholds(KpiDirection.HIGHER)
    assert classify(5, plain) is Health.UNKNOWN


@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_lower_is_better_is_monotonic(a: float, b: float) -> None:
    order = [Health.GREEN, Health.AMBER, Health.RED]
    low, high = sorted((a, b))
    assert order.index(classify(low, CAC)) <= order.index(classify(high, CAC))
