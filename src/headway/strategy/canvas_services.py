"""Writes to Strategy Canvases. The pages and the API call these functions.

Admins and team leads shape the strategy; everyone else in the organization reads it. Each
service validates, writes and appends to the audit log in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from headway.audit import services as audit
from headway.errors import Problems, ValidationFailed, to_choice, to_text
from headway.okrs import selectors as okr_selectors
from headway.okrs import services as okr_services
from headway.okrs.choices import CycleState
from headway.okrs.models import Cycle, Objective
from headway.orgs import permissions
from headway.orgs.accessors import get_ref
from headway.orgs.models import Membership, Team
from headway.strategy.choices import Errc, PlayerKind
from headway.strategy.models import CanvasFactor, CanvasLevel, CanvasPlayer, StrategyCanvas
from headway.strategy.services import next_position, record, require_edit

CANVAS_FIELDS = ["title", "tagline", "description"]
FACTOR_FIELDS = ["name", "position", "errc", "rationale", "objective"]
PLAYER_FIELDS = ["name", "kind", "position"]
LEVEL_FIELDS = ["factor", "player", "level"]
# The factors an objective can be made from: where the new curve wants to stand out.
STAND_OUT = (Errc.RAISE, Errc.CREATE)


can_edit_strategy = permissions.can_edit_strategy


def _ensure_editor(actor: Membership, canvas: StrategyCanvas) -> None:
    require_edit(actor, canvas.organization_id)


def _touch(canvas: StrategyCanvas) -> None:
    """A change to a factor, player or level is a change to the canvas (lists sort by it)."""
    StrategyCanvas.objects.filter(pk=canvas.pk).update(updated_at=timezone.now())


# --- canvases ---------------------------------------------------------------------------------


def _clean_canvas(data: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "title" in data:
        clean["title"] = problems.check(to_text, data["title"], "title", max_length=200)
    if "tagline" in data:
        clean["tagline"] = problems.check(
            to_text, data["tagline"], "tagline", max_length=200, required=False
        )
    if "description" in data:
        clean["description"] = problems.check(
            to_text, data["description"], "description", max_length=10_000, required=False
        )
    problems.raise_any()
    return clean


@transaction.atomic
def create_canvas(
    *, actor: Membership, title: Any, tagline: Any = "", description: Any = ""
) -> StrategyCanvas:
    if not can_edit_strategy(actor):
        raise PermissionDenied("only admins and team leads change the strategy")
    clean = _clean_canvas({"title": title, "tagline": tagline, "description": description})
    canvas = StrategyCanvas.objects.create(organization_id=actor.organization_id, **clean)
    record(actor, "canvas.create", canvas, after=audit.snapshot(canvas, CANVAS_FIELDS))
    return canvas


@transaction.atomic
def update_canvas(*, actor: Membership, canvas: StrategyCanvas, **data: Any) -> StrategyCanvas:
    _ensure_editor(actor, canvas)
    before = audit.snapshot(canvas, CANVAS_FIELDS)
    for name, value in _clean_canvas(data).items():
        setattr(canvas, name, value)
    canvas.save()
    record(
        actor,
        "canvas.update",
        canvas,
        before=before,
        after=audit.snapshot(canvas, CANVAS_FIELDS),
    )
    return canvas


@transaction.atomic
def delete_canvas(*, actor: Membership, canvas: StrategyCanvas) -> None:
    """The canvas with its factors, players and levels; objectives made from it stay."""
    _ensure_editor(actor, canvas)
    before = audit.snapshot(canvas, CANVAS_FIELDS)
    record(actor, "canvas.delete", canvas, before=before)
    canvas.delete()


# --- ordering ---------------------------------------------------------------------------------


def _place(rows: list[Any], row: Any, index: int) -> None:
    """Move ``row`` to ``index`` among ``rows`` and number them 0, 1, 2... again."""
    others = [r for r in rows if r.pk != row.pk]
    index = max(0, min(index, len(others)))
    others.insert(index, row)
    for position, item in enumerate(others):
        if item.position != position or item.pk == row.pk:
            item.position = position
            type(item).objects.filter(pk=item.pk).update(position=position)


def _to_position(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValidationFailed({"position": "must be a whole number, 0 or more"})
    return raw


Row = TypeVar("Row", CanvasFactor, CanvasPlayer)
Cleaner = Callable[[dict[str, Any]], dict[str, Any]]


def _add_row(
    actor: Membership,
    canvas: StrategyCanvas,
    model: type[Row],
    cleaner: Cleaner,
    data: dict[str, Any],
    action: str,
    fields: list[str],
) -> Row:
    """A new factor or player, placed last on the canvas."""
    _ensure_editor(actor, canvas)
    clean = cleaner(data)
    row = model.objects.create(
        organization_id=canvas.organization_id,
        canvas=canvas,
        position=next_position(model.objects.filter(canvas=canvas)),
        **clean,
    )
    _touch(canvas)
    record(actor, action, row, after=audit.snapshot(row, fields))
    return row


def _update_row(
    actor: Membership,
    row: Row,
    cleaner: Cleaner,
    data: dict[str, Any],
    action: str,
    fields: list[str],
) -> Row:
    """Write a factor's or player's fields; a ``position`` moves it among its kind."""
    canvas = row.canvas
    _ensure_editor(actor, canvas)
    before = audit.snapshot(row, fields)
    clean = cleaner(data)
    position = clean.pop("position", None)
    for name, value in clean.items():
        setattr(row, name, value)
    row.save()
    if position is not None:
        _place(list(type(row).objects.filter(canvas=canvas)), row, position)
    _touch(canvas)
    record(actor, action, row, before=before, after=audit.snapshot(row, fields))
    return row


# --- factors ----------------------------------------------------------------------------------


def _clean_factor(data: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = problems.check(to_text, data["name"], "name", max_length=120)
    if "errc" in data:
        clean["errc"] = problems.check(to_choice, data["errc"] or "", "errc", Errc.values)
    if "rationale" in data:
        clean["rationale"] = problems.check(
            to_text, data["rationale"], "rationale", max_length=10_000, required=False
        )
    if "position" in data:
        clean["position"] = problems.check(_to_position, data["position"])
    problems.raise_any()
    return clean


@transaction.atomic
def add_factor(
    *,
    actor: Membership,
    canvas: StrategyCanvas,
    name: Any,
    errc: Any = "",
    rationale: Any = "",
) -> CanvasFactor:
    return _add_row(
        actor,
        canvas,
        CanvasFactor,
        _clean_factor,
        {"name": name, "errc": errc, "rationale": rationale},
        "canvas.factor.create",
        FACTOR_FIELDS,
    )


@transaction.atomic
def update_factor(*, actor: Membership, factor: CanvasFactor, **data: Any) -> CanvasFactor:
    """Change a factor's name, ERRC action, rationale or position (0 is the first)."""
    return _update_row(actor, factor, _clean_factor, data, "canvas.factor.update", FACTOR_FIELDS)


