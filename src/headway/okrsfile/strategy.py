"""The strategy layer in an OKR file: ``xmatrices`` and ``canvases`` (docs/okrs-as-code.md).

An X-Matrix is found by its year, a canvas by its key. The rows inside them have no key column in
the database, so their keys are derived, the way objectives get theirs: an item's from its title
(unique within the matrix), a resource's from its team, person or label, a player's and a
factor's from their names, a canvas's from its title. A key the file writes must be that key;
the corner marks, the assignments and the levels refer to rows by it.

``strategy_file`` reads those sections (no database needed, for ``headway lint``); this module
reads what is stored (``load``), writes the export (``sections``), plans (``plan``) and applies
(``Applier``). Writes go
through the models inside apply's transaction, checked (admins and team leads change the
strategy) and audited like the strategy pages' own services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model

from headway.audit import services as audit
from headway.okrsfile.dump import Inline, InlineMap
from headway.okrsfile.model import Entry, support_text
from headway.okrsfile.strategy_file import (
    KIND_RANK,
    LISTS,
    named_keys,
    resource_base,
)
from headway.orgs import permissions
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
    from headway.okrsfile.apply import _Writer
    from headway.okrsfile.plan import Change, _Planner
    from headway.okrsfile.state import OrgState, Row

ObjectiveRef = tuple[str, str]
_M = TypeVar("_M", bound=Model)

ITEM_FIELDS = ["kind", "title", "description", "position", "kpi", "baseline", "target", "unit"]
ITEM_AUDIT = [*ITEM_FIELDS, "owner"]
RESOURCE_AUDIT = ["team", "person", "label", "position"]
FACTOR_AUDIT = ["name", "position", "errc", "rationale", "objective"]
PLAYER_AUDIT = ["name", "kind", "position"]
CANVAS_AUDIT = ["title", "tagline", "description"]

# Each kind's audit action ("<action>.create", ".update", ".delete"), in the order apply writes
# the kinds (parents first) and deletes them (children first).
ACTIONS = {
    "xmatrix": "xmatrix",
    "xmatrix_item": "xmatrix.item",
    "xmatrix_resource": "xmatrix.resource",
    "correlation": "xmatrix.correlation",
    "assignment": "xmatrix.assignment",
    "canvas": "canvas",
    "canvas_player": "canvas.player",
    "canvas_factor": "canvas.factor",
}
WRITE_ORDER = tuple(ACTIONS)
KINDS = frozenset(WRITE_ORDER)


# --- what is stored -----------------------------------------------------------------------------


@dataclass
class StrategyState:
    matrices: dict[str, Row] = field(default_factory=dict)  # by year (text), oldest first
    canvases: dict[str, Row] = field(default_factory=dict)  # by key, oldest first


def load(
    oid: int,
    *,
    slug_of: dict[int, str],
    username_of: dict[int, str],
    kpi_key: dict[int, str],
    objective_ref: dict[int, ObjectiveRef],
) -> StrategyState:
    """Every X-Matrix and canvas of the organization, in file terms (one query per table)."""
    from headway.okrsfile.state import Row

    out = StrategyState()
    matrices = list(XMatrix.objects.filter(organization_id=oid).order_by("year"))
    items: dict[int, list[XMatrixItem]] = {}
    for item in sorted(
        XMatrixItem.objects.filter(organization_id=oid),
        key=lambda i: (KIND_RANK.get(i.kind, 9), i.position, i.pk),
    ):
        items.setdefault(item.matrix_id, []).append(item)
    linked: dict[int, list[ObjectiveRef]] = {}
    for item_id, objective_id in XMatrixItem.objectives.through.objects.filter(
        xmatrixitem__organization_id=oid
    ).values_list("xmatrixitem_id", "objective_id"):
        if objective_id in objective_ref:
            linked.setdefault(item_id, []).append(objective_ref[objective_id])
    resources: dict[int, list[XMatrixResource]] = {}
    for resource in XMatrixResource.objects.filter(organization_id=oid).order_by("position", "id"):
        resources.setdefault(resource.matrix_id, []).append(resource)
    marks: dict[int, list[Correlation]] = {}
    for mark in Correlation.objects.filter(organization_id=oid):
        marks.setdefault(mark.matrix_id, []).append(mark)
    given: dict[int, list[Assignment]] = {}
    for assignment in Assignment.objects.filter(organization_id=oid):
        given.setdefault(assignment.matrix_id, []).append(assignment)

    for matrix in matrices:
        row = Row("xmatrix", str(matrix.year), {"title": matrix.title}, matrix)
        own = items.get(matrix.pk, [])
        key_of: dict[int, str] = {}
        rank: dict[int, int] = {}
        positions: dict[str, int] = {}
        for index, (item, key) in enumerate(
            zip(own, named_keys((i.title for i in own), "item"), strict=True)
        ):
            key_of[item.pk], rank[item.pk] = key, index
            position = positions[item.kind] = positions.get(item.kind, -1) + 1
            row.children.append(
                Row(
                    "xmatrix_item",
                    key,
                    {
                        "kind": item.kind,
                        "title": item.title,
                        "description": item.description,
                        "objectives": tuple(sorted(linked.get(item.pk, []))),
                        "kpi": kpi_key.get(item.kpi_id) if item.kpi_id else None,
                        "baseline": item.baseline,
                        "target": item.target,
                        "unit": item.unit,
                        "owner": username_of.get(item.owner_id) if item.owner_id else None,
                        # Where it stands in its list (what the file's order says).
                        "position": position,
                    },
                    item,
                )
            )
        own_resources = resources.get(matrix.pk, [])
        bases = [
            resource_base(
                slug_of.get(r.team_id) if r.team_id else None,
                username_of.get(r.person_id) if r.person_id else None,
                r.label,
            )
            for r in own_resources
        ]
        resource_key: dict[int, str] = {}
        resource_rank: dict[int, int] = {}
        for index, (resource, key) in enumerate(
            zip(own_resources, named_keys(bases, "resource"), strict=True)
        ):
            resource_key[resource.pk], resource_rank[resource.pk] = key, index
            row.children.append(
                Row(
                    "xmatrix_resource",
                    key,
                    {
                        "team": slug_of.get(resource.team_id) if resource.team_id else None,
                        "person": (
                            username_of.get(resource.person_id) if resource.person_id else None
                        ),
                        "label": resource.label,
                        "position": index,
                    },
                    resource,
                )
            )
        for mark in sorted(
            (m for m in marks.get(matrix.pk, []) if m.row_id in rank and m.column_id in rank),
            key=lambda m: (rank[m.row_id], rank[m.column_id]),
        ):
            key = f"{key_of[mark.row_id]}/{key_of[mark.column_id]}"
            row.children.append(Row("correlation", key, {"strength": mark.strength}, mark))
        for assignment in sorted(
            (
                a
                for a in given.get(matrix.pk, [])
                if a.priority_id in rank and a.resource_id in resource_rank
            ),
            key=lambda a: (rank[a.priority_id], resource_rank[a.resource_id]),
        ):
            key = f"{key_of[assignment.priority_id]}/{resource_key[assignment.resource_id]}"
            row.children.append(
                Row("assignment", key, {"responsibility": assignment.responsibility}, assignment)
            )
        out.matrices[row.key] = row

    canvases = list(StrategyCanvas.objects.filter(organization_id=oid).order_by("id"))
    players: dict[int, list[CanvasPlayer]] = {}
    for player in CanvasPlayer.objects.filter(organization_id=oid).order_by("position", "id"):
        players.setdefault(player.canvas_id, []).append(player)
    factors: dict[int, list[CanvasFactor]] = {}
    for factor in CanvasFactor.objects.filter(organization_id=oid).order_by("position", "id"):
        factors.setdefault(factor.canvas_id, []).append(factor)
    levels: dict[int, list[CanvasLevel]] = {}
    for level in CanvasLevel.objects.filter(organization_id=oid):
        levels.setdefault(level.factor_id, []).append(level)
    for canvas, canvas_key in zip(
        canvases, named_keys((c.title for c in canvases), "canvas"), strict=True
    ):
        row = Row(
            "canvas",
            canvas_key,
            {
                "title": canvas.title,
                "tagline": canvas.tagline,
                "description": canvas.description,
            },
            canvas,
        )
        own_players = players.get(canvas.pk, [])
        player_key: dict[int, str] = {}
        for index, (player, key) in enumerate(
            zip(own_players, named_keys((p.name for p in own_players), "player"), strict=True)
        ):
            player_key[player.pk] = key
            row.children.append(
                Row(
                    "canvas_player",
                    key,
                    {"name": player.name, "kind": player.kind, "position": index},
                    player,
                )
            )
        order = {pk: i for i, pk in enumerate(player_key)}
        own_factors = factors.get(canvas.pk, [])
        for index, (factor, key) in enumerate(
            zip(own_factors, named_keys((f.name for f in own_factors), "factor"), strict=True)
        ):
            rated = sorted(
                (lv for lv in levels.get(factor.pk, []) if lv.player_id in player_key),
                key=lambda lv: order[lv.player_id],
            )
            row.children.append(
                Row(
                    "canvas_factor",
                    key,
                    {
                        "name": factor.name,
                        "errc": factor.errc,
                        "rationale": factor.rationale,
                        "objective": (
                            objective_ref.get(factor.objective_id) if factor.objective_id else None
                        ),
                        "levels": {player_key[lv.player_id]: lv.level for lv in rated},
                        "position": index,
                    },
                    factor,
                )
            )
        out.canvases[canvas_key] = row
    return out


# --- the export ---------------------------------------------------------------------------------


def _ref_text(ref: ObjectiveRef) -> str:
    return support_text(ref, "")


def sections(state: OrgState) -> dict[str, Any]:
    """The ``xmatrices`` and ``canvases`` sections, when the organization has any."""
    strategy = state.strategy
    out: dict[str, Any] = {}
    if strategy.matrices:
        out["xmatrices"] = [_matrix_out(row) for row in strategy.matrices.values()]
    if strategy.canvases:
        out["canvases"] = [_canvas_out(row) for row in strategy.canvases.values()]
    return out


def _matrix_out(row: Row) -> dict[str, Any]:
    out: dict[str, Any] = {"year": int(row.key)}
    if row.values["title"]:
        out["title"] = row.values["title"]
    for name, kind in LISTS:
        items = [c for c in row.children if c.kind == "xmatrix_item" and c.values["kind"] == kind]
        if items:
            out[name] = [_item_out(c) for c in items]
    resources = [c for c in row.children if c.kind == "xmatrix_resource"]
    if resources:
        out["resources"] = [_resource_out(c) for c in resources]
    marks = [c for c in row.children if c.kind == "correlation"]
    if marks:
        out["correlations"] = [
            InlineMap(
                {
                    "row": c.key.split("/")[0],
                    "column": c.key.split("/")[1],
                    "strength": c.values["strength"],
                }
            )
            for c in marks
        ]
    given = [c for c in row.children if c.kind == "assignment"]
    if given:
        out["assignments"] = [
            InlineMap(
                {
                    "priority": c.key.split("/")[0],
                    "resource": c.key.split("/")[1],
                    "responsibility": c.values["responsibility"],
                }
            )
            for c in given
        ]
    return out


def _item_out(row: Row) -> dict[str, Any]:
    values = row.values
    out: dict[str, Any] = {"key": row.key, "title": values["title"]}
    if values["description"]:
        out["description"] = values["description"]
    if values["objectives"]:
        out["objectives"] = Inline(_ref_text(ref) for ref in values["objectives"])
    for name in ("kpi", "baseline", "target"):
        if values[name] is not None:
            out[name] = values[name]
    if values["unit"]:
        out["unit"] = values["unit"]
    if values["owner"] is not None:
        out["owner"] = values["owner"]
    return out


def _resource_out(row: Row) -> dict[str, Any]:
    values = row.values
    out: dict[str, Any] = {"key": row.key}
    for name in ("team", "person", "label"):
        if values[name]:
            out[name] = values[name]
    return out


def _canvas_out(row: Row) -> dict[str, Any]:
    values = row.values
    out: dict[str, Any] = {"key": row.key, "title": values["title"]}
    for name in ("tagline", "description"):
        if values[name]:
            out[name] = values[name]
    players = [c for c in row.children if c.kind == "canvas_player"]
    if players:
        out["players"] = [
            {"key": p.key, "name": p.values["name"], "kind": p.values["kind"]} for p in players
        ]
    factors = [c for c in row.children if c.kind == "canvas_factor"]
    if factors:
        out["factors"] = [_factor_out(f) for f in factors]
    return out


def _factor_out(row: Row) -> dict[str, Any]:
    values = row.values
    out: dict[str, Any] = {"key": row.key, "name": values["name"]}
    if values["errc"]:
        out["errc"] = values["errc"]
    if values["rationale"]:
        out["rationale"] = values["rationale"]
    if values["objective"] is not None:
        out["objective"] = _ref_text(values["objective"])
    if values["levels"]:
        out["levels"] = InlineMap(values["levels"])
    return out


# --- the plan -----------------------------------------------------------------------------------


def plan(planner: _Planner, *, deletes_only: bool) -> None:
    """Append the strategy's changes to the planner's, and its problems to the planner's."""
    from headway.okrsfile.plan import Change, diff

    file, state = planner.file, planner.state.strategy
    out: list[Change] = []

    def upsert(entry: Entry, row: Row | None, ref: tuple[str, ...]) -> None:
        if row is None:
            out.append(Change("create", entry.kind, ref, entry=entry))
        elif fields := diff(entry.kind, row.values, entry.values):
            out.append(Change("update", entry.kind, ref, entry, row, fields))

    def children(
        entry: Entry | None, row: Row | None, ref: tuple[str, ...], kinds: Iterable[str]
    ) -> None:
        """Creates and updates of a matrix's or canvas's rows; with prune, deletes."""
        stored = {(c.kind, c.key): c for c in row.children} if row is not None else {}
        listed = {(c.kind, c.key) for c in entry.children} if entry is not None else set()
        if entry is not None and not deletes_only:
            for child in entry.children:
                upsert(child, stored.get((child.kind, child.key)), (*ref, *child.key.split("/")))
        if planner.prune and entry is not None:
            for kind in kinds:
                for (k, key), child_row in stored.items():
                    if k == kind and (k, key) not in listed:
                        out.append(Change("delete", k, (*ref, *key.split("/")), row=child_row))

    if file.xmatrices is not None:
        for entry in file.xmatrices:
            if not deletes_only:
                _check_matrix(planner, entry)
                upsert(entry, state.matrices.get(entry.key), (entry.key,))
            children(
                entry,
                state.matrices.get(entry.key),
                (entry.key,),
                ("correlation", "assignment", "xmatrix_item", "xmatrix_resource"),
            )
        if planner.prune and file.xmatrices:
            listed = {e.key for e in file.xmatrices}
            for key, row in state.matrices.items():
                if key not in listed:
                    note = f"with {_items(row)}"
                    out.append(Change("delete", "xmatrix", (key,), row=row, note=note))
    if file.canvases is not None:
        for entry in file.canvases:
            if not deletes_only:
                _check_canvas(planner, entry)
                upsert(entry, state.canvases.get(entry.key), (entry.key,))
            children(
                entry,
                state.canvases.get(entry.key),
                (entry.key,),
                ("canvas_factor", "canvas_player"),
            )
        if planner.prune and file.canvases:
            listed = {e.key for e in file.canvases}
            for key, row in state.canvases.items():
                if key not in listed:
                    factors = sum(1 for c in row.children if c.kind == "canvas_factor")
                    note = f"with {factors} factor{'' if factors == 1 else 's'}"
                    out.append(Change("delete", "canvas", (key,), row=row, note=note))
    planner.out.extend(out)


