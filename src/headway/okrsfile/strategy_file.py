"""Reading the ``xmatrices`` and ``canvases`` sections of an OKR file into entries.

No database is needed here (``headway lint`` reads files anywhere); see ``strategy`` for the
rest. Keys of rows that have no key column are derived the way objectives get theirs, and a key
the file writes must be that key.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from headway.core.xmatrix import CORNERS
from headway.okrs.keys import unique_key
from headway.okrsfile.model import Entry
from headway.strategy.choices import ItemKind

if TYPE_CHECKING:
    from headway.okrsfile.parse import _Builder

Path = tuple[str | int, ...]
ObjectiveRef = tuple[str, str]

# The four lists of a matrix as the file names them, in the order they are read.
LISTS: tuple[tuple[str, str], ...] = (
    ("breakthroughs", ItemKind.BREAKTHROUGH),
    ("annual", ItemKind.ANNUAL),
    ("priorities", ItemKind.PRIORITY),
    ("metrics", ItemKind.METRIC),
)
KIND_RANK = {kind: i for i, (_, kind) in enumerate(LISTS)}


# --- keys ---------------------------------------------------------------------------------------


def resource_base(team: str | None, person: str | None, label: str) -> str:
    return team or person or label


def named_keys(names: Iterable[str], fallback: str) -> list[str]:
    """Each name's slug, made unique among them in order ("item", "item-2" when blank)."""
    taken: set[str] = set()
    out = []
    for name in names:
        key = unique_key(name, taken, fallback=fallback)
        taken.add(key)
        out.append(key)
    return out


# --- reading the file ---------------------------------------------------------------------------


