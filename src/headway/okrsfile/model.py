"""What an OKR file holds once read: entries in file terms, each with the line it came from.

The same field names and defaults serve the parser (a missing field takes its default), the
export (a field at its default may be left out) and the plan (a stored row and a file entry are
compared field by field), so the three cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

FORMAT_VERSION = 1

REQUIRED = object()  # marks a field without a default


@dataclass(frozen=True)
class Field:
    name: str
    default: Any = REQUIRED
    # Written by the export even at its default: the fields that say what the numbers mean.
    always: bool = False


TEAM_FIELDS = (
    Field("name"),
    Field("parent", None),
    Field("description", ""),
    Field("okrs_enabled", True),
)
KPI_FIELDS = (
    Field("name"),
    Field("description", ""),
    Field("unit", ""),
    Field("direction", "higher", always=True),
    Field("cadence", "month", always=True),
    Field("aggregation", "last", always=True),
    Field("owner_team", None),
    Field("owner", None),
    Field("target", None),
    Field("warning", None),
    Field("critical", None),
    Field("warning_recovery", None),
    Field("critical_recovery", None),
    Field("range_low", None),
    Field("range_high", None),
)
CYCLE_FIELDS = (
    Field("kind", "quarter", always=True),
    Field("start"),
    Field("end"),
    Field("state", "planning", always=True),
)
OBJECTIVE_FIELDS = (
    Field("title"),
    Field("description", ""),
    Field("owner"),
    Field("kind", "aspirational", always=True),
    Field("status", "active"),
    Field("weight", Decimal(1)),
    Field("supports", ()),
)
KEY_RESULT_FIELDS = (
    Field("title"),
    Field("kind", "metric", always=True),
    # A missing baseline or target stays None: the coach says so, and apply asks for them.
    Field("from", None, always=True),
    Field("to", None, always=True),
    Field("unit", ""),
    Field("direction", "increase", always=True),
    Field("weight", Decimal(1)),
    Field("owner", None),
    Field("kpi", None),
    # True: each new value of the KPI is a check-in of the key result.
    Field("follows_kpi", False),
    Field("type", "outcome", always=True),
)

# The strategy layer (strategy.py): what the plan compares, field by field. An item's kind is
# the list it is in, and a position is its place in its list.
STRATEGY_FIELDS: dict[str, tuple[Field, ...]] = {
    "xmatrix": (Field("title", ""),),
    "xmatrix_item": (
        Field("kind"),
        Field("title"),
        Field("description", ""),
        Field("objectives", ()),
        Field("kpi", None),
        Field("baseline", None),
        Field("target", None),
        Field("unit", ""),
        Field("owner", None),
        Field("position", 0),
    ),
    "xmatrix_resource": (
        Field("team", None),
        Field("person", None),
        Field("label", ""),
        Field("position", 0),
    ),
    "correlation": (Field("strength"),),
    "assignment": (Field("responsibility"),),
    "canvas": (Field("title"), Field("tagline", ""), Field("description", "")),
    "canvas_player": (Field("name"), Field("kind"), Field("position", 0)),
    "canvas_factor": (
        Field("name"),
        Field("errc", ""),
        Field("rationale", ""),
        Field("objective", None),
        Field("levels", None),
        Field("position", 0),
    ),
}

FIELDS: dict[str, tuple[Field, ...]] = {
    "team": TEAM_FIELDS,
    "kpi": KPI_FIELDS,
    "cycle": CYCLE_FIELDS,
    "objective": OBJECTIVE_FIELDS,
    "key_result": KEY_RESULT_FIELDS,
    **STRATEGY_FIELDS,
}
# The field that names each kind of entry (its stable key).
KEY_FIELD = {"team": "key", "kpi": "key", "cycle": "name", "objective": "key", "key_result": "key"}
LABELS = {
    "team": "team",
    "kpi": "KPI",
    "cycle": "cycle",
    "objective": "objective",
    "key_result": "key result",
    "xmatrix": "X-Matrix",
    "xmatrix_item": "X-Matrix item",
    "xmatrix_resource": "X-Matrix resource",
    "correlation": "X-Matrix mark",
    "assignment": "X-Matrix assignment",
    "canvas": "strategy canvas",
    "canvas_player": "canvas player",
    "canvas_factor": "canvas factor",
}


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, at a line (and for YAML syntax, a column)."""

    line: int
    message: str
    path: str = ""
    column: int | None = None

    def format(self, name: str) -> str:
        where = f"{name}:{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class FileProblems(Exception):
    """A file that cannot be used as it is; every problem names its line."""

    def __init__(self, name: str, problems: list[Problem]) -> None:
        self.name = name
        self.problems = sorted(problems, key=lambda p: (p.line, p.column or 0))
        super().__init__("; ".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.format(self.name) for p in self.problems]


