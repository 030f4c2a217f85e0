"""Reading an OKR file: YAML with the line of every value, the schema, then the file's own sense.

``load(text, name)`` returns an :class:`OkrsFile` or raises :class:`FileProblems` listing every
problem found at the stage that failed (syntax, then structure, then meaning), each with its line:
``okrs.yaml:14: cycles[0].objectives[2].key_results[0].to: must be a number``.

YAML is composed into nodes rather than loaded, so each value keeps its position. Numbers with a
decimal point become ``Decimal`` read from their text (never a binary float), so 0.1 stays 0.1.
Anchors, aliases, merge keys and custom tags are refused: a plan file has no use for them, and
refusing them keeps a small file from expanding into a huge one.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.utils.text import slugify

from headway.core.coach import RULES
from headway.errors import NUL, SURROGATE, unstorable
from headway.okrsfile import strategy_file, validate
from headway.okrsfile.model import (
    FIELDS,
    FORMAT_VERSION,
    REQUIRED,
    Entry,
    FileProblems,
    OkrsFile,
    Problem,
    owner_ref,
)

Path = tuple[str | int, ...]

VALUE_PLACES = 4  # the value columns keep 4 decimal places
WEIGHT_PLACES = 3
_NUMBER_FIELDS = {
    "kpi": (
        "target",
        "warning",
        "critical",
        "warning_recovery",
        "critical_recovery",
        "range_low",
        "range_high",
    ),
    "objective": ("weight",),
    "key_result": ("from", "to", "weight"),
}
# Text the services strip before storing; stripped here too, so a re-apply finds no change.
_STRIPPED = {"name", "title", "unit"}
_TAG = "tag:yaml.org,2002:"


def path_text(path: Iterable[str | int]) -> str:
    """("cycles", 0, "objectives", 2, "key") -> "cycles[0].objectives[2].key"."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def load(text: str, name: str = "okrs.yaml") -> OkrsFile:
    document, lines = read_yaml(text, name)
    found = [
        Problem(_line_at(lines, path), message, path_text(path))
        for path, message in [*_unstorable_text(document, ()), *validate.problems(document)]
    ]
    if found:
        raise FileProblems(name, found)
    return _Builder(name, document, lines).build()


