"""API routes of the strategy layer (canvas): Blue Ocean Strategy Canvases, their factors,
players and levels, the focus and divergence indicators, and objectives made from factors."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.orgs.accessors import get_for
from headway.strategy import canvas_selectors as selectors
from headway.strategy import canvas_services as services
from headway.strategy.models import CanvasFactor, CanvasPlayer, StrategyCanvas

router = Router(tags=["strategy"])


class CanvasSummary(Schema):
    id: int
    title: str
    tagline: str
    description: str
    factor_count: int
    player_count: int
    updated_at: dt.datetime


class FactorOut(Schema):
    id: int
    name: str
    position: int
    errc: str
    rationale: str
    objective_id: int | None


class PlayerOut(Schema):
    id: int
    name: str
    kind: str
    position: int


class LevelOut(Schema):
    factor_id: int
    player_id: int
    level: int


class IndicatorOut(Schema):
    value: float
    threshold: float
    passed: bool
    explanation: str


class CanvasFindingOut(Schema):
    code: str
    message: str
    factor_ids: list[int]
    player_ids: list[int]


class IndicatorsOut(Schema):
    focus: IndicatorOut | None
    divergence: IndicatorOut | None
    findings: list[CanvasFindingOut]


class CanvasOut(Schema):
    id: int
    title: str
    tagline: str
    description: str
    updated_at: dt.datetime
    factors: list[FactorOut]
    players: list[PlayerOut]
    levels: list[LevelOut]
    indicators: IndicatorsOut
    chart: dict[str, Any]


class CanvasIn(ObjectIn):
    title: str
    tagline: str = ""
    description: str = ""


class CanvasPatch(ObjectIn):
    title: str | None = None
    tagline: str | None = None
    description: str | None = None


class FactorIn(ObjectIn):
    name: str
    errc: str = ""
    rationale: str = ""


class FactorPatch(ObjectIn):
    name: str | None = None
    errc: str | None = None
    rationale: str | None = None
    position: int | None = None


class PlayerIn(ObjectIn):
    name: str
    kind: str


class PlayerPatch(ObjectIn):
    name: str | None = None
    kind: str | None = None
    position: int | None = None


class LevelIn(ObjectIn):
    factor_id: Id
    player_id: Id
    level: int | None


class ObjectiveFromFactorIn(ObjectIn):
    cycle_id: Id | None = None
    title: str | None = None
    owner_team_id: Id | None = None


class ObjectiveMade(Schema):
    objective_id: int
    factor_id: int


def _canvas(request: HttpRequest, canvas_id: int) -> StrategyCanvas:
    return get_for(actor(request), StrategyCanvas, canvas_id)


def _out(canvas: StrategyCanvas) -> dict[str, Any]:
    data = selectors.canvas_data(canvas)
    assessment = data.assessment
    return {
        "id": canvas.pk,
        "title": canvas.title,
        "tagline": canvas.tagline,
        "description": canvas.description,
        "updated_at": canvas.updated_at,
        "factors": data.factors,
        "players": data.players,
        "levels": [
            {"factor_id": f, "player_id": p, "level": level}
            for (f, p), level in sorted(data.levels.items())
        ],
        "indicators": {
            "focus": asdict(assessment.focus) if assessment.focus else None,
            "divergence": asdict(assessment.divergence) if assessment.divergence else None,
            "findings": [asdict(f) for f in assessment.findings],
        },
        "chart": data.chart,
    }


def _changes(payload: Schema) -> dict[str, Any]:
    """The fields sent, except explicit nulls on fields that cannot be empty."""
    return {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}


@router.get("/canvases", response=list[CanvasSummary])
@paginate(Pagination)
def list_canvases(request: HttpRequest):  # type: ignore[no-untyped-def]
    return selectors.canvases(actor(request).organization_id)


@router.post("/canvases", response={201: CanvasOut})
def create_canvas(request: HttpRequest, payload: CanvasIn) -> Status[Any]:
    canvas = services.create_canvas(actor=writer(request), **payload.dict())
    return Status(201, _out(canvas))


@router.get("/canvases/{canvas_id}", response=CanvasOut)
def get_canvas(request: HttpRequest, canvas_id: int) -> dict[str, Any]:
    return _out(_canvas(request, canvas_id))


@router.patch("/canvases/{canvas_id}", response=CanvasOut)
def update_canvas(request: HttpRequest, canvas_id: int, payload: CanvasPatch) -> dict[str, Any]:
    me = writer(request)
    canvas = services.update_canvas(
        actor=me, canvas=_canvas(request, canvas_id), **_changes(payload)
    )
    return _out(canvas)


@router.delete("/canvases/{canvas_id}", response={204: None})
def delete_canvas(request: HttpRequest, canvas_id: int) -> Status[None]:
    services.delete_canvas(actor=writer(request), canvas=_canvas(request, canvas_id))
    return Status(204, None)


# --- factors ----------------------------------------------------------------------------------


def _factor(request: HttpRequest, canvas_id: int, factor_id: int) -> CanvasFactor:
    return get_for(actor(request), CanvasFactor, factor_id, canvas_id=canvas_id, select=("canvas",))


@router.post("/canvases/{canvas_id}/factors", response={201: FactorOut})
def add_factor(request: HttpRequest, canvas_id: int, payload: FactorIn) -> Status[Any]:
    factor = services.add_factor(
        actor=writer(request), canvas=_canvas(request, canvas_id), **payload.dict()
    )
    return Status(201, factor)


@router.patch("/canvases/{canvas_id}/factors/{factor_id}", response=FactorOut)
def update_factor(
    request: HttpRequest, canvas_id: int, factor_id: int, payload: FactorPatch
) -> CanvasFactor:
    me = writer(request)
    factor = _factor(request, canvas_id, factor_id)
    return services.update_factor(actor=me, factor=factor, **_changes(payload))


@router.delete("/canvases/{canvas_id}/factors/{factor_id}", response={204: None})
def delete_factor(request: HttpRequest, canvas_id: int, factor_id: int) -> Status[None]:
    me = writer(request)
    services.delete_factor(actor=me, factor=_factor(request, canvas_id, factor_id))
    return Status(204, None)


@router.post("/canvases/{canvas_id}/factors/{factor_id}/objective", response={201: ObjectiveMade})
def make_objective(
    request: HttpRequest, canvas_id: int, factor_id: int, payload: ObjectiveFromFactorIn
) -> Status[Any]:
    me = writer(request)
    factor = _factor(request, canvas_id, factor_id)
    objective = services.make_objective(actor=me, factor=factor, **payload.dict())
    return Status(201, {"objective_id": objective.pk, "factor_id": factor.pk})


# --- players ----------------------------------------------------------------------------------


def _player(request: HttpRequest, canvas_id: int, player_id: int) -> CanvasPlayer:
    return get_for(actor(request), CanvasPlayer, player_id, canvas_id=canvas_id, select=("canvas",))


@router.post("/canvases/{canvas_id}/players", response={201: PlayerOut})
def add_player(request: HttpRequest, canvas_id: int, payload: PlayerIn) -> Status[Any]:
    player = services.add_player(
        actor=writer(request), canvas=_canvas(request, canvas_id), **payload.dict()
    )
    return Status(201, player)


@router.patch("/canvases/{canvas_id}/players/{player_id}", response=PlayerOut)
def update_player(
    request: HttpRequest, canvas_id: int, player_id: int, payload: PlayerPatch
) -> CanvasPlayer:
    me = writer(request)
    player = _player(request, canvas_id, player_id)
    return services.update_player(actor=me, player=player, **_changes(payload))


@router.delete("/canvases/{canvas_id}/players/{player_id}", response={204: None})
def delete_player(request: HttpRequest, canvas_id: int, player_id: int) -> Status[None]:
    me = writer(request)
    services.delete_player(actor=me, player=_player(request, canvas_id, player_id))
    return Status(204, None)


# --- levels -----------------------------------------------------------------------------------


@router.put("/canvases/{canvas_id}/levels", response=CanvasOut)
def set_level(request: HttpRequest, canvas_id: int, payload: LevelIn) -> dict[str, Any]:
    """Set one level 0-10 (null clears it); answers the canvas with its new indicators."""
    canvas = _canvas(request, canvas_id)
    services.set_level(actor=writer(request), canvas=canvas, **payload.dict())
    return _out(canvas)