def _items(row: Row) -> str:
    n = sum(1 for c in row.children if c.kind == "xmatrix_item")
    return f"{n} item{'' if n == 1 else 's'}"


def _check_objective(planner: _Planner, entry: Entry, name: str, ref: ObjectiveRef) -> None:
    cycle, key = ref
    if cycle not in planner.cycles:
        planner.problem(entry, name, f"no cycle {cycle!r} in the file or the organization")
    elif ref in planner.gone_objectives:
        planner.problem(
            entry, name, f"objective {key!r} of {cycle!r} is not in the file: --prune deletes it"
        )
    elif ref not in planner.objectives:
        planner.problem(entry, name, f"no objective {key!r} in cycle {cycle!r}")


def _check_kpi(planner: _Planner, entry: Entry, key: str) -> None:
    if key in planner.gone_kpis:
        planner.problem(entry, "kpi", f"KPI {key!r} is not in the file: --prune deletes it")
    elif key not in planner.kpis:
        planner.problem(entry, "kpi", f"no KPI {key!r} in the file or the organization")


def _check_matrix(planner: _Planner, matrix: Entry) -> None:
    for child in matrix.children:
        values = child.values
        if child.kind == "xmatrix_item":
            for index, ref in enumerate(values["objectives"]):
                _check_objective(planner, child, f"objectives[{index}]", ref)
            if values["kpi"] is not None:
                _check_kpi(planner, child, values["kpi"])
            if values["owner"] is not None:
                planner._check_person(child, "owner", values["owner"])
        elif child.kind == "xmatrix_resource":
            if values["team"] is not None:
                planner._check_team(child, "team", values["team"])
            if values["person"] is not None:
                planner._check_person(child, "person", values["person"])


