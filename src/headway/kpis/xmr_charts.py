"""Vega-Lite specs of a KPI's process behaviour charts: the X chart and the mR chart.

X chart, bottom to top: the natural process limits (solid red), the halfway lines (dashed grey)
and the centre line (solid dark) as step lines, so a re-baseline shows as a step; the values as a
line with points; the signals on top, a green circle for an improvement and a red diamond for a
concern (shape as well as colour, for people who do not tell red from green). The mR chart: the
moving ranges (broken at each re-baseline), their average and the upper range limit, with the
ranges above that limit marked.
"""

from __future__ import annotations

import bisect
import datetime as dt
from typing import Any

from headway.core.xmr import Signal
from headway.kpis.charts import AXIS_FORMAT, LINE, SCHEMA, TICKS, Spec
from headway.kpis.choices import Cadence
from headway.kpis.formatting import period_label
from headway.kpis.xmr import KpiXmr, limits_text, summary

LIMIT = "#b3261e"
CENTRE = "#1d2330"
HALFWAY = "#566072"
SIGNALS = {
    Signal.IMPROVEMENT.value: ("#1e7d3a", "circle"),
    Signal.CONCERN.value: ("#b3261e", "diamond"),
}
# The lines of the X chart: (field, label, colour, dash).
X_LINES = [
    ("unpl", "Upper limit", LIMIT, None),
    ("upper_halfway", "Upper halfway", HALFWAY, [4, 4]),
    ("centre", "Centre line", CENTRE, None),
    ("lower_halfway", "Lower halfway", HALFWAY, [4, 4]),
    ("lnpl", "Lower limit", LIMIT, None),
]
MR_LINES = [("url", "Range limit", LIMIT, None), ("mr_bar", "Average range", CENTRE, None)]
LIMIT_NAMES = [field for field, *_ in X_LINES + MR_LINES]


def _rows(result: KpiXmr, first: int) -> list[dict[str, Any]]:
    """One row per value from index ``first``: the data every layer of both charts shares."""
    chart = result.chart
    rows = [
        {
            "period": period.isoformat(),
            "value": value,
            "mr": result.moving_range(i),
            "segment": segment,
            "signal": None if label is None else label.value,
            "rules": ", ".join(str(r) for r in rules) or "none",
            "mr_high": mr_high,
        }
        for i, (period, value, segment, label, rules, mr_high) in enumerate(
            zip(
                result.periods,
                chart.values,
                chart.segment_of,
                chart.signal,
                chart.rules,
                chart.range_above_limit,
                strict=True,
            )
        )
        if i >= first
    ]
    return rows


def _limit_rows(result: KpiXmr, since: dt.date | None) -> list[dict[str, Any]]:
    """Each segment's limits at its first (or ``since``) and its last period: drawn
    "step-after", the lines hold their level to the next segment's start and step there."""
    rows = []
    for part in result.segments:
        found = part.segment.limits
        if found is None or (since is not None and part.ends_on < since):
            continue
        levels = {name: getattr(found, name) for name in LIMIT_NAMES}
        starts_on = part.starts_on if since is None else max(part.starts_on, since)
        rows.append({"period": starts_on.isoformat(), **levels})
        rows.append({"period": part.ends_on.isoformat(), **levels})
    return rows


def _x(cadence: str) -> dict[str, Any]:
    return {
        "field": "period",
        "type": "temporal",
        "title": None,
        "scale": {"type": "utc"},
        # A utc scale formats its labels in UTC too: a period never shows as the day before.
        "axis": {"format": AXIS_FORMAT[Cadence(cadence)], **TICKS.get(cadence, {})},
    }


def _domain(values: list[float | None]) -> list[float]:
    present = [v for v in values if v is not None] or [0.0]
    low, high = min(present), max(present)
    air = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    return [low - air, high + air]