def move_factor(*, actor: Membership, factor: CanvasFactor, offset: int) -> CanvasFactor:
    """One place left (-1) or right (+1) on the canvas's x axis."""
    ids = list(CanvasFactor.objects.filter(canvas_id=factor.canvas_id).values_list("pk", flat=True))
    return update_factor(actor=actor, factor=factor, position=max(0, ids.index(factor.pk) + offset))


@transaction.atomic
def delete_factor(*, actor: Membership, factor: CanvasFactor) -> None:
    _ensure_editor(actor, factor.canvas)
    record(actor, "canvas.factor.delete", factor, before=audit.snapshot(factor, FACTOR_FIELDS))
    factor.delete()
    _touch(factor.canvas)


# --- players ----------------------------------------------------------------------------------


def _clean_player(data: dict[str, Any]) -> dict[str, Any]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = problems.check(to_text, data["name"], "name", max_length=120)
    if "kind" in data:
        clean["kind"] = problems.check(to_choice, data["kind"], "kind", PlayerKind.values)
    if "position" in data:
        clean["position"] = problems.check(_to_position, data["position"])
    problems.raise_any()
    return clean


@transaction.atomic
def add_player(*, actor: Membership, canvas: StrategyCanvas, name: Any, kind: Any) -> CanvasPlayer:
    return _add_row(
        actor,
        canvas,
        CanvasPlayer,
        _clean_player,
        {"name": name, "kind": kind},
        "canvas.player.create",
        PLAYER_FIELDS,
    )


@transaction.atomic
def update_player(*, actor: Membership, player: CanvasPlayer, **data: Any) -> CanvasPlayer:
    return _update_row(actor, player, _clean_player, data, "canvas.player.update", PLAYER_FIELDS)


@transaction.atomic
def delete_player(*, actor: Membership, player: CanvasPlayer) -> None:
    _ensure_editor(actor, player.canvas)
    record(actor, "canvas.player.delete", player, before=audit.snapshot(player, PLAYER_FIELDS))
    player.delete()
    _touch(player.canvas)


# --- levels -----------------------------------------------------------------------------------