def _check_canvas(planner: _Planner, canvas: Entry) -> None:
    for child in canvas.children:
        if child.kind == "canvas_factor" and child.values["objective"] is not None:
            _check_objective(planner, child, "objective", child.values["objective"])


# --- applying -----------------------------------------------------------------------------------


class Applier:
    """Writes the strategy's changes of a plan, as the writer's actor."""

    def __init__(self, writer: _Writer) -> None:
        self.w = writer
        self.actor = writer.actor
        self.org_id = writer.plan.state.organization.pk
        state = writer.plan.state.strategy
        self.matrices: dict[str, XMatrix] = {k: r.obj for k, r in state.matrices.items()}
        self.canvases: dict[str, StrategyCanvas] = {k: r.obj for k, r in state.canvases.items()}
        self.items: dict[tuple[str, str], XMatrixItem] = {}
        self.resources: dict[tuple[str, str], XMatrixResource] = {}
        for year, row in state.matrices.items():
            for child in row.children:
                if child.kind == "xmatrix_item":
                    self.items[(year, child.key)] = child.obj
                elif child.kind == "xmatrix_resource":
                    self.resources[(year, child.key)] = child.obj
        self.players: dict[tuple[str, str], CanvasPlayer] = {}
        for key, row in state.canvases.items():
            for child in row.children:
                if child.kind == "canvas_player":
                    self.players[(key, child.key)] = child.obj

    def record(self, action: str, instance: Any, **kwargs: Any) -> None:
        audit.record(
            organization_id=self.org_id,
            actor_id=self.actor.user_id,
            action=action,
            instance=instance,
            **kwargs,
        )

    def run(self) -> None:
        changes = [c for c in self.w.plan.changes if c.kind in KINDS]
        if not changes:
            return
        if not permissions.can_edit_strategy(self.actor):
            raise PermissionDenied(
                f"{changes[0].label}: only admins and team leads may change the strategy"
            )
        for kind in reversed(WRITE_ORDER):
            for change in changes:
                if change.kind == kind and change.op == "delete":
                    self.delete(change)
        handlers: dict[str, Callable[[Change], None]] = {
            "xmatrix": self.matrix,
            "xmatrix_item": self.item,
            "xmatrix_resource": self.resource,
            "correlation": self.correlation,
            "assignment": self.assignment,
            "canvas": self.canvas,
            "canvas_player": self.player,
            "canvas_factor": self.factor,
        }
        for kind in WRITE_ORDER:
            for change in changes:
                if change.kind == kind and change.op != "delete":
                    with self.w.step(change):
                        handlers[kind](change)

    def delete(self, change: Change) -> None:
        assert change.row is not None
        obj = change.row.obj
        self.record(f"{ACTIONS[change.kind]}.delete", obj, before=audit.snapshot(obj))
        obj.delete()

    def _save(self, obj: Any, change: Change, fields: list[str]) -> None:
        """Create ``obj`` (recording ``fields``) or save it (recording the changed ones)."""
        action = ACTIONS[change.kind]
        if change.op == "create":
            obj.save()
            self.record(f"{action}.create", obj, after=audit.snapshot(obj, fields))
        else:
            assert change.row is not None
            before = change.row.values
            obj.save()
            self.record(
                f"{action}.update",
                obj,
                before={f.name: _plain(before[f.name]) for f in change.fields},
                after={f.name: _plain(f.after) for f in change.fields},
            )

    def matrix(self, change: Change) -> None:
        entry = _entry(change)
        matrix = self.matrices.get(entry.key) or XMatrix(
            organization_id=self.org_id, year=int(entry.key)
        )
        matrix.title = entry.values["title"]
        self._save(matrix, change, ["year", "title"])
        self.matrices[entry.key] = matrix

    def item(self, change: Change) -> None:
        entry = _entry(change)
        year = change.ref[0]
        values = entry.values
        item = self.items.get((year, entry.key)) or XMatrixItem(
            organization_id=self.org_id, matrix=self.matrices[year]
        )
        item.kind = values["kind"]
        item.title = values["title"]
        item.description = values["description"]
        item.position = values["position"]
        item.kpi = self.w.kpis[values["kpi"]] if values["kpi"] is not None else None
        item.baseline = values["baseline"]
        item.target = values["target"]
        item.unit = values["unit"]
        item.owner = self.w.people[values["owner"]] if values["owner"] is not None else None
        self._save(item, change, ITEM_AUDIT)
        names = [f.name for f in change.fields]
        if change.op == "create" or "objectives" in names:
            item.objectives.set([self.w.objectives[ref] for ref in values["objectives"]])
        self.items[(year, entry.key)] = item

    def resource(self, change: Change) -> None:
        entry = _entry(change)
        year = change.ref[0]
        values = entry.values
        resource = self.resources.get((year, entry.key)) or XMatrixResource(
            organization_id=self.org_id, matrix=self.matrices[year]
        )
        resource.team = self.w.teams[values["team"]] if values["team"] is not None else None
        resource.person = self.w.people[values["person"]] if values["person"] else None
        resource.label = values["label"]
        resource.position = values["position"]
        self._save(resource, change, RESOURCE_AUDIT)
        self.resources[(year, entry.key)] = resource

    def correlation(self, change: Change) -> None:
        year, row_key, column_key = change.ref
        strength = _entry(change).values["strength"]
        mark = _stored(
            change,
            lambda: Correlation(
                organization_id=self.org_id,
                matrix=self.matrices[year],
                row=self.items[(year, row_key)],
                column=self.items[(year, column_key)],
            ),
        )
        mark.strength = strength
        self._save(mark, change, ["row", "column", "strength"])

    def assignment(self, change: Change) -> None:
        year, priority_key, resource_key = change.ref
        responsibility = _entry(change).values["responsibility"]
        given = _stored(
            change,
            lambda: Assignment(
                organization_id=self.org_id,
                matrix=self.matrices[year],
                priority=self.items[(year, priority_key)],
                resource=self.resources[(year, resource_key)],
            ),
        )
        given.responsibility = responsibility
        self._save(given, change, ["priority", "resource", "responsibility"])

    def canvas(self, change: Change) -> None:
        entry = _entry(change)
        canvas = self.canvases.get(entry.key) or StrategyCanvas(organization_id=self.org_id)
        for name in CANVAS_AUDIT:
            setattr(canvas, name, entry.values[name])
        self._save(canvas, change, CANVAS_AUDIT)
        self.canvases[entry.key] = canvas

    def player(self, change: Change) -> None:
        entry = _entry(change)
        canvas_key = change.ref[0]
        player = self.players.get((canvas_key, entry.key)) or CanvasPlayer(
            organization_id=self.org_id, canvas=self.canvases[canvas_key]
        )
        for name in PLAYER_AUDIT:
            setattr(player, name, entry.values[name])
        self._save(player, change, PLAYER_AUDIT)
        self.players[(canvas_key, entry.key)] = player

    def factor(self, change: Change) -> None:
        entry = _entry(change)
        canvas_key = change.ref[0]
        canvas = self.canvases[canvas_key]
        values = entry.values
        factor = _stored(change, lambda: CanvasFactor(organization_id=self.org_id, canvas=canvas))
        factor.name = values["name"]
        factor.errc = values["errc"]
        factor.rationale = values["rationale"]
        factor.position = values["position"]
        objective = values["objective"]
        factor.objective = self.w.objectives[objective] if objective is not None else None
        self._save(factor, change, FACTOR_AUDIT)
        if change.op == "create" or "levels" in [f.name for f in change.fields]:
            CanvasLevel.objects.filter(factor=factor).delete()
            CanvasLevel.objects.bulk_create(
                CanvasLevel(
                    organization_id=self.org_id,
                    canvas=canvas,
                    factor=factor,
                    player=self.players[(canvas_key, player)],
                    level=level,
                )
                for player, level in values["levels"].items()
            )


def _stored(change: Change, new: Callable[[], _M]) -> _M:
    """What an update changes (the stored row's object), or a new one for a create."""
    return change.row.obj if change.row is not None else new()


def _entry(change: Change) -> Entry:
    assert change.entry is not None
    return change.entry


def _plain(value: Any) -> Any:
    """A plan value as audit data."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple) and value and all(isinstance(v, str) for v in value):
        return _ref_text(value)  # a factor's objective: (cycle, key)
    if isinstance(value, tuple):
        return [_ref_text(v) for v in value]  # an item's objectives
    return value
