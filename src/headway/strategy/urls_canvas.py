"""Strategy pages (canvas)."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.strategy.views import canvas as views

urlpatterns: list[URLPattern] = [
    path("strategy/canvases/", views.canvas_list, name="canvases"),
    path("strategy/canvases/<int:canvas_id>/", views.canvas_detail, name="canvas"),
    path("strategy/canvases/<int:canvas_id>/edit/", views.canvas_edit, name="canvas-edit"),
    path("strategy/canvases/<int:canvas_id>/delete/", views.canvas_delete, name="canvas-delete"),
    path("strategy/canvases/<int:canvas_id>/levels/", views.levels, name="canvas-levels"),
    path("strategy/canvases/<int:canvas_id>/factors/", views.factor_add, name="canvas-factor-add"),
    path(
        "strategy/canvases/<int:canvas_id>/factors/<int:factor_id>/",
        views.factor_edit,
        name="canvas-factor-edit",
    ),
    path(
        "strategy/canvases/<int:canvas_id>/factors/<int:factor_id>/move/",
        views.factor_move,
        name="canvas-factor-move",
    ),
    path(
        "strategy/canvases/<int:canvas_id>/factors/<int:factor_id>/delete/",
        views.factor_delete,
        name="canvas-factor-delete",
    ),
    path(
        "strategy/canvases/<int:canvas_id>/factors/<int:factor_id>/objective/",
        views.factor_objective,
        name="canvas-factor-objective",
    ),
    path("strategy/canvases/<int:canvas_id>/players/", views.player_add, name="canvas-player-add"),
    path(
        "strategy/canvases/<int:canvas_id>/players/<int:player_id>/delete/",
        views.player_delete,
        name="canvas-player-delete",
    ),
]