def to_level(raw: Any, field: str = "level") -> int | None:
    """A whole number 0-10; None or "" clears the level."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValidationFailed({field: "must be a whole number from 0 to 10"})
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int | float) else int(raw)
    except ValueError:
        raise ValidationFailed({field: "must be a whole number from 0 to 10"}) from None
    if not 0 <= value <= 10:
        raise ValidationFailed({field: f"must be between 0 and 10, got {value}"})
    return value


@transaction.atomic
def set_levels(
    *, actor: Membership, canvas: StrategyCanvas, levels: dict[tuple[Any, Any], Any]
) -> int:
    """Set (factor id, player id) -> level 0-10, None clearing it. Returns how many changed.

    Every pair must be a factor and a player of this canvas; nothing is written when one is bad.
    """
    _ensure_editor(actor, canvas)
    factor_ids = set(CanvasFactor.objects.filter(canvas=canvas).values_list("pk", flat=True))
    player_ids = set(CanvasPlayer.objects.filter(canvas=canvas).values_list("pk", flat=True))
    problems = Problems()
    wanted: dict[tuple[int, int], int | None] = {}
    for (factor_id, player_id), raw in levels.items():
        if factor_id not in factor_ids:
            problems.add("factor_id", "no such factor on this canvas")
        elif player_id not in player_ids:
            problems.add("player_id", "no such player on this canvas")
        else:
            wanted[factor_id, player_id] = problems.check(to_level, raw)
    problems.raise_any()
    existing = {
        (lv.factor_id, lv.player_id): lv for lv in CanvasLevel.objects.filter(canvas=canvas)
    }
    changed = 0
    for (factor_id, player_id), level in wanted.items():
        row = existing.get((factor_id, player_id))
        if row is not None and row.level == level:
            continue
        before = audit.snapshot(row, LEVEL_FIELDS) if row else None
        if level is None:
            if row is None:
                continue
            record(actor, "canvas.level.delete", row, before=before)
            row.delete()
        elif row is None:
            row = CanvasLevel.objects.create(
                organization_id=canvas.organization_id,
                canvas=canvas,
                factor_id=factor_id,
                player_id=player_id,
                level=level,
            )
            record(
                actor,
                "canvas.level.set",
                row,
                after=audit.snapshot(row, LEVEL_FIELDS),
            )
        else:
            row.level = level
            row.save(update_fields=["level"])
            record(
                actor,
                "canvas.level.set",
                row,
                before=before,
                after=audit.snapshot(row, LEVEL_FIELDS),
            )
        changed += 1
    if changed:
        _touch(canvas)
    return changed


def set_level(
    *, actor: Membership, canvas: StrategyCanvas, factor_id: Any, player_id: Any, level: Any
) -> int:
    return set_levels(actor=actor, canvas=canvas, levels={(factor_id, player_id): level})


# --- from a factor to an objective ------------------------------------------------------------


def objective_title(factor: CanvasFactor) -> str:
    return f"Stand out on {factor.name}"[:200]


def root_team(organization_id: int) -> Team | None:
    """The top of the team tree: the company, which owns company objectives."""
    return Team.objects.filter(organization_id=organization_id, parent__isnull=True).first()


def default_cycle(organization_id: int) -> Cycle | None:
    cycle = okr_selectors.current_cycle(organization_id, timezone.localdate())
    return cycle if cycle is not None and cycle.state != CycleState.CLOSED else None


@transaction.atomic
def make_objective(
    *,
    actor: Membership,
    factor: CanvasFactor,
    cycle_id: Any = None,
    title: Any = None,
    owner_team_id: Any = None,
) -> Objective:
    """A company objective to stand out on a "raise" or "create" factor, linked from the factor.

    Defaults: the current quarter, the root team as owner, "Stand out on <factor>" as title.
    """
    canvas = factor.canvas
    _ensure_editor(actor, canvas)
    if factor.errc not in STAND_OUT:
        raise ValidationFailed({"errc": "only a factor to raise or create becomes an objective"})
    if factor.objective_id is not None:
        raise ValidationFailed({"objective": "this factor already has an objective"})
    problems = Problems()
    if cycle_id is None or cycle_id == "":
        cycle = default_cycle(actor.organization_id)
        if cycle is None:
            problems.add("cycle_id", "there is no open cycle: choose one")
    else:
        cycle = problems.check(get_ref, actor, Cycle, cycle_id, "cycle_id")
    if owner_team_id is None or owner_team_id == "":
        team = root_team(actor.organization_id)
        if team is None:
            problems.add("owner_team_id", "the organization has no team to own it")
    else:
        team = problems.check(get_ref, actor, Team, owner_team_id, "owner_team_id")
    problems.raise_any()
    assert cycle is not None and team is not None
    rationale = factor.rationale.strip()
    objective = okr_services.create_objective(
        actor=actor,
        title=objective_title(factor) if title is None or not str(title).strip() else title,
        description=(
            f"From the strategy canvas “{canvas.title}”: {factor.get_errc_display().lower()} "
            f"{factor.name}." + (f"\n\n{rationale}" if rationale else "")
        )[:10_000],
        cycle_id=cycle.pk,
        owner_team_id=team.pk,
    )
    before = audit.snapshot(factor, FACTOR_FIELDS)
    factor.objective = objective
    factor.save(update_fields=["objective"])
    _touch(canvas)
    record(
        actor,
        "canvas.factor.objective",
        factor,
        before=before,
        after=audit.snapshot(factor, FACTOR_FIELDS),
    )
    return objective
