"""The Strategy Canvas pages: the list, one canvas (chart, levels, ERRC grid, indicators) and
"make it an objective". Every write goes through headway.strategy.canvas_services."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from headway.errors import ValidationFailed
from headway.orgs.models import Membership
from headway.strategy import canvas_selectors as selectors
from headway.strategy import canvas_services as services
from headway.strategy.canvas_forms import (
    CanvasForm,
    FactorForm,
    ObjectiveFromFactorForm,
    PlayerForm,
)
from headway.strategy.models import CanvasFactor, CanvasPlayer, StrategyCanvas
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

UNPROCESSABLE = 422
LEVEL_FIELD = re.compile(r"^level-(\d+)-(\d+)$")


def _me(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def _editor(request: HttpRequest) -> Membership:
    me = _me(request)
    if not services.can_edit_strategy(me):
        raise PermissionDenied("only admins and team leads change the strategy")
    return me


def _canvas(me: Membership, canvas_id: int) -> StrategyCanvas:
    return get_or_404(me, StrategyCanvas, canvas_id)


def _factor(me: Membership, canvas_id: int, factor_id: int) -> CanvasFactor:
    return get_or_404(me, CanvasFactor, factor_id, canvas_id=canvas_id, select=("canvas",))


def _player(me: Membership, canvas_id: int, player_id: int) -> CanvasPlayer:
    return get_or_404(me, CanvasPlayer, player_id, canvas_id=canvas_id, select=("canvas",))


def _back(canvas_id: int, anchor: str = "") -> HttpResponse:
    return redirect(reverse("strategy:canvas", args=[canvas_id]) + anchor)


# --- the list ---------------------------------------------------------------------------------


@member_view
def canvas_list(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = CanvasForm(request.POST or None)
    status = 200
    if request.method == "POST":
        _editor(request)
        if form.is_valid():
            try:
                canvas = services.create_canvas(actor=me, **form.cleaned_data)
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                return _back(canvas.pk)
        status = UNPROCESSABLE
    return render(
        request,
        "strategy/canvas_list.html",
        {
            "canvases": selectors.canvases(me.organization_id),
            "form": form,
            "can_edit": services.can_edit_strategy(me),
        },
        status=status,
    )


# --- one canvas -------------------------------------------------------------------------------


def render_canvas(
    request: HttpRequest,
    canvas: StrategyCanvas,
    *,
    status: int = 200,
    bound: dict[str, Any] | None = None,
    level_error: str = "",
) -> HttpResponse:
    """The canvas page; ``bound`` holds a form that came back with errors, by its slot."""
    me = _me(request)
    bound = bound or {}
    data = selectors.canvas_data(canvas)
    factor_rows = [
        (
            f,
            bound.get(f"factor-{f.pk}")
            or FactorForm(
                initial={"name": f.name, "errc": f.errc, "rationale": f.rationale},
                prefix=f"factor-{f.pk}",
            ),
        )
        for f in data.factors
    ]
    level_rows = [(f, [(p, data.level(f.pk, p.pk)) for p in data.players]) for f in data.factors]
    return render(
        request,
        "strategy/canvas.html",
        {
            "canvas": canvas,
            "data": data,
            "factor_rows": factor_rows,
            "level_rows": level_rows,
            "level_error": level_error,
            "can_edit": services.can_edit_strategy(me),
            "canvas_form": bound.get("canvas")
            or CanvasForm(
                initial={
                    "title": canvas.title,
                    "tagline": canvas.tagline,
                    "description": canvas.description,
                }
            ),
            "factor_form": bound.get("factor") or FactorForm(prefix="new-factor"),
            "player_form": bound.get("player") or PlayerForm(prefix="new-player"),
            "stand_out": services.STAND_OUT,
        },
        status=status,
    )


@member_view
def canvas_detail(request: HttpRequest, canvas_id: int) -> HttpResponse:
    return render_canvas(request, _canvas(_me(request), canvas_id))


@member_view
@require_POST
def canvas_edit(request: HttpRequest, canvas_id: int) -> HttpResponse:
    me = _editor(request)
    canvas = _canvas(me, canvas_id)
    form = CanvasForm(request.POST)
    if form.is_valid():
        try:
            services.update_canvas(actor=me, canvas=canvas, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Canvas saved.")
            return _back(canvas.pk)
    canvas.refresh_from_db()
    return render_canvas(request, canvas, status=UNPROCESSABLE, bound={"canvas": form})


@member_view
@require_POST
def canvas_delete(request: HttpRequest, canvas_id: int) -> HttpResponse:
    me = _editor(request)
    canvas = _canvas(me, canvas_id)
    services.delete_canvas(actor=me, canvas=canvas)
    messages.success(request, f"Canvas “{canvas.title}” deleted.")
    return redirect("strategy:canvases")


# --- factors and players ----------------------------------------------------------------------


def _add_row(
    request: HttpRequest,
    canvas_id: int,
    form_class: type[FactorForm] | type[PlayerForm],
    slot: str,
    add: Callable[..., Any],
) -> HttpResponse:
    """A new factor or player from its form (prefix ``new-<slot>``), back to its section."""
    me = _editor(request)
    canvas = _canvas(me, canvas_id)
    form = form_class(request.POST, prefix=f"new-{slot}")
    if form.is_valid():
        try:
            add(actor=me, canvas=canvas, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return _back(canvas.pk, f"#{slot}s")
    return render_canvas(request, canvas, status=UNPROCESSABLE, bound={slot: form})


@member_view
@require_POST
def factor_add(request: HttpRequest, canvas_id: int) -> HttpResponse:
    return _add_row(request, canvas_id, FactorForm, "factor", services.add_factor)


@member_view
@require_POST
def factor_edit(request: HttpRequest, canvas_id: int, factor_id: int) -> HttpResponse:
    me = _editor(request)
    factor = _factor(me, canvas_id, factor_id)
    form = FactorForm(request.POST, prefix=f"factor-{factor.pk}")
    if form.is_valid():
        try:
            services.update_factor(actor=me, factor=factor, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Factor “{factor.name}” saved.")
            return _back(canvas_id, f"#factor-{factor.pk}")
    return render_canvas(
        request, factor.canvas, status=UNPROCESSABLE, bound={f"factor-{factor.pk}": form}
    )


@member_view
@require_POST
def factor_move(request: HttpRequest, canvas_id: int, factor_id: int) -> HttpResponse:
    me = _editor(request)
    factor = _factor(me, canvas_id, factor_id)
    offset = -1 if request.POST.get("direction") == "left" else 1
    services.move_factor(actor=me, factor=factor, offset=offset)
    return _back(canvas_id, "#factors")


@member_view
@require_POST
def factor_delete(request: HttpRequest, canvas_id: int, factor_id: int) -> HttpResponse:
    me = _editor(request)
    services.delete_factor(actor=me, factor=_factor(me, canvas_id, factor_id))
    return _back(canvas_id, "#factors")


@member_view
@require_POST
def player_add(request: HttpRequest, canvas_id: int) -> HttpResponse:
    return _add_row(request, canvas_id, PlayerForm, "player", services.add_player)


@member_view
@require_POST
def player_delete(request: HttpRequest, canvas_id: int, player_id: int) -> HttpResponse:
    me = _editor(request)
    services.delete_player(actor=me, player=_player(me, canvas_id, player_id))
    return _back(canvas_id, "#players")


# --- levels -----------------------------------------------------------------------------------


@member_view
@require_POST
def levels(request: HttpRequest, canvas_id: int) -> HttpResponse:
    """The levels table: every ``level-<factor>-<player>`` field of the form.

    From htmx (a cell changed) the answer is the chart and indicators redrawn; without
    JavaScript, the page again.
    """
    me = _editor(request)
    canvas = _canvas(me, canvas_id)
    wanted = {
        (int(m[1]), int(m[2])): value
        for name, value in request.POST.items()
        if (m := LEVEL_FIELD.match(name))
    }
    error = ""
    try:
        services.set_levels(actor=me, canvas=canvas, levels=wanted)
    except ValidationFailed as exc:
        error = "Levels not saved: " + "; ".join(exc.errors.values())
    status = UNPROCESSABLE if error else 200
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "strategy/canvas_live.html",
            {"canvas": canvas, "data": selectors.canvas_data(canvas), "level_error": error},
            status=status,
        )
    if error:
        return render_canvas(request, canvas, status=status, level_error=error)
    return _back(canvas_id, "#levels")


# --- make it an objective ---------------------------------------------------------------------


@member_view
def factor_objective(request: HttpRequest, canvas_id: int, factor_id: int) -> HttpResponse:
    me = _editor(request)
    factor = _factor(me, canvas_id, factor_id)
    if factor.objective_id is not None:
        return redirect("okrs:objective", factor.objective_id)
    cycle = services.default_cycle(me.organization_id)
    team = services.root_team(me.organization_id)
    form = ObjectiveFromFactorForm(
        request.POST or None,
        org_id=me.organization_id,
        initial={
            "title": services.objective_title(factor),
            "cycle": cycle.pk if cycle else None,
            "owner_team": team.pk if team else None,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                objective = services.make_objective(
                    actor=me,
                    factor=factor,
                    cycle_id=form.cleaned_data["cycle"].pk,
                    owner_team_id=form.cleaned_data["owner_team"].pk,
                    title=form.cleaned_data["title"],
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            except PermissionDenied:
                form.add_error("owner_team", "You may not create objectives for this team.")
            else:
                messages.success(request, f"Objective “{objective.title}” created.")
                return redirect("okrs:objective", objective.pk)
        status = UNPROCESSABLE
    return render(
        request,
        "strategy/canvas_objective_form.html",
        {"factor": factor, "canvas": factor.canvas, "form": form},
        status=status,
    )
