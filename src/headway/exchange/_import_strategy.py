"""Reading X-Matrices and Strategy Canvases into unsaved model objects, and writing them.

Every reference is checked while reading: objectives by their ref in this file, KPIs by key,
teams by slug, people by username, and items, resources, factors and players by their ref within
the same matrix or canvas. Corner marks must join items of adjacent lists, row first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from headway.core.xmatrix import CORNERS
from headway.exchange import _read as r
from headway.exchange._common import label, max_length
from headway.okrs.models import Objective
from headway.strategy.choices import Errc, ItemKind, PlayerKind, Responsibility, Strength
from headway.strategy.models import (
    Assignment,
    CanvasFactor,
    CanvasLevel,
    CanvasPlayer,
    Correlation,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)

if TYPE_CHECKING:
    from django.db.models import Model

    from headway.exchange._import import Importer

YEAR_MIN, YEAR_MAX = 1900, 2999


class Strategy:
    """What the importer holds of the strategy layer until it writes."""

    def __init__(self) -> None:
        self.matrices: list[XMatrix] = []
        self.items: list[XMatrixItem] = []
        self.item_objectives: list[tuple[XMatrixItem, Objective]] = []
        self.resources: list[XMatrixResource] = []
        self.correlations: list[Correlation] = []
        self.assignments: list[Assignment] = []
        self.canvases: list[StrategyCanvas] = []
        self.factors: list[CanvasFactor] = []
        self.players: list[CanvasPlayer] = []
        self.levels: list[CanvasLevel] = []


def _required_text(d: dict[str, Any], path: str, model: type[Model], key: str) -> str:
    value: str = r.text(
        d, path, key, max_length=max_length(model, key), default=r.REQUIRED, blank=False
    )
    return value


def _local_ref(
    imp: Importer, d: dict[str, Any], path: str, obj: Model, local: dict[str, Any]
) -> None:
    """The required ref of an item, resource, factor or player: unique in the file like every
    ref, and kept in ``local`` for the marks, assignments or levels of its own matrix or canvas."""
    ref = r.text(d, path, "ref", max_length=100, default=r.REQUIRED, blank=False)
    imp.ref(type(obj), ref, obj, r.join(path, "ref"))
    local[ref] = obj


def read_xmatrices(imp: Importer, data: dict[str, Any]) -> None:
    s = imp.strategy
    objectives = imp.refs[label(Objective)]
    years: set[int] = set()
    for p, value in r.items(data, "", "xmatrices"):
        d = r.obj(
            value,
            p,
            [
                "ref",
                "year",
                "title",
                "created_at",
                "updated_at",
                "items",
                "resources",
                "correlations",
                "assignments",
            ],
        )
        matrix = XMatrix(
            organization=imp.org,
            year=r.integer(d, p, "year", low=YEAR_MIN, high=YEAR_MAX),
            title=r.text(d, p, "title", max_length=max_length(XMatrix, "title")),
            created_at=imp.stamp(d, p, "created_at"),
            updated_at=imp.stamp(d, p, "updated_at"),
        )
        if matrix.year in years:
            r.fail(r.join(p, "year"), f"a second X-Matrix for {matrix.year}")
        years.add(matrix.year)
        imp.own_ref(d, p, XMatrix, matrix)
        s.matrices.append(matrix)

        items: dict[str, XMatrixItem] = {}
        for ip, item_value in r.items(d, p, "items"):
            idict = r.obj(
                item_value,
                ip,
                [
                    "ref",
                    "kind",
                    "title",
                    "description",
                    "position",
                    "objectives",
                    "kpi",
                    "baseline",
                    "target",
                    "unit",
                    "owner",
                ],
            )
            item = XMatrixItem(
                organization=imp.org,
                matrix=matrix,
                kind=r.choice(idict, ip, "kind", ItemKind.values, default=r.REQUIRED),
                title=_required_text(idict, ip, XMatrixItem, "title"),
                description=r.text(idict, ip, "description"),
                position=r.integer(idict, ip, "position", low=0, high=r.INT_MAX, default=0),
                kpi=imp.lookup(idict, ip, "kpi", imp.kpis, "KPI"),
                baseline=r.decimal(idict, ip, "baseline", default=None, null=True),
                target=r.decimal(idict, ip, "target", default=None, null=True),
                unit=r.text(idict, ip, "unit", max_length=max_length(XMatrixItem, "unit")),
                owner=imp.lookup(idict, ip, "owner", imp.members, "member"),
            )
            _local_ref(imp, idict, ip, item, items)
            seen: set[str] = set()
            for op, objective_ref in r.items(idict, ip, "objectives"):
                if not isinstance(objective_ref, str) or objective_ref not in objectives:
                    r.fail(op, f"unknown objective {str(objective_ref)[:60]!r}")
                if objective_ref in seen:
                    r.fail(op, f"{objective_ref!r} is listed twice")
                seen.add(objective_ref)
                s.item_objectives.append((item, objectives[objective_ref]))  # type: ignore[arg-type]
            s.items.append(item)

        resources: dict[str, XMatrixResource] = {}
        for rp, resource_value in r.items(d, p, "resources"):
            rd = r.obj(resource_value, rp, ["ref", "team", "person", "label", "position"])
            resource = XMatrixResource(
                organization=imp.org,
                matrix=matrix,
                team=imp.lookup(rd, rp, "team", imp.teams, "team"),
                person=imp.lookup(rd, rp, "person", imp.members, "member"),
                label=r.text(rd, rp, "label", max_length=max_length(XMatrixResource, "label")),
                position=r.integer(rd, rp, "position", low=0, high=r.INT_MAX, default=0),
            )
            if resource.team is None and resource.person is None and not resource.label.strip():
                r.fail(rp, "give a team, a person or a label")
            _local_ref(imp, rd, rp, resource, resources)
            s.resources.append(resource)

        pairs: set[tuple[str, str]] = set()
        for cp, mark in r.items(d, p, "correlations"):
            cd = r.obj(mark, cp, ["row", "column", "strength"])
            row = imp.lookup(cd, cp, "row", items, "item of this matrix", required=True)
            column = imp.lookup(cd, cp, "column", items, "item of this matrix", required=True)
            if (row.kind, column.kind) not in CORNERS:
                r.fail(
                    r.join(cp, "column"),
                    f"a {row.kind} row cannot be marked against a {column.kind} column: the "
                    "corners are breakthrough x annual, annual x priority, priority x metric "
                    "and metric x breakthrough",
                )
            pair = (cd["row"], cd["column"])
            if pair in pairs:
                r.fail(cp, "the same row and column are marked twice")
            pairs.add(pair)
            s.correlations.append(
                Correlation(
                    organization=imp.org,
                    matrix=matrix,
                    row=row,
                    column=column,
                    strength=r.choice(cd, cp, "strength", Strength.values, default=r.REQUIRED),
                )
            )

        given: set[tuple[str, str]] = set()
        for ap, value_a in r.items(d, p, "assignments"):
            ad = r.obj(value_a, ap, ["priority", "resource", "responsibility"])
            priority = imp.lookup(ad, ap, "priority", items, "item of this matrix", required=True)
            if priority.kind != ItemKind.PRIORITY:
                r.fail(r.join(ap, "priority"), f"must be a priority, not a {priority.kind}")
            resource = imp.lookup(
                ad, ap, "resource", resources, "resource of this matrix", required=True
            )
            key = (ad["priority"], ad["resource"])
            if key in given:
                r.fail(ap, "the same priority and resource are listed twice")
            given.add(key)
            s.assignments.append(
                Assignment(
                    organization=imp.org,
                    matrix=matrix,
                    priority=priority,
                    resource=resource,
                    responsibility=r.choice(
                        ad, ap, "responsibility", Responsibility.values, default=r.REQUIRED
                    ),
                )
            )


def read_canvases(imp: Importer, data: dict[str, Any]) -> None:
    s = imp.strategy
    objectives = imp.refs[label(Objective)]
    for p, value in r.items(data, "", "canvases"):
        d = r.obj(
            value,
            p,
            [
                "ref",
                "title",
                "tagline",
                "description",
                "created_at",
                "updated_at",
                "factors",
                "players",
                "levels",
            ],
        )
        canvas = StrategyCanvas(
            organization=imp.org,
            title=_required_text(d, p, StrategyCanvas, "title"),
            tagline=r.text(d, p, "tagline", max_length=max_length(StrategyCanvas, "tagline")),
            description=r.text(d, p, "description"),
            created_at=imp.stamp(d, p, "created_at"),
            updated_at=imp.stamp(d, p, "updated_at"),
        )
        imp.own_ref(d, p, StrategyCanvas, canvas)
        s.canvases.append(canvas)

        factors: dict[str, CanvasFactor] = {}
        for fp, factor_value in r.items(d, p, "factors"):
            fd = r.obj(
                factor_value, fp, ["ref", "name", "position", "errc", "rationale", "objective"]
            )
            factor = CanvasFactor(
                organization=imp.org,
                canvas=canvas,
                name=_required_text(fd, fp, CanvasFactor, "name"),
                position=r.integer(fd, fp, "position", low=0, high=r.INT_MAX, default=0),
                errc=r.choice(fd, fp, "errc", Errc.values, default=Errc.NONE),
                rationale=r.text(fd, fp, "rationale"),
                objective=imp.lookup(fd, fp, "objective", objectives, "objective"),
            )
            _local_ref(imp, fd, fp, factor, factors)
            s.factors.append(factor)

        players: dict[str, CanvasPlayer] = {}
        for pp, player_value in r.items(d, p, "players"):
            pd = r.obj(player_value, pp, ["ref", "name", "kind", "position"])
            player = CanvasPlayer(
                organization=imp.org,
                canvas=canvas,
                name=_required_text(pd, pp, CanvasPlayer, "name"),
                kind=r.choice(pd, pp, "kind", PlayerKind.values, default=r.REQUIRED),
                position=r.integer(pd, pp, "position", low=0, high=r.INT_MAX, default=0),
            )
            _local_ref(imp, pd, pp, player, players)
            s.players.append(player)

        seen: set[tuple[str, str]] = set()
        for lp, level_value in r.items(d, p, "levels"):
            ld = r.obj(level_value, lp, ["factor", "player", "level"])
            factor = imp.lookup(ld, lp, "factor", factors, "factor of this canvas", required=True)
            player = imp.lookup(ld, lp, "player", players, "player of this canvas", required=True)
            key = (ld["factor"], ld["player"])
            if key in seen:
                r.fail(lp, "the same factor and player are listed twice")
            seen.add(key)
            s.levels.append(
                CanvasLevel(
                    organization=imp.org,
                    canvas=canvas,
                    factor=factor,
                    player=player,
                    level=r.integer(ld, lp, "level", low=0, high=10),
                )
            )


def write(imp: Importer) -> None:
    from headway.exchange._import import _create

    s = imp.strategy
    _create(XMatrix, s.matrices, ["created_at", "updated_at"])
    _create(XMatrixItem, s.items)
    XMatrixItem.objectives.through.objects.bulk_create(
        [
            XMatrixItem.objectives.through(xmatrixitem_id=item.pk, objective_id=objective.pk)
            for item, objective in s.item_objectives
        ],
        batch_size=500,
    )
    _create(XMatrixResource, s.resources)
    _create(Correlation, s.correlations)
    _create(Assignment, s.assignments)
    _create(StrategyCanvas, s.canvases, ["created_at", "updated_at"])
    _create(CanvasFactor, s.factors)
    _create(CanvasPlayer, s.players)
    _create(CanvasLevel, s.levels)