def _step_lines(
    limit_rows: list[dict[str, Any]], lines: list[Any], x: dict[str, Any], scale: dict[str, Any]
) -> list[Spec]:
    layers: list[Spec] = []
    for field, label, colour, dash in lines:
        mark: dict[str, Any] = {
            "type": "line",
            "interpolate": "step-after",
            "color": colour,
            "strokeWidth": 1.5 if dash is None else 1,
        }
        if dash:
            mark["strokeDash"] = dash
        layers.append(
            {
                "data": {"values": limit_rows},
                "mark": mark,
                "encoding": {
                    "x": x,
                    "y": {"field": field, "type": "quantitative", "scale": scale},
                    "tooltip": [{"field": field, "type": "quantitative", "title": label}],
                },
            }
        )
    return layers


def _labels(
    result: KpiXmr, lines: list[Any], x: dict[str, Any], scale: dict[str, Any], first: str
) -> list[Spec]:
    """The current segment's lines named where it starts, or where the chart does (``first``,
    an ISO date): "Upper limit 5,082.28"."""
    current = result.current
    if current is None or current.segment.limits is None:
        return []
    at = max(current.starts_on.isoformat(), first)
    layers: list[Spec] = []
    for field, label, colour, _ in lines:
        value = getattr(current.segment.limits, field)
        layers.append(
            {
                "data": {"values": [{"period": at, field: value}]},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "bottom",
                    "dx": 4,
                    "dy": -2,
                    "fontSize": 10,
                    "color": colour,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": field, "type": "quantitative", "scale": scale},
                    "text": {"value": f"{label} {limits_text(value)}"},
                },
            }
        )
    return layers


def _tooltip(kpi_name: str) -> list[dict[str, Any]]:
    return [
        {
            "field": "period",
            "type": "temporal",
            "title": "Period",
            "timeUnit": "utcyearmonthdate",
            "format": "%d %b %Y",
        },
        {"field": "value", "type": "quantitative", "title": kpi_name},
        {"field": "mr", "type": "quantitative", "title": "Moving range"},
        {"field": "rules", "type": "nominal", "title": "Rules broken"},
        {"field": "signal", "type": "nominal", "title": "Signal"},
    ]


def _signal_colours() -> dict[str, Any]:
    return {
        "color": {
            "field": "signal",
            "type": "nominal",
            "title": None,
            "scale": {
                "domain": list(SIGNALS),
                "range": [colour for colour, _ in SIGNALS.values()],
            },
            "legend": {"orient": "bottom"},
        },
        "shape": {
            "field": "signal",
            "type": "nominal",
            "scale": {"domain": list(SIGNALS), "range": [shape for _, shape in SIGNALS.values()]},
        },
    }


def _frame(description: str, rows: list[dict[str, Any]], layers: list[Spec], height: int) -> Spec:
    return {
        "$schema": SCHEMA,
        "description": description,
        # Layers without data of their own draw these rows: the values are in the spec once.
        "data": {"values": rows},
        "width": "container",
        "height": height,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "layer": layers,
        "config": {"view": {"stroke": None}, "axis": {"labelFontSize": 11, "titleFontSize": 12}},
    }


def charts(
    result: KpiXmr, since: dt.date | None = None, *, summary: str | None = None
) -> tuple[Spec, Spec]:
    """The X chart and the mR chart, of the periods from ``since`` on (all without it). Both
    draw the same rows, built once: over ten years of daily values they cost more than either
    chart's layers, hence the window the KPI page draws by default."""
    first = 0 if since is None else bisect.bisect_left(result.periods, since)
    rows, limit_rows = _rows(result, first), _limit_rows(result, since)
    return _x_chart(result, rows, limit_rows, summary), _mr_chart(result, rows, limit_rows)


