"""Chart specs, threshold bands, gaps and the words that explain a KPI's status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import vl_convert

from headway.core.health import Health
from headway.kpis.charts import bands, kpi_chart, sparkline
from headway.kpis.formatting import number, period_label, with_unit
from headway.kpis.gaps import Gap
from headway.kpis.health import explain, kpi_health
from headway.kpis.models import Benchmark, Kpi

TODAY = dt.date(2026, 11, 16)
MONTHS = [dt.date(2026, m, 1) for m in range(1, 11)]


def kpi(**fields: object) -> Kpi:
    fields.setdefault("name", "NPS")
    return Kpi(key="k", **fields)


def points(*values: str) -> list[tuple[dt.date, Decimal]]:
    return list(zip(MONTHS, (Decimal(v) for v in values), strict=False))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Higher is better: red below critical, amber between critical and warning.
        (
            {"direction": "higher", "warning_threshold": 25, "critical_threshold": 15},
            [("Critical", 0, 15), ("Warning", 15, 25)],
        ),
        ({"direction": "higher", "warning_threshold": 25}, [("Warning", 0, 25)]),
        # Lower is better: the bands sit above the thresholds.
        (
            {"direction": "lower", "warning_threshold": 60, "critical_threshold": 80},
            [("Critical", 80, 100), ("Warning", 60, 80)],
        ),
        # In range: outside the range, the thresholds being distances from its edges.
        (
            {
                "direction": "range",
                "range_low": 40,
                "range_high": 60,
                "warning_threshold": 5,
                "critical_threshold": 10,
            },
            [
                ("Critical", 0, 30),
                ("Warning", 30, 35),
                ("Critical", 70, 100),
                ("Warning", 65, 70),
            ],
        ),
        # In range without thresholds: anything outside the range is amber.
        (
            {"direction": "range", "range_low": 40, "range_high": 60},
            [("Warning", 0, 40), ("Warning", 60, 100)],
        ),
        ({"direction": "higher"}, []),
    ],
)
def test_bands_shade_where_the_kpi_would_be_amber_or_red(
    fields: dict[str, object], expected: list[tuple[str, float, float]]
) -> None:
    shaded = bands(kpi(**fields), 0.0, 100.0)
    assert [(b["level"], b["y"], b["y2"]) for b in shaded] == expected


def test_bands_are_clipped_to_the_axis() -> None:
    shaded = bands(kpi(direction="higher", warning_threshold=25, critical_threshold=15), 20, 50)
    assert [(b["level"], b["y"], b["y2"]) for b in shaded] == [("Warning", 20, 25)]


def _svg(spec: dict[str, object]) -> str:
    return vl_convert.vegalite_to_svg({**spec, "width": 600})


def test_the_kpi_chart_draws_values_target_benchmark_and_bands() -> None:
    nps = kpi(direction="higher", target=45, warning_threshold=25, critical_threshold=15)
    spec = kpi_chart(nps, points("24", "26", "31"), [Benchmark(name="Competitors", value=50)])
    svg = _svg(spec)

    assert len(re.findall(r'class="mark-symbol role-mark', svg)) == 1
    assert svg.count('aria-roledescription="point"') == 3
    assert "Target 45" in svg and "Competitors 50" in svg
    assert 'class="mark-rect role-mark' in svg and 'class="mark-line role-mark' in svg
    assert spec["description"] == (
        "Chart of NPS, 3 values from 24 in Jan 2026 to 31 in Mar 2026; target 45. "
        "Every value is in the table below."
    )
    low, high = spec["layer"][-1]["encoding"]["y"]["scale"]["domain"]  # type: ignore[index]
    assert low < 15 and high > 50  # thresholds, target and benchmark all in view


def test_a_sparkline_is_a_bare_line_in_the_health_colour() -> None:
    spec = sparkline(kpi(unit="%"), points("1", "2.5", "2"), Health.RED)
    svg = _svg(spec)

    assert 'class="mark-line role-mark' in svg and "#b3261e" in svg
    assert "role-axis" not in svg
    assert spec["description"] == "NPS, 3 values from 1% in Jan 2026 to 2% in Mar 2026"


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (Decimal("32.0000"), "", "32"),
        (Decimal("118000.0000"), "$", "$118,000"),
        (Decimal("-5.5000"), "$", "-$5.5"),
        (Decimal("23.5000"), "%", "23.5%"),
        (Decimal("54"), "bpm", "54 bpm"),
        (Decimal("0E-4"), "", "0"),
        (None, "%", "\u2013"),
    ],
)
def test_values_read_with_their_unit(value: Decimal | None, unit: str, text: str) -> None:
    assert with_unit(value, unit) == text


def test_numbers_and_periods() -> None:
    assert number(Decimal("1E+3"), grouping=False) == "1000"
    assert period_label(dt.date(2026, 11, 16), "week") == "Week of 16 Nov 2026"
    assert period_label(dt.date(2026, 10, 1), "quarter") == "Q4 2026"
    assert period_label(dt.date(2026, 10, 1), "month") == "Oct 2026"
    assert period_label(dt.date(2026, 10, 5), "day") == "5 Oct 2026"


def test_the_gap_to_a_benchmark_reads_like_the_seed() -> None:
    """ "If your NPS sits at 32 and you know competitors are at 50, that gap becomes a KR"."""
    gap = Gap(kpi(direction="higher"), Decimal("32"), Benchmark(name="competitors", value=50))

    assert gap.headline == "NPS 32, competitors at 50"
    assert gap.text == "\u221218 (\u221236%), behind"
    assert gap.suggestion == "Raise NPS from 32 to 50"


def test_a_gap_knows_which_side_is_better() -> None:
    cac = kpi(name="CAC", unit="$", direction="lower")
    ahead = Gap(cac, Decimal("90"), Benchmark(name="Peers", value=120))
    behind = Gap(cac, Decimal("150"), Benchmark(name="Peers", value=120))
    rate = Gap(
        kpi(name="Conversion", unit="%"), Decimal("2.7"), Benchmark(name="P", value=Decimal("3.5"))
    )

    assert (ahead.text, ahead.suggestion) == ("\u2212$30 (\u221225%), ahead", None)
    assert (behind.text, behind.suggestion) == (
        "+$30 (+25%), behind",
        "Lower CAC from $150 to $120",
    )
    assert rate.text == "\u22120.8 points (\u221223%), behind"
    assert Gap(kpi(), Decimal("5"), Benchmark(name="Zero", value=0)).text == "+5, ahead"


def _explained(k: Kpi, *values: str) -> str:
    pts = points(*values)
    return explain(k, pts, TODAY, kpi_health(k, pts, TODAY))


def test_the_status_is_explained_in_words() -> None:
    wait = kpi(
        name="Wait",
        unit="min",
        direction="lower",
        cadence="month",
        warning_threshold=90,
        critical_threshold=120,
        critical_recovery=110,
    )
    on_time = [*["80"] * 8, "132", "115"]
    assert _explained(wait, *on_time[:9]) == (
        "Critical: 132 min (Sep 2026) is above the critical threshold 120 min."
    )
    assert _explained(wait, *on_time) == (
        "Critical: 115 min (Oct 2026) has not recovered yet: it is above the recovery level "
        "110 min (the critical threshold is 120 min)."
    )
    assert _explained(wait, *on_time[:9], "100") == (
        "Warning: 100 min (Oct 2026) is above the warning threshold 90 min."
    )
    assert _explained(wait, *["80"] * 10) == (
        "Healthy: 80 min (Oct 2026) is below the warning threshold 90 min."
    )
    assert explain(wait, [], TODAY, Health.UNKNOWN) == "No status: no values yet."


def test_stale_and_in_range_statuses_are_explained() -> None:
    monthly = kpi(direction="higher", cadence="month", warning_threshold=10)
    assert _explained(monthly, "20", "20") == (
        "Stale: no value since Feb 2026; a monthly KPI goes stale after two months without one."
    )
    water = kpi(
        name="Water",
        unit="l",
        direction="range",
        cadence="month",
        range_low=Decimal("2.5"),
        range_high=Decimal("3.5"),
        warning_threshold=Decimal("0.2"),
        critical_threshold=Decimal("0.5"),
    )
    assert _explained(water, *["3"] * 9, "3.9") == (
        "Warning: 3.9 l (Oct 2026) is 0.4 l above the range 2.5 l\u20133.5 l, "
        "more than the warning distance 0.2 l."
    )
    assert _explained(water, *["3"] * 10) == (
        "Healthy: 3 l (Oct 2026) is within the range 2.5 l\u20133.5 l."
    )
