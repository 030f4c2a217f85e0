"""Vega-Lite specs for OKR charts, as plain dicts (drawn in the browser by vega-embed)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from headway import core
from headway.okrs.models import CheckIn, Cycle, KeyResult

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
PACE = "Pace"
CHECKINS = "Check-ins"
# The stylesheet's muted grey and accent blue.
COLOURS = {PACE: "#566072", CHECKINS: "#2456c7"}


def _series(name: str) -> dict[str, Any]:
    return {
        "datum": name,
        "scale": {"domain": list(COLOURS), "range": list(COLOURS.values())},
        "legend": {"orient": "bottom", "title": None},
    }


def pace_line(kr: KeyResult, cycle: Cycle) -> list[dict[str, Any]]:
    """Where the value should be: from the start at cycle start to the target at cycle end.

    A "stay at or above/below" key result has no path to walk, only a level to hold.
    """
    holds = kr.direction in (core.Direction.AT_LEAST, core.Direction.AT_MOST)
    first = kr.target if holds else kr.start
    return [
        {"date": cycle.start.isoformat(), "value": float(first)},
        {"date": cycle.end.isoformat(), "value": float(kr.target)},
    ]


def kr_history(kr: KeyResult, checkins: Iterable[CheckIn], cycle: Cycle) -> dict[str, Any]:
    """The key result's check-ins over the cycle against its pace line."""
    points = [
        {
            "date": c.created_at.isoformat(),
            "value": float(c.value),
            "confidence": c.confidence,
        }
        for c in sorted(checkins, key=lambda c: (c.created_at, c.pk))
    ]
    x = {
        "field": "date",
        "type": "temporal",
        "title": None,
        "scale": {"domain": [cycle.start.isoformat(), cycle.end.isoformat()]},
    }
    y = {
        "field": "value",
        "type": "quantitative",
        "title": kr.unit or "Value",
        "scale": {"zero": False},
    }
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 160,
        "layer": [
            {
                "data": {"values": pace_line(kr, cycle)},
                "mark": {"type": "line", "strokeDash": [4, 4]},
                "encoding": {"x": x, "y": y, "color": _series(PACE)},
            },
            {
                "data": {"values": points},
                "mark": {"type": "line", "point": True},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": _series(CHECKINS),
                    "tooltip": [
                        {"field": "date", "type": "temporal", "title": "Date"},
                        {"field": "value", "type": "quantitative", "title": "Value"},
                        {"field": "confidence", "type": "quantitative", "title": "Confidence"},
                    ],
                },
            },
        ],
    }
