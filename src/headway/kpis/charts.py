"""Vega-Lite specs for KPI charts, as plain dicts (the browser draws them with vega-embed).

The full chart layers, bottom to top: the warning and critical bands (shaded where the value would
be amber or red, by the KPI's direction), the target and the benchmarks as rule lines, and the
values as a line with points. A sparkline is the values alone, without axes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from headway.core.health import Health
from headway.kpis.choices import Cadence, KpiDirection
from headway.kpis.formatting import number, period_label, with_unit
from headway.kpis.models import Benchmark, Kpi

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
Spec = dict[str, Any]
Points = Sequence[tuple[dt.date, Decimal]]

# The stylesheet's health colours (headway.css), so a chart and its badge agree.
HEALTH_COLOURS = {
    Health.GREEN: "#1e7d3a",
    Health.AMBER: "#8a4b00",
    Health.RED: "#b3261e",
    Health.STALE: "#566072",
    Health.UNKNOWN: "#566072",
}
LINE = "#2456c7"
BANDS = {"Warning": "#f5b041", "Critical": "#e74c3c"}
AXIS_FORMAT = {
    Cadence.DAY: "%d %b",
    Cadence.WEEK: "%d %b",
    Cadence.MONTH: "%b %Y",
    Cadence.QUARTER: "%b %Y",
}
# Monthly and quarterly values get a tick per month at most, never two labels for one month.
TICKS: dict[str, dict[str, Any]] = {
    Cadence.MONTH: {"tickCount": {"interval": "month", "step": 1}},
    Cadence.QUARTER: {"tickCount": {"interval": "month", "step": 3}},
}
SPARKLINE_POINTS = 52  # a year of a weekly KPI; a daily one shows its last seven weeks


def _data(points: Points) -> list[dict[str, Any]]:
    return [{"period": p.isoformat(), "value": float(v)} for p, v in points]


def sparkline(kpi: Kpi, points: Points, health: Health) -> Spec:
    """A tiny line of the latest values, coloured by the KPI's health; no axes, no interaction."""
    return {
        "$schema": SCHEMA,
        # Vega labels the drawn chart with the description: the text alternative.
        "description": describe(kpi, points, sparkline=True),
        "data": {"values": _data(points[-SPARKLINE_POINTS:])},
        "mark": {"type": "line", "color": HEALTH_COLOURS[health], "strokeWidth": 2},
        "encoding": {
            "x": {"field": "period", "type": "temporal", "axis": None, "scale": {"type": "utc"}},
            "y": {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}},
        },
        "width": "container",
        "height": 40,
        "padding": 2,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": {"view": {"stroke": None}},
    }


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def bands(kpi: Kpi, low: float, high: float) -> list[dict[str, Any]]:
    """The stretches of the y axis (``low``..``high``) where the KPI would be amber or red."""
    warning, critical = _f(kpi.warning_threshold), _f(kpi.critical_threshold)
    out: list[tuple[str, float, float]] = []
    if kpi.direction == KpiDirection.HIGHER_BETTER:
        if critical is not None:
            out.append(("Critical", low, critical))
        if warning is not None:
            out.append(("Warning", critical if critical is not None else low, warning))
    elif kpi.direction == KpiDirection.LOWER_BETTER:
        if critical is not None:
            out.append(("Critical", critical, high))
        if warning is not None:
            out.append(("Warning", warning, critical if critical is not None else high))
    else:
        range_low, range_high = _f(kpi.range_low), _f(kpi.range_high)
        # The thresholds are distances outside the range; without them, outside is amber.
        sides = [(range_low, -1.0, low), (range_high, 1.0, high)]
        for edge, sign, end in sides:
            if edge is None:
                continue
            if warning is None and critical is None:
                out.append(("Warning", edge, end))
                continue
            if critical is not None:
                out.append(("Critical", edge + sign * critical, end))
            if warning is not None:
                far = edge + sign * critical if critical is not None else end
                out.append(("Warning", edge + sign * warning, far))
    result = []
    for level, a, b in out:
        y, y2 = max(min(a, b), low), min(max(a, b), high)
        if y2 > y:
            result.append({"level": level, "y": y, "y2": y2})
    return result


