"""The key result history chart and the template filters of the OKR pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import vl_convert

from headway.okrs.charts import kr_history
from headway.okrs.models import CheckIn, Cycle, KeyResult
from headway.okrs.templatetags.okrs import band, num, score

CYCLE = Cycle(name="2026-Q4", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))


def checkin(day: int, value: str, pk: int) -> CheckIn:
    return CheckIn(
        pk=pk,
        value=Decimal(value),
        confidence=7,
        created_at=dt.datetime(2026, 10, day, 9, tzinfo=dt.UTC),
    )


def test_history_runs_the_pace_line_from_start_to_target_over_the_cycle():
    kr = KeyResult(title="Visitors", start=Decimal(3000), target=Decimal(7000), unit="visitors")

    spec = kr_history(kr, [checkin(19, "4000", 2), checkin(5, "3500", 1)], CYCLE)

    pace, points = spec["layer"]
    assert pace["data"]["values"] == [
        {"date": "2026-10-01", "value": 3000.0},
        {"date": "2026-12-31", "value": 7000.0},
    ]
    assert [p["value"] for p in points["data"]["values"]] == [3500.0, 4000.0]  # oldest first
    assert points["encoding"]["y"]["title"] == "visitors"
    # A valid Vega-Lite spec: the same one the browser draws.
    assert vl_convert.vegalite_to_svg(spec).startswith("<svg")


def test_history_of_a_level_to_hold_is_flat():
    kr = KeyResult(start=Decimal(90), target=Decimal(95), direction="at_least")
    pace, _ = kr_history(kr, [], CYCLE)["layer"]
    assert [p["value"] for p in pace["data"]["values"]] == [95.0, 95.0]


def test_filters():
    assert (num(Decimal("32.5000")), num(Decimal("7000.0000")), num(None)) == (
        "32.5",
        "7000",
        "\N{EN DASH}",
    )
    assert (num(5362.3088), num(4.256), num(12.0)) == ("5362", "4.26", "12")
    assert (score(0.25), score(0.64), score(None)) == (0.3, 0.6, None)
    assert (band(0.3), band(0.6), band(0.7), band(None)) == ("red", "yellow", "green", "")