class _Reader:
    """Turns the two sections into entries, with every problem the file alone can show."""

    def __init__(self, builder: _Builder) -> None:
        self.b = builder

    def raw(self, path: Path) -> Any:
        return self.b._raw(path)

    def entry(self, kind: str, key: str, values: dict[str, Any], path: Path) -> Entry:
        from headway.okrsfile.parse import path_text

        item = self.raw(path)
        lines = {n: self.b.lines[(*path, n)] for n in item if (*path, n) in self.b.lines}
        return Entry(
            kind=kind,
            key=key,
            values=values,
            path=path_text(path),
            line=self.b.lines[path],
            lines=lines,
            given=frozenset(item),
            at=path,
        )

    def text(self, item: dict[str, Any], name: str, path: Path, *, required: bool = False) -> str:
        value = item.get(name)
        if value is None:
            return ""
        text = str(value).strip() if name in {"title", "name", "unit"} else str(value)
        if required and not text:
            self.b.problem((*path, name), "must not be empty")
        return text

    def check_key(self, item: dict[str, Any], path: Path, key: str, what: str) -> None:
        given = item.get("key")
        if given is not None and given != key:
            self.b.problem(
                (*path, "key"),
                f"must be {key!r}: the key {what} gives (write it that way, or leave it out)",
            )

    def number(self, item: dict[str, Any], name: str, path: Path) -> Decimal | None:
        raw = item.get(name)
        if raw is None:
            return None
        return self.b._number(raw, (*path, name), 4)

    def objective_ref(self, text: str, path: Path) -> ObjectiveRef:
        cycle, colon, key = text.rpartition(":")
        if not colon or not cycle.strip():
            self.b.problem(path, "must name its cycle: CYCLE:KEY (e.g. 2026-Q4:grow-revenue)")
        return cycle.strip(), key

    # X-Matrices

    def matrices(self) -> list[Entry]:
        out: list[Entry] = []
        first: dict[str, int] = {}
        for index, item in enumerate(self.raw(("xmatrices",)) or []):
            path: Path = ("xmatrices", index)
            entry = self.matrix(item, path)
            if entry.key in first:
                self.b.problem(
                    (*path, "year"),
                    f"{entry.key} has a matrix already (first on line {first[entry.key]})",
                )
                continue
            first[entry.key] = entry.line
            out.append(entry)
        return out

    def matrix(self, item: dict[str, Any], path: Path) -> Entry:
        year = str(item["year"])
        entry = self.entry("xmatrix", year, {"title": self.text(item, "title", path)}, path)
        items: dict[str, Entry] = {}
        titles: list[tuple[str, str, int, Path, dict[str, Any]]] = []
        for name, kind in LISTS:
            for position, raw in enumerate(item.get(name) or []):
                item_path = (*path, name, position)
                title = self.text(raw, "title", item_path, required=True)
                titles.append((kind, title, position, item_path, raw))
        for key, (kind, title, position, item_path, raw) in zip(
            named_keys((t[1] for t in titles), "item"), titles, strict=True
        ):
            self.check_key(raw, item_path, key, "its title")
            objectives = []
            for i, text in enumerate(raw.get("objectives") or []):
                objectives.append(self.objective_ref(text, (*item_path, "objectives", i)))
            values = {
                "kind": kind,
                "title": title,
                "description": self.text(raw, "description", item_path),
                "objectives": tuple(objectives),
                "kpi": raw.get("kpi"),
                "baseline": self.number(raw, "baseline", item_path),
                "target": self.number(raw, "target", item_path),
                "unit": self.text(raw, "unit", item_path),
                "owner": raw.get("owner"),
                "position": position,
            }
            child = self.entry("xmatrix_item", key, values, item_path)
            for i, _ in enumerate(raw.get("objectives") or []):
                child.lines[f"objectives[{i}]"] = self.b.lines[(*item_path, "objectives", i)]
            items[key] = child
        resources: dict[str, Entry] = {}
        raw_resources = item.get("resources") or []
        bases = []
        for position, raw in enumerate(raw_resources):
            resource_path = (*path, "resources", position)
            given = [n for n in ("team", "person", "label") if raw.get(n)]
            if len(given) != 1:
                self.b.problem(resource_path, "give exactly one of team, person or label")
            bases.append(resource_base(raw.get("team"), raw.get("person"), raw.get("label") or ""))
        for position, (raw, key) in enumerate(
            zip(raw_resources, named_keys(bases, "resource"), strict=True)
        ):
            resource_path = (*path, "resources", position)
            self.check_key(raw, resource_path, key, "its team, person or label")
            values = {
                "team": raw.get("team"),
                "person": raw.get("person"),
                "label": self.text(raw, "label", resource_path),
                "position": position,
            }
            resources[key] = self.entry("xmatrix_resource", key, values, resource_path)
        marks: dict[tuple[str, str], Entry] = {}
        for index, raw in enumerate(item.get("correlations") or []):
            mark_path = (*path, "correlations", index)
            row, column = raw["row"], raw["column"]
            for name, key in (("row", row), ("column", column)):
                if key not in items:
                    self.b.problem((*mark_path, name), f"no item {key!r} in this matrix")
            if row in items and column in items:
                pair = (items[row].values["kind"], items[column].values["kind"])
                if pair not in CORNERS:
                    flipped = (pair[1], pair[0]) in CORNERS
                    hint = (
                        "swap row and column: the row is the first of breakthrough x annual, "
                        "annual x priority, priority x metric, metric x breakthrough"
                        if flipped
                        else "the corners are breakthrough x annual, annual x priority, "
                        "priority x metric and metric x breakthrough"
                    )
                    self.b.problem((*mark_path, "column"), f"a {pair[0]} x {pair[1]} mark: {hint}")
            if (row, column) in marks:
                self.b.problem(mark_path, f"{row} x {column} is marked twice")
                continue
            marks[(row, column)] = self.entry(
                "correlation", f"{row}/{column}", {"strength": raw["strength"]}, mark_path
            )
        assignments: dict[tuple[str, str], Entry] = {}
        for index, raw in enumerate(item.get("assignments") or []):
            given_path = (*path, "assignments", index)
            priority, resource = raw["priority"], raw["resource"]
            if priority not in items:
                self.b.problem((*given_path, "priority"), f"no item {priority!r} in this matrix")
            elif items[priority].values["kind"] != ItemKind.PRIORITY:
                self.b.problem(
                    (*given_path, "priority"),
                    f"must be one of the priorities, not a {items[priority].values['kind']}",
                )
            if resource not in resources:
                self.b.problem(
                    (*given_path, "resource"), f"no resource {resource!r} in this matrix"
                )
            if (priority, resource) in assignments:
                self.b.problem(given_path, f"{resource} on {priority} is given twice")
                continue
            assignments[(priority, resource)] = self.entry(
                "assignment",
                f"{priority}/{resource}",
                {"responsibility": raw["responsibility"]},
                given_path,
            )
        entry.children = [
            *items.values(),
            *resources.values(),
            *marks.values(),
            *assignments.values(),
        ]
        return entry

    # canvases

    def canvases(self) -> list[Entry]:
        raw_list = self.raw(("canvases",)) or []
        titles = [
            self.text(item, "title", ("canvases", i), required=True)
            for i, item in enumerate(raw_list)
        ]
        out = []
        for index, (item, key, title) in enumerate(
            zip(raw_list, named_keys(titles, "canvas"), titles, strict=True)
        ):
            path: Path = ("canvases", index)
            self.check_key(item, path, key, "its title")
            values = {
                "title": title,
                "tagline": self.text(item, "tagline", path),
                "description": self.text(item, "description", path),
            }
            entry = self.entry("canvas", key, values, path)
            players = self.players(item, path)
            entry.children = [*players, *self.factors(item, path, {p.key for p in players})]
            out.append(entry)
        return out

    def players(self, item: dict[str, Any], path: Path) -> list[Entry]:
        raw_list = item.get("players") or []
        names = [
            self.text(p, "name", (*path, "players", i), required=True)
            for i, p in enumerate(raw_list)
        ]
        out = []
        for position, (raw, key, name) in enumerate(
            zip(raw_list, named_keys(names, "player"), names, strict=True)
        ):
            player_path = (*path, "players", position)
            self.check_key(raw, player_path, key, "its name")
            values = {"name": name, "kind": raw["kind"], "position": position}
            out.append(self.entry("canvas_player", key, values, player_path))
        return out

    def factors(self, item: dict[str, Any], path: Path, players: set[str]) -> list[Entry]:
        raw_list = item.get("factors") or []
        names = [
            self.text(f, "name", (*path, "factors", i), required=True)
            for i, f in enumerate(raw_list)
        ]
        out = []
        for position, (raw, key, name) in enumerate(
            zip(raw_list, named_keys(names, "factor"), names, strict=True)
        ):
            factor_path = (*path, "factors", position)
            self.check_key(raw, factor_path, key, "its name")
            levels = dict(raw.get("levels") or {})
            for player in levels:
                if player not in players:
                    self.b.problem(
                        (*factor_path, "levels", player), f"no player {player!r} in this canvas"
                    )
            objective = raw.get("objective")
            values = {
                "name": name,
                "errc": raw.get("errc") or "",
                "rationale": self.text(raw, "rationale", factor_path),
                "objective": (
                    self.objective_ref(objective, (*factor_path, "objective"))
                    if objective is not None
                    else None
                ),
                "levels": levels,
                "position": position,
            }
            out.append(self.entry("canvas_factor", key, values, factor_path))
        return out


def build(builder: _Builder) -> tuple[list[Entry] | None, list[Entry] | None]:
    """The file's X-Matrices and canvases (None for a section the file does not have)."""
    doc = builder.document
    reader = _Reader(builder)
    matrices = reader.matrices() if "xmatrices" in doc else None
    canvases = reader.canvases() if "canvases" in doc else None
    return matrices, canvases