def _x_chart(
    result: KpiXmr,
    rows: list[dict[str, Any]],
    limit_rows: list[dict[str, Any]],
    summary: str | None,
) -> Spec:
    """The values against their centre line, natural process limits and halfway lines."""
    kpi = result.kpi
    x = _x(kpi.cadence)
    levels = [r["value"] for r in rows] + [r[f] for r in limit_rows for f in ("unpl", "lnpl")]
    scale = {"domain": _domain(levels), "nice": False, "zero": False}
    unit = f" ({kpi.unit})" if kpi.unit else ""
    layers = _step_lines(limit_rows, X_LINES, x, scale)
    layers.append(
        {
            "mark": {"type": "line", "color": LINE, "point": {"color": LINE, "size": 24}},
            "encoding": {
                "x": x,
                "y": {
                    "field": "value",
                    "type": "quantitative",
                    "title": f"{kpi.name}{unit}",
                    "scale": scale,
                },
                "tooltip": _tooltip(kpi.name),
            },
        }
    )
    if any(r["signal"] is not None for r in rows):
        layers.append(
            {
                "transform": [{"filter": "datum.signal != null"}],
                "mark": {"type": "point", "filled": True, "size": 110, "opacity": 1},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "scale": scale},
                    **_signal_colours(),
                    "tooltip": _tooltip(kpi.name),
                },
            }
        )
    layers.extend(
        _labels(result, X_LINES[::2], x, scale, rows[0]["period"])
    )  # the limits and the centre line
    text = describe(result, summary)
    return _frame(f"Process behaviour chart of {text}", rows, layers, 240)


def _mr_chart(result: KpiXmr, rows: list[dict[str, Any]], limit_rows: list[dict[str, Any]]) -> Spec:
    """The moving ranges against their average and the upper range limit."""
    kpi = result.kpi
    ranges = [r["mr"] for r in rows if r["mr"] is not None]
    x = _x(kpi.cadence)
    top = _domain(ranges + [r["url"] for r in limit_rows])[1]
    scale = {"domain": [0, top], "nice": False}
    layers = _step_lines(limit_rows, MR_LINES, x, scale)
    layers.append(
        {
            "mark": {"type": "line", "color": LINE, "point": {"color": LINE, "size": 20}},
            "encoding": {
                "x": x,
                # A null (the first value of a segment) is left out of the line.
                "y": {
                    "field": "mr",
                    "type": "quantitative",
                    "title": "Moving range",
                    "scale": scale,
                },
                # A moving range never reaches across a re-baseline: one line per segment.
                "detail": {"field": "segment", "type": "nominal"},
                "tooltip": _tooltip(kpi.name),
            },
        }
    )
    high = sum(1 for r in rows if r["mr_high"])
    if high:
        layers.append(
            {
                "transform": [{"filter": "datum.mr_high"}],
                "mark": {
                    "type": "point",
                    "filled": True,
                    "size": 110,
                    "shape": "diamond",
                    "color": LIMIT,
                    "opacity": 1,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "mr", "type": "quantitative", "scale": scale},
                    "tooltip": _tooltip(kpi.name),
                },
            }
        )
    layers.extend(_labels(result, MR_LINES, x, scale, rows[0]["period"]))
    text = f"Moving range chart of {kpi.name}: {len(ranges)} moving ranges"
    current = result.current
    if current is not None and current.segment.limits is not None:
        text += f", upper range limit {limits_text(current.segment.limits.url)}"
    return _frame(f"{text}, {high} above it.", rows, layers, 140)


def describe(result: KpiXmr, signals: str | None = None) -> str:
    """The charts' text alternative: what they span, the current limits and the signals
    (``signals``: ``xmr.summary(result)``, when the caller has it already)."""
    kpi, current = result.kpi, result.current
    if current is None or current.segment.limits is None:
        return f"{kpi.name}: not enough values for limits"
    found = current.segment.limits
    first, last = result.periods[0], result.periods[-1]
    return (
        f"{kpi.name}, {len(result.periods)} values from {period_label(first, kpi.cadence)} "
        f"to {period_label(last, kpi.cadence)}; centre line {limits_text(found.centre)}, "
        f"limits {limits_text(found.lnpl)} to {limits_text(found.unpl)}."
        f" {summary(result) if signals is None else signals}"
    )