@dataclass
class Entry:
    """A team, KPI, cycle, objective or key result as the file gives it.

    ``values`` holds every field of its kind (missing ones at their default), in file terms:
    text, Decimal numbers, dates, an objective's owner as "team:KEY" or "person:USERNAME" and
    its supports as (cycle name, key) pairs.
    """

    kind: str
    key: str
    values: dict[str, Any]
    path: str
    line: int
    lines: dict[str, int] = field(default_factory=dict)  # field -> line
    given: frozenset[str] = frozenset()
    children: list[Entry] = field(default_factory=list)
    at: tuple[str | int, ...] = ()  # ``path`` as parts: ("cycles", 0, "objectives", 2)

    def line_of(self, name: str) -> int:
        return self.lines.get(name, self.line)


@dataclass
class OkrsFile:
    name: str  # as shown in messages: the path given, or <stdin>
    organization: str | None
    # None when the file has no lint.disable: then apply leaves the organization's setting alone.
    disabled: tuple[str, ...] | None
    # None when the file has no such list: then the file does not manage them (nor prunes them).
    teams: list[Entry] | None
    kpis: list[Entry] | None
    cycles: list[Entry]
    lines: dict[str, int] = field(default_factory=dict)
    # The strategy layer; None when the file has no such section (then it is not managed).
    # Children: a matrix's items, resources, marks and assignments; a canvas's players, factors.
    xmatrices: list[Entry] | None = None
    canvases: list[Entry] | None = None

    def objectives(self) -> list[tuple[Entry, Entry]]:
        """(cycle, objective) pairs in file order."""
        return [(cycle, objective) for cycle in self.cycles for objective in cycle.children]


def owner_ref(kind: str, key: str) -> str:
    """An objective's owner as the coach and the plan name it: "team:marketing"."""
    return f"{kind}:{key}"


def split_owner(owner: str) -> tuple[str, str]:
    kind, _, key = owner.partition(":")
    return kind, key


def number_text(value: Decimal) -> str:
    """A value without padding zeros or exponent: 7000.0000 -> "7000", 0.5000 -> "0.5"."""
    text = f"{value.normalize():f}"
    return "0" if text in {"-0", "0"} else text


def support_text(ref: tuple[str, str], own_cycle: str) -> str:
    """A supports entry as the file writes it: the key alone within the same cycle."""
    cycle, key = ref
    return key if cycle == own_cycle else f"{cycle}:{key}"


def sorted_supports(refs: Any, own_cycle: str) -> tuple[tuple[str, str], ...]:
    """Same-cycle parents first, then other cycles', each by name: one order for any input."""
    return tuple(sorted(set(refs), key=lambda r: (r[0] != own_cycle, r[0], r[1])))


def show(value: Any, own_cycle: str = "") -> str:
    """A value as the plan prints it."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        items = (r if isinstance(r, str) else support_text(r, own_cycle) for r in value)
        return "[" + ", ".join(items) + "]"
    if isinstance(value, str):
        return repr(value) if value == "" or "\n" in value or value != value.strip() else value
    return str(value)
