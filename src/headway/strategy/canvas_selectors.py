"""Reads of Strategy Canvases: the list, one canvas with everything its page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from headway.core import canvas as core_canvas
from headway.okrs.models import Objective
from headway.strategy.canvas_chart import value_curves
from headway.strategy.choices import Errc
from headway.strategy.models import CanvasFactor, CanvasLevel, CanvasPlayer, StrategyCanvas

ERRC_ORDER = [Errc.ELIMINATE, Errc.RAISE, Errc.REDUCE, Errc.CREATE]


def canvases(org_id: int) -> QuerySet[StrategyCanvas]:
    return StrategyCanvas.objects.filter(organization_id=org_id).annotate(
        factor_count=Count("factors", distinct=True),
        player_count=Count("players", distinct=True),
    )


@dataclass
class CanvasData:
    canvas: StrategyCanvas
    factors: list[CanvasFactor]
    players: list[CanvasPlayer]
    levels: dict[tuple[int, int], int]
    assessment: core_canvas.Assessment
    chart: dict[str, Any]
    errc: list[tuple[str, str, list[CanvasFactor]]] = field(default_factory=list)

    def level(self, factor_id: int, player_id: int) -> int | None:
        return self.levels.get((factor_id, player_id))


def assess(
    canvas: StrategyCanvas,
    factors: list[CanvasFactor],
    players: list[CanvasPlayer],
    levels: dict[tuple[int, int], int],
) -> core_canvas.Assessment:
    return core_canvas.assess(
        [core_canvas.Factor(f.pk, f.name, f.errc, f.rationale) for f in factors],
        [core_canvas.Player(p.pk, p.name, p.kind) for p in players],
        levels,
        tagline=canvas.tagline,
    )


def canvas_data(canvas: StrategyCanvas) -> CanvasData:
    """Factors (with their objectives), players and levels: three queries, whatever the size."""
    factors = list(CanvasFactor.objects.filter(canvas=canvas).select_related("objective__cycle"))
    players = list(CanvasPlayer.objects.filter(canvas=canvas))
    levels = {
        (f, p): lv
        for f, p, lv in CanvasLevel.objects.filter(canvas=canvas).values_list(
            "factor_id", "player_id", "level"
        )
    }
    grid = [
        (value, label, [f for f in factors if f.errc == value])
        for value, label in ((e.value, e.label) for e in ERRC_ORDER)
    ]
    return CanvasData(
        canvas=canvas,
        factors=factors,
        players=players,
        levels=levels,
        assessment=assess(canvas, factors, players, levels),
        chart=value_curves(factors, players, levels),
        errc=grid,
    )


def origin_of(objective: Objective) -> CanvasFactor | None:
    """The canvas factor an objective was made from, with its canvas (one query)."""
    return (
        CanvasFactor.objects.filter(
            organization_id=objective.organization_id, objective_id=objective.pk
        )
        .select_related("canvas")
        .first()
    )
