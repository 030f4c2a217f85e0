"""The strategy layer in the organization file: X-Matrices and Strategy Canvases.

Items, resources, factors and players get export-local references ("i1", "r1", "f1", "p1") that
the corner marks, assignments and levels use; objectives, KPIs, teams and people are named the way
the rest of the file names them (objective refs, KPI keys, team slugs, usernames).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from headway.exchange._common import dec_out, dt_out, label
from headway.strategy.choices import ItemKind
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

KIND_ORDER = {kind: i for i, kind in enumerate(ItemKind.values)}


def export_xmatrices(
    oid: int,
    *,
    member: dict[int, str],
    team_slug: dict[int, str],
    kpi_key: dict[int, str],
    objective_ref: dict[int, str],
    refs: dict[str, dict[int, str]],
) -> list[dict[str, Any]]:
    matrices = sorted(XMatrix.objects.filter(organization_id=oid), key=lambda m: m.year)
    items: dict[int, list[XMatrixItem]] = defaultdict(list)
    for item in sorted(
        XMatrixItem.objects.filter(matrix__organization_id=oid),
        key=lambda i: (KIND_ORDER.get(i.kind, 9), i.position, i.pk),
    ):
        items[item.matrix_id].append(item)
    linked: dict[int, list[int]] = defaultdict(list)
    for item_id, objective_id in XMatrixItem.objectives.through.objects.filter(
        xmatrixitem__matrix__organization_id=oid
    ).values_list("xmatrixitem_id", "objective_id"):
        if objective_id in objective_ref:
            linked[item_id].append(objective_id)
    resources: dict[int, list[XMatrixResource]] = defaultdict(list)
    for resource in XMatrixResource.objects.filter(matrix__organization_id=oid).order_by(
        "position", "id"
    ):
        resources[resource.matrix_id].append(resource)
    correlations: dict[int, list[Correlation]] = defaultdict(list)
    for c in Correlation.objects.filter(matrix__organization_id=oid):
        correlations[c.matrix_id].append(c)
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(matrix__organization_id=oid):
        assignments[a.matrix_id].append(a)

    objective_rank = {pk: int(ref[1:]) for pk, ref in objective_ref.items()}
    out: list[dict[str, Any]] = []
    item_count = resource_count = 0
    for i, matrix in enumerate(matrices, 1):
        refs[label(XMatrix)][matrix.pk] = f"x{i}"
        item_rank: dict[int, int] = {}
        items_out = []
        for item in items[matrix.pk]:
            item_count += 1
            item_rank[item.pk] = item_count
            refs[label(XMatrixItem)][item.pk] = ref = f"i{item_count}"
            items_out.append(
                {
                    "ref": ref,
                    "kind": item.kind,
                    "title": item.title,
                    "description": item.description,
                    "position": item.position,
                    "objectives": [
                        objective_ref[o]
                        for o in sorted(linked[item.pk], key=objective_rank.__getitem__)
                    ],
                    "kpi": kpi_key.get(item.kpi_id) if item.kpi_id else None,
                    "baseline": dec_out(item.baseline),
                    "target": dec_out(item.target),
                    "unit": item.unit,
                    "owner": member.get(item.owner_id) if item.owner_id else None,
                }
            )
        resource_rank: dict[int, int] = {}
        resources_out = []
        for resource in resources[matrix.pk]:
            resource_count += 1
            resource_rank[resource.pk] = resource_count
            refs[label(XMatrixResource)][resource.pk] = ref = f"r{resource_count}"
            resources_out.append(
                {
                    "ref": ref,
                    "team": team_slug.get(resource.team_id) if resource.team_id else None,
                    "person": member.get(resource.person_id) if resource.person_id else None,
                    "label": resource.label,
                    "position": resource.position,
                }
            )
        item_ref = refs[label(XMatrixItem)]
        resource_ref = refs[label(XMatrixResource)]
        marks = sorted(
            (c for c in correlations[matrix.pk] if c.row_id in item_rank),
            key=lambda c: (item_rank[c.row_id], item_rank.get(c.column_id, 0)),
        )
        given = sorted(
            (a for a in assignments[matrix.pk] if a.priority_id in item_rank),
            key=lambda a: (item_rank[a.priority_id], resource_rank.get(a.resource_id, 0)),
        )
        out.append(
            {
                "ref": f"x{i}",
                "year": matrix.year,
                "title": matrix.title,
                "created_at": dt_out(matrix.created_at),
                "updated_at": dt_out(matrix.updated_at),
                "items": items_out,
                "resources": resources_out,
                "correlations": [
                    {
                        "row": item_ref[c.row_id],
                        "column": item_ref[c.column_id],
                        "strength": c.strength,
                    }
                    for c in marks
                ],
                "assignments": [
                    {
                        "priority": item_ref[a.priority_id],
                        "resource": resource_ref[a.resource_id],
                        "responsibility": a.responsibility,
                    }
                    for a in given
                ],
            }
        )
    return out


def export_canvases(
    oid: int, *, objective_ref: dict[int, str], refs: dict[str, dict[int, str]]
) -> list[dict[str, Any]]:
    canvases = sorted(
        StrategyCanvas.objects.filter(organization_id=oid), key=lambda c: (c.created_at, c.pk)
    )
    factors: dict[int, list[CanvasFactor]] = defaultdict(list)
    for f in CanvasFactor.objects.filter(canvas__organization_id=oid).order_by("position", "id"):
        factors[f.canvas_id].append(f)
    players: dict[int, list[CanvasPlayer]] = defaultdict(list)
    for p in CanvasPlayer.objects.filter(canvas__organization_id=oid).order_by("position", "id"):
        players[p.canvas_id].append(p)
    levels: dict[int, list[CanvasLevel]] = defaultdict(list)
    for level in CanvasLevel.objects.filter(canvas__organization_id=oid):
        levels[level.canvas_id].append(level)

    out: list[dict[str, Any]] = []
    factor_count = player_count = 0
    for i, canvas in enumerate(canvases, 1):
        refs[label(StrategyCanvas)][canvas.pk] = f"s{i}"
        factor_rank: dict[int, int] = {}
        factors_out = []
        for f in factors[canvas.pk]:
            factor_count += 1
            factor_rank[f.pk] = factor_count
            refs[label(CanvasFactor)][f.pk] = ref = f"f{factor_count}"
            factors_out.append(
                {
                    "ref": ref,
                    "name": f.name,
                    "position": f.position,
                    "errc": f.errc,
                    "rationale": f.rationale,
                    "objective": objective_ref.get(f.objective_id) if f.objective_id else None,
                }
            )
        player_rank: dict[int, int] = {}
        players_out = []
        for p in players[canvas.pk]:
            player_count += 1
            player_rank[p.pk] = player_count
            refs[label(CanvasPlayer)][p.pk] = ref = f"p{player_count}"
            players_out.append({"ref": ref, "name": p.name, "kind": p.kind, "position": p.position})
        factor_ref = refs[label(CanvasFactor)]
        player_ref = refs[label(CanvasPlayer)]
        out.append(
            {
                "ref": f"s{i}",
                "title": canvas.title,
                "tagline": canvas.tagline,
                "description": canvas.description,
                "created_at": dt_out(canvas.created_at),
                "updated_at": dt_out(canvas.updated_at),
                "factors": factors_out,
                "players": players_out,
                "levels": [
                    {
                        "factor": factor_ref[level.factor_id],
                        "player": player_ref[level.player_id],
                        "level": level.level,
                    }
                    for level in sorted(
                        (x for x in levels[canvas.pk] if x.factor_id in factor_rank),
                        key=lambda x: (factor_rank[x.factor_id], player_rank.get(x.player_id, 0)),
                    )
                    if level.player_id in player_rank
                ],
            }
        )
    return out