def _domain(kpi: Kpi, points: Points, benchmarks: Sequence[Benchmark]) -> tuple[float, float]:
    """The y axis: every value, the target, the thresholds and benchmarks, with some air."""
    values = [float(v) for _, v in points]
    marks = [kpi.target, *(b.value for b in benchmarks)]
    if kpi.direction == KpiDirection.IN_RANGE:
        for edge, sign in ((kpi.range_low, -1), (kpi.range_high, 1)):
            if edge is not None:
                marks.append(edge)
                marks.extend(
                    edge + sign * t
                    for t in (kpi.warning_threshold, kpi.critical_threshold)
                    if t is not None
                )
    else:
        marks.extend([kpi.warning_threshold, kpi.critical_threshold])
    values.extend(float(m) for m in marks if m is not None)
    low, high = min(values), max(values)
    air = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    return low - air, high + air


def kpi_chart(kpi: Kpi, points: Points, benchmarks: Sequence[Benchmark] = ()) -> Spec:
    """The KPI page's chart: values over time with target, benchmarks and threshold bands."""
    low, high = _domain(kpi, points, benchmarks)
    unit = f" ({kpi.unit})" if kpi.unit else ""
    y_scale = {"domain": [low, high], "nice": False, "zero": False}
    x = {
        "field": "period",
        "type": "temporal",
        "title": None,
        "scale": {"type": "utc"},
        # A utc scale formats its labels in UTC too: a period never shows as the day before.
        "axis": {"format": AXIS_FORMAT[Cadence(kpi.cadence)], **TICKS.get(kpi.cadence, {})},
    }
    layers: list[Spec] = []
    shaded = bands(kpi, low, high)
    if shaded:
        layers.append(
            {
                "data": {"values": shaded},
                "mark": {"type": "rect", "opacity": 0.18},
                "encoding": {
                    "y": {"field": "y", "type": "quantitative", "scale": y_scale},
                    "y2": {"field": "y2"},
                    "color": {
                        "field": "level",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": list(BANDS), "range": list(BANDS.values())},
                        "legend": {"orient": "bottom", "symbolOpacity": 0.5},
                    },
                },
            }
        )
    references = [
        *([("Target", kpi.target, "#1d2330", [6, 4])] if kpi.target is not None else []),
        *((b.name, b.value, "#7a4fb5", [2, 3]) for b in benchmarks),
    ]
    for label, value, colour, dash in references:
        datum = {"datum": float(value), "type": "quantitative", "scale": y_scale}
        layers.append(
            {
                "data": {"values": [{}]},  # one rule, whatever the values
                "mark": {"type": "rule", "color": colour, "strokeDash": dash, "strokeWidth": 1.5},
                "encoding": {"y": datum},
            }
        )
        layers.append(
            {
                "data": {"values": [{}]},
                "mark": {
                    "type": "text",
                    "align": "right",
                    "baseline": "bottom",
                    "x": "width",
                    "dx": -4,
                    "dy": -3,
                    "fontSize": 11,
                    "color": colour,
                },
                "encoding": {"y": datum, "text": {"value": f"{label} {number(value)}"}},
            }
        )
    layers.append(
        {
            "data": {"values": _data(points)},
            "mark": {"type": "line", "color": LINE, "point": {"color": LINE, "size": 30}},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": f"{kpi.name}{unit}",
                    "scale": y_scale,
                },
                "tooltip": [
                    {
                        "field": "period",
                        "type": "temporal",
                        "title": "Period",
                        "timeUnit": "utcyearmonthdate",
                        "format": "%d %b %Y",
                    },
                    {"field": "value", "type": "quantitative", "title": kpi.name},
                ],
            },
        }
    )
    return {
        "$schema": SCHEMA,
        "description": f"Chart of {describe(kpi, points)}. Every value is in the table below.",
        "width": "container",
        "height": 260,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": layers,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12}},
    }


def describe(kpi: Kpi, points: Points, *, sparkline: bool = False) -> str:
    """The text alternative of a chart: what it spans and where it ends (and the target)."""
    shown = list(points[-SPARKLINE_POINTS:] if sparkline else points)
    if not shown:
        return f"{kpi.name}: no values yet"
    (first, start), (last, end) = shown[0], shown[-1]
    text = (
        f"{kpi.name}, {len(shown)} value{'s' if len(shown) != 1 else ''} "
        f"from {with_unit(start, kpi.unit)} in {period_label(first, kpi.cadence)} "
        f"to {with_unit(end, kpi.unit)} in {period_label(last, kpi.cadence)}"
    )
    if kpi.target is not None:
        text += f"; target {with_unit(kpi.target, kpi.unit)}"
    return text