def _unstorable_text(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    """Text no database column holds, which double-quoted escapes ("\\0", "\\ud800") can write."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_text(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_text(item, (*path, index))
    elif isinstance(value, str):
        problem = unstorable(value)
        if problem == NUL:
            yield path, "must not contain NUL characters"
        elif problem == SURROGATE:
            yield path, "is not valid Unicode text (a lone surrogate)"


# --- YAML to data, keeping lines --------------------------------------------------------------


TOO_DEEP = "lists and mappings are nested too deeply"


def read_yaml(text: str, name: str) -> tuple[Any, dict[Path, int]]:
    """The document as plain data (dicts, lists, text, int, Decimal, date, bool, None) and the
    line of every value by path."""
    try:
        # The reader refuses characters YAML does not allow (NUL, most control characters).
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise FileProblems(name, [Problem(line, f"not readable as YAML: {exc.reason}")]) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise FileProblems(name, [_syntax_problem(exc)]) from None
    except yaml.YAMLError as exc:
        raise FileProblems(name, [Problem(1, f"not readable as YAML: {exc}")]) from None
    except RecursionError:
        raise FileProblems(name, [Problem(1, TOO_DEEP)]) from None
    finally:
        loader.dispose()
    if node is None:
        raise FileProblems(name, [Problem(1, "the file is empty; it starts with `headway: 1`")])
    reader = _NodeReader(loader)
    try:
        document = reader.read(node, ())
    except RecursionError:
        raise FileProblems(name, [Problem(1, TOO_DEEP)]) from None
    if reader.problems:
        raise FileProblems(name, reader.problems)
    return document, reader.lines


def _syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and exc.context_mark is not None:
        message += f" ({exc.context} at line {exc.context_mark.line + 1})"
    if mark is None:
        return Problem(1, message)
    return Problem(mark.line + 1, message, column=mark.column + 1)


class _NodeReader:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.lines: dict[Path, int] = {(): 1}
        self.problems: list[Problem] = []
        self.seen: set[int] = set()

    def problem(self, node: yaml.Node, path: Path, message: str) -> None:
        self.problems.append(Problem(node.start_mark.line + 1, message, path_text(path)))

    def read(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.seen:
            # An alias is the anchored node itself; its field's line is where the alias is.
            line = self.lines.get(path, node.start_mark.line + 1)
            message = "anchors and aliases (& and *) are not supported"
            self.problems.append(Problem(line, message, path_text(path)))
            return None
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.read(item, (*path, index)))
            return items
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _TAG + "merge":
                self.problem(key_node, path, "merge keys (<<) are not supported")
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _TAG + "str":
                self.problem(key_node, path, "field names must be text")
                continue
            key = key_node.value
            if key in first_line:
                self.problem(
                    key_node,
                    (*path, key),
                    f"is given twice (first on line {first_line[key]})",
                )
                continue
            first_line[key] = line
            self.lines[(*path, key)] = line
            out[key] = self.read(value_node, (*path, key))
        return out

    def _scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        tag = node.tag.removeprefix(_TAG)
        loader = self.loader
        try:
            if tag == "str":
                return node.value
            if tag == "null":
                return None
            if tag == "bool":
                return loader.construct_yaml_bool(node)
            if tag == "int":
                return loader.construct_yaml_int(node)
            if tag == "float":
                return _decimal(node.value, loader.construct_yaml_float(node))
            if tag == "timestamp":
                return loader.construct_yaml_timestamp(node)
        except (ValueError, yaml.YAMLError):
            self.problem(node, path, f"cannot read {node.value[:40]!r} as a {tag}")
            return None
        self.problem(node, path, f"unsupported YAML tag {node.tag!r}")
        return None


def _decimal(text: str, as_float: float) -> Decimal:
    """The number exactly as written (Decimal of the text); inf and nan stay non-finite."""
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:
        return Decimal(repr(as_float))  # ".inf", ".nan", base-60 "1:30.5"


def _line_at(lines: dict[Path, int], path: Path) -> int:
    """The line of ``path``, or of its nearest ancestor when the value is missing."""
    while path not in lines:
        path = path[:-1]
    return lines[path]


# --- data to entries, and what the schema cannot say -----------------------------------------


class _Builder:
    def __init__(self, name: str, document: dict[str, Any], lines: dict[Path, int]) -> None:
        self.name = name
        self.document = document
        self.lines = lines
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        self.problems.append(Problem(_line_at(self.lines, path), message, path_text(path)))

    def build(self) -> OkrsFile:
        doc = self.document
        lint = doc.get("lint") or {}
        disabled = tuple(lint["disable"]) if "disable" in lint else None
        for index, rule in enumerate(disabled or ()):
            if rule not in RULES:
                close = difflib.get_close_matches(rule, list(RULES), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(("lint", "disable", index), f"no such coach rule {rule!r}{hint}")
        teams = self._entries("team", ("teams",)) if "teams" in doc else None
        kpis = self._entries("kpi", ("kpis",)) if "kpis" in doc else None
        cycles = self._entries("cycle", ("cycles",))
        if teams:
            self._team_loops(teams)
        for cycle in cycles:
            self._dates(cycle)
            cycle.children = self._entries("objective", (*cycle.at, "objectives"), cycle.key)
            for objective in cycle.children:
                objective.children = self._entries("key_result", (*objective.at, "key_results"))
        self._support_loops(cycles)
        xmatrices, canvases = strategy_file.build(self)
        if self.problems:
            raise FileProblems(self.name, self.problems)
        assert doc["headway"] == FORMAT_VERSION
        return OkrsFile(
            name=self.name,
            organization=doc.get("organization"),
            disabled=disabled,
            teams=teams,
            kpis=kpis,
            cycles=cycles,
            lines={k[0]: v for k, v in self.lines.items() if len(k) == 1 and isinstance(k[0], str)},
            xmatrices=xmatrices,
            canvases=canvases,
        )

    def _raw(self, path: Path) -> Any:
        value: Any = self.document
        for part in path:
            value = value[part]
        return value

    def _entries(self, kind: str, path: Path, cycle: str = "") -> list[Entry]:
        raw: list[dict[str, Any]] = self._raw(path) if _exists(self.document, path) else []
        entries: list[Entry] = []
        first: dict[str, int] = {}
        for index, item in enumerate(raw):
            item_path = (*path, index)
            entry = self._entry(kind, item, item_path, cycle)
            if entry.key in first:
                key_field = "name" if kind == "cycle" else "key"
                self.problem(
                    (*item_path, key_field),
                    f"{entry.key!r} is used twice (first on line {first[entry.key]})",
                )
                continue
            first[entry.key] = entry.line
            entries.append(entry)
        return entries

    def _entry(self, kind: str, item: dict[str, Any], path: Path, cycle: str) -> Entry:
        values: dict[str, Any] = {}
        for spec in FIELDS[kind]:
            raw = item.get(spec.name)
            if raw is None and spec.default is not REQUIRED:
                values[spec.name] = spec.default
                continue
            values[spec.name] = self._value(kind, spec.name, raw, (*path, spec.name), cycle)
        key = item["name"].strip() if kind == "cycle" else item["key"]
        if not key:
            self.problem((*path, "name"), "must not be empty")
        lines = {name: self.lines[(*path, name)] for name in item if (*path, name) in self.lines}
        for index, _ in enumerate(item.get("supports") or ()):
            lines[f"supports[{index}]"] = self.lines[(*path, "supports", index)]
        return Entry(
            kind=kind,
            key=key,
            values=values,
            path=path_text(path),
            line=self.lines[path],
            lines=lines,
            given=frozenset(item),
            at=path,
        )

    def _value(self, kind: str, name: str, raw: Any, path: Path, cycle: str) -> Any:
        if name in _STRIPPED:
            text = raw.strip()
            if not text and name != "unit":
                self.problem(path, "must not be empty")
            return text
        if name in _NUMBER_FIELDS.get(kind, ()):
            return self._number(raw, path, WEIGHT_PLACES if name == "weight" else VALUE_PLACES)
        if kind == "cycle" and name in {"start", "end"}:
            return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)
        if kind == "objective" and name == "owner":
            (owner_kind, owner_key), *_ = raw.items()
            return owner_ref(owner_kind, owner_key)
        if kind == "objective" and name == "supports":
            refs = []
            for index, text in enumerate(raw):
                ref = _support(text, cycle)
                if ref == (cycle, self._raw(path[:-1])["key"]):
                    self.problem((*path, index), "an objective cannot support itself")
                refs.append(ref)
            return tuple(refs)
        if kind == "team" and name == "parent" and raw == self._raw(path[:-1])["key"]:
            self.problem(path, "a team cannot be its own parent")
        return raw

    def _number(self, raw: Any, path: Path, places: int) -> Decimal:
        value = Decimal(str(raw)) if not isinstance(raw, Decimal) else raw
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            self.problem(path, f"must have at most {places} decimal places")
        return value

    def _dates(self, cycle: Entry) -> None:
        start, end = cycle.values["start"], cycle.values["end"]
        if end <= start:
            message = f"must be after the start ({start})"
            self.problems.append(Problem(cycle.line_of("end"), message, f"{cycle.path}.end"))

    def _team_loops(self, teams: list[Entry]) -> None:
        parents = {t.key: t.values["parent"] for t in teams}
        reported: set[str] = set()
        for team in teams:
            if team.key in reported:
                continue
            if loop := find_loop(team.key, lambda key: [p] if (p := parents.get(key)) else []):
                reported.update(loop)
                self.problems.append(
                    Problem(
                        team.line_of("parent"),
                        "the team tree has a loop: " + " -> ".join(loop),
                        team.path + ".parent",
                    )
                )

    def _support_loops(self, cycles: list[Entry]) -> None:
        graph = {
            (cycle.key, o.key): list(o.values["supports"])
            for cycle in cycles
            for o in cycle.children
        }
        reported: set[tuple[str, str]] = set()
        for cycle in cycles:
            for objective in cycle.children:
                node = (cycle.key, objective.key)
                loop = find_loop(node, lambda n: graph.get(n, []))
                if loop and node not in reported:
                    reported.update(loop)
                    self.problems.append(
                        Problem(
                            objective.line_of("supports"),
                            "alignment loop: " + " -> ".join(f"{c}:{k}" for c, k in loop),
                            objective.path + ".supports",
                        )
                    )


def find_loop(start: Any, parents: Any) -> list[Any]:
    """The path from ``start`` back to itself along ``parents(node)``, or [] (depth first)."""
    stack: list[tuple[Any, list[Any]]] = [(start, [start])]
    seen: set[Any] = set()
    while stack:
        node, trail = stack.pop()
        for parent in parents(node):
            if parent == start:
                return [*trail, start]
            if parent not in seen:
                seen.add(parent)
                stack.append((parent, [*trail, parent]))
    return []


def _support(text: str, cycle: str) -> tuple[str, str]:
    """ "key" -> (cycle, key); "2026:key" -> ("2026", key) (cycle names may hold colons)."""
    other, colon, key = text.rpartition(":")
    return (other.strip(), key) if colon else (cycle, key)


def _exists(document: Any, path: Path) -> bool:
    value = document
    for part in path:
        if isinstance(part, str) and (not isinstance(value, dict) or part not in value):
            return False
        value = value[part]
    return value is not None


def check_new_key(key: str, max_length: int = 80) -> str | None:
    """Why a key cannot be given to a new row as it is written, or None.

    The services store keys as slugs of at most ``max_length`` characters; a key that would
    change on the way in could never be found again by the next apply.
    """
    slug = slugify(key)[:max_length]
    if len(key) > max_length:
        return f"must be at most {max_length} characters"
    if slug != key:
        return f"would be stored as {slug!r}: write it that way" if slug else "is not a slug"
    return None
