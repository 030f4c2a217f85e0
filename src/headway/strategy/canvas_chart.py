"""The value-curve chart of a Strategy Canvas, as a Vega-Lite spec (drawn by vega-embed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from headway.strategy.choices import PlayerKind
from headway.strategy.models import CanvasFactor, CanvasPlayer

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# Rivals in muted tones; our new curve in the accent blue, thick, so it reads first.
PALETTE = ["#8a93a3", "#c07a2c", "#4f8a5b", "#9a5fa8", "#b04a4a", "#566072"]
NEW_CURVE_COLOUR = "#2456c7"


def value_curves(
    factors: Sequence[CanvasFactor],
    players: Sequence[CanvasPlayer],
    levels: Mapping[tuple[int, int], int],
) -> dict[str, Any]:
    """Factors on x in their order, level 0-10 on y, one line per player."""
    points = [
        {
            "factor": factor.name,
            "order": i,
            "player": player.name,
            "new_curve": player.kind == PlayerKind.NEW_CURVE,
            "level": levels[factor.pk, player.pk],
        }
        for player in players
        for i, factor in enumerate(factors)
        if (factor.pk, player.pk) in levels
    ]
    colours, rival = [], 0
    for player in players:
        if player.kind == PlayerKind.NEW_CURVE:
            colours.append(NEW_CURVE_COLOUR)
        else:
            colours.append(PALETTE[rival % len(PALETTE)])
            rival += 1
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 260,
        "data": {"values": points},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "factor",
                "type": "nominal",
                "sort": [f.name for f in factors],
                "title": None,
                "axis": {"labelAngle": -30, "labelLimit": 140},
            },
            "y": {
                "field": "level",
                "type": "quantitative",
                "title": "Offering level",
                "scale": {"domain": [0, 10]},
                "axis": {"tickCount": 5},
            },
            "color": {
                "field": "player",
                "type": "nominal",
                "scale": {"domain": [p.name for p in players], "range": colours},
                "legend": {"orient": "bottom", "title": None},
            },
            "strokeWidth": {
                "condition": {"test": "datum.new_curve", "value": 4},
                "value": 1.5,
            },
            "detail": {"field": "player", "type": "nominal"},
            "tooltip": [
                {"field": "player", "type": "nominal", "title": "Player"},
                {"field": "factor", "type": "nominal", "title": "Factor"},
                {"field": "level", "type": "quantitative", "title": "Level"},
            ],
        },
    }
