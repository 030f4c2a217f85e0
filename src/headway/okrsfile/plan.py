"""What applying a file would change: creates, field-by-field updates and (with prune) deletes.

Rows are matched by stable keys: a team by its key (slug), a KPI by its key, a cycle by its name,
an objective by its cycle and key, a key result by its objective and key. Every reference the
file makes (parent team, owner, person, KPI, supported objective) is checked against the file
and the organization together before anything is written; each problem names its line.

Pruning is conservative: only objectives and key results of the cycles the file lists, and
teams and KPIs only when the file has a non-empty list of them, are candidates for deletion.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count

from headway.kpis.models import Measurement
from headway.okrs.choices import CycleState
from headway.okrs.models import CheckIn
from headway.okrsfile import strategy
from headway.okrsfile.model import (
    FIELDS,
    LABELS,
    Entry,
    FileProblems,
    OkrsFile,
    Problem,
    sorted_supports,
    split_owner,
)
from headway.okrsfile.parse import check_new_key, find_loop
from headway.okrsfile.state import OrgState, Row

ObjectiveRef = tuple[str, str]  # (cycle name, key)
KEY_LENGTH = {"team": 60, "kpi": 60}  # Team.slug and Kpi.key; objectives and key results: 80


@dataclass
class FieldChange:
    name: str
    before: Any
    after: Any


@dataclass
class Change:
    op: str  # "create", "update" or "delete"
    kind: str  # "organization", "team", "kpi", "cycle", "objective", "key_result"
    # The stable keys that find the row: (team key), (cycle name, objective key), ...
    ref: tuple[str, ...]
    entry: Entry | None = None  # what the file says (create, update)
    row: Row | None = None  # what is stored (update, delete)
    fields: list[FieldChange] = field(default_factory=list)
    note: str = ""

    @property
    def name(self) -> str:
        """ "2026-Q4/bring-new-inbound-leads/monthly-visitors"."""
        return "/".join(self.ref)

    @property
    def label(self) -> str:
        what = "coach rules" if self.kind == "organization" else LABELS[self.kind]
        return f"{what} {self.name}".strip()


@dataclass
class Plan:
    file: OkrsFile
    state: OrgState
    changes: list[Change]
    prune: bool
    # Stored rows the file does not mention that --prune would delete (0 when pruning).
    unlisted: int = 0

    def count(self, op: str) -> int:
        return sum(1 for c in self.changes if c.op == op)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def of(self, kind: str, op: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind and c.op == op]


def same(a: Any, b: Any) -> bool:
    """Equal as the plan sees it: 7000 is 7000.0000; supports are a set; true is not 1."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return set(a or ()) == set(b or ())
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    for kind in (str, Decimal):
        if isinstance(a, kind) and isinstance(b, kind):
            return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def diff(kind: str, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    return [
        FieldChange(spec.name, before[spec.name], after[spec.name])
        for spec in FIELDS[kind]
        if not same(before[spec.name], after[spec.name])
    ]


def make_plan(file: OkrsFile, state: OrgState, *, prune: bool = False) -> Plan:
    """The plan, or FileProblems naming every reference the organization cannot satisfy."""
    planner = _Planner(file, state)
    changes = planner.changes(prune)
    if planner.problems:
        raise FileProblems(file.name, planner.problems)
    unlisted = 0 if prune else len(_Planner(file, state).changes(True, deletes_only=True))
    return Plan(file, state, changes, prune, unlisted)


class _Planner:
    def __init__(self, file: OkrsFile, state: OrgState) -> None:
        self.file = file
        self.state = state
        self.problems: list[Problem] = []
        self.out: list[Change] = []

    def problem(self, entry: Entry, name: str, message: str) -> None:
        path = f"{entry.path}.{name}" if name else entry.path
        self.problems.append(Problem(entry.line_of(name), message, path))

    def changes(self, prune: bool, deletes_only: bool = False) -> list[Change]:
        file, state = self.file, self.state
        # What --prune removes: decided first, since a reference to a removed row is a problem.
        self.gone_teams = (
            set(state.teams) - {t.key for t in file.teams} if prune and file.teams else set()
        )
        self.gone_kpis = (
            set(state.kpis) - {k.key for k in file.kpis} if prune and file.kpis else set()
        )
        listed = {(c.key, o.key) for c, o in file.objectives()}
        covered = {c.key for c in file.cycles}
        self.gone_objectives = (
            {ref for ref in state.objectives if ref[0] in covered and ref not in listed}
            if prune
            else set()
        )
        self.teams = ({t.key for t in file.teams or ()} | set(state.teams)) - self.gone_teams
        self.kpis = ({k.key for k in file.kpis or ()} | set(state.kpis)) - self.gone_kpis
        self.cycles = covered | set(state.cycles)
        self.objectives = (listed | set(state.objectives)) - self.gone_objectives
        self.prune = prune

        if not deletes_only:
            self._coach_rules()
            for team in file.teams or ():
                self._team(team)
            self._team_loops()
            for kpi in file.kpis or ():
                self._kpi(kpi)
            for cycle in file.cycles:
                self._cycle(cycle)
            self._support_loops()
        self._deletes(notes=not deletes_only)
        strategy.plan(self, deletes_only=deletes_only)
        return self.out

    # --- organization, teams, KPIs -------------------------------------------------------------

    def _coach_rules(self) -> None:
        wanted = self.file.disabled
        stored = list(self.state.organization.coach_disabled_rules or [])
        if wanted is not None and set(wanted) != set(stored):
            self.out.append(
                Change(
                    "update",
                    "organization",
                    (),
                    fields=[FieldChange("lint.disable", tuple(stored), tuple(wanted))],
                )
            )

    def _upsert(self, entry: Entry, row: Row | None, ref: tuple[str, ...]) -> None:
        if row is None:
            max_length = KEY_LENGTH.get(entry.kind, 80)
            if entry.kind != "cycle" and (problem := check_new_key(entry.key, max_length)):
                self.problem(entry, "key", problem)
            self.out.append(Change("create", entry.kind, ref, entry=entry))
        elif fields := diff(entry.kind, row.values, entry.values):
            self.out.append(Change("update", entry.kind, ref, entry, row, fields))

    def _team(self, team: Entry) -> None:
        parent = team.values["parent"]
        if parent is not None:
            self._check_team(team, "parent", parent)
        self._upsert(team, self.state.teams.get(team.key), (team.key,))

    def _check_team(self, entry: Entry, name: str, key: str) -> None:
        if key in self.gone_teams:
            self.problem(entry, name, f"team {key!r} is not in the file: --prune deletes it")
        elif key not in self.teams:
            self.problem(entry, name, f"no team {key!r} in the file or the organization")

    def _check_person(self, entry: Entry, name: str, username: str) -> None:
        if username not in self.state.people:
            org = self.state.organization.slug
            self.problem(entry, name, f"no person {username!r} in the organization {org!r}")

    def _team_loops(self) -> None:
        parents = {key: row.values["parent"] for key, row in self.state.teams.items()}
        parents.update({t.key: t.values["parent"] for t in self.file.teams or ()})
        for team in self.file.teams or ():
            loop = find_loop(team.key, lambda k: [p] if (p := parents.get(k)) else [])
            if loop:
                shown = " -> ".join(loop)
                self.problem(team, "parent", f"the team tree would have a loop: {shown}")

    def _kpi(self, kpi: Entry) -> None:
        if (team := kpi.values["owner_team"]) is not None:
            self._check_team(kpi, "owner_team", team)
        if (person := kpi.values["owner"]) is not None:
            self._check_person(kpi, "owner", person)
        self._upsert(kpi, self.state.kpis.get(kpi.key), (kpi.key,))

    # --- cycles, objectives, key results --------------------------------------------------------

    def _cycle(self, cycle: Entry) -> None:
        row = self.state.cycles.get(cycle.key)
        self._upsert(cycle, row, (cycle.key,))
        # A closed cycle is history: nothing is added to it unless the file reopens it.
        closed = (
            row is not None
            and row.values["state"] == CycleState.CLOSED
            and cycle.values["state"] == CycleState.CLOSED
        )
        for objective in cycle.children:
            self._objective(cycle, objective, closed)

    def _objective(self, cycle: Entry, objective: Entry, closed: bool) -> None:
        ref = (cycle.key, objective.key)
        kind, key = split_owner(objective.values["owner"])
        if kind == "team":
            self._check_team(objective, "owner", key)
        else:
            self._check_person(objective, "owner", key)
        for index, parent in enumerate(objective.values["supports"]):
            self._check_support(objective, f"supports[{index}]", parent)
        objective.values["supports"] = sorted_supports(objective.values["supports"], cycle.key)
        row = self.state.objectives.get(ref)
        if row is None and closed:
            self.problem(
                objective, "", f"cycle {cycle.key!r} is closed: no objective can be added to it"
            )
        self._upsert(objective, row, ref)
        stored = {kr.key: kr for kr in row.children} if row is not None else {}
        for kr in objective.children:
            self._key_result(kr, stored.get(kr.key), ref, closed and row is not None)

    def _check_support(self, objective: Entry, name: str, parent: ObjectiveRef) -> None:
        cycle, key = parent
        if cycle not in self.cycles:
            self.problem(objective, name, f"no cycle {cycle!r} in the file or the organization")
        elif parent in self.gone_objectives:
            message = f"objective {key!r} of {cycle!r} is not in the file: --prune deletes it"
            self.problem(objective, name, message)
        elif parent not in self.objectives:
            self.problem(objective, name, f"no objective {key!r} in cycle {cycle!r}")

    def _key_result(
        self, kr: Entry, row: Row | None, objective: ObjectiveRef, closed: bool
    ) -> None:
        values = kr.values
        if values["kind"] == "milestone":
            # A milestone is done or not: 0 -> 1 unless the file says otherwise.
            values["from"] = Decimal(0) if values["from"] is None else values["from"]
            values["to"] = Decimal(1) if values["to"] is None else values["to"]
        for name, what in (("from", "the baseline"), ("to", "the target")):
            if values[name] is None:
                self.problem(kr, name, f"is required to apply ({what})")
        if (person := values["owner"]) is not None:
            self._check_person(kr, "owner", person)
        if (kpi := values["kpi"]) is not None:
            if kpi in self.gone_kpis:
                self.problem(kr, "kpi", f"KPI {kpi!r} is not in the file: --prune deletes it")
            elif kpi not in self.kpis:
                self.problem(kr, "kpi", f"no KPI {kpi!r} in the file or the organization")
        if row is None and closed:
            self.problem(kr, "", "its cycle is closed: no key result can be added to it")
        self._upsert(kr, row, (*objective, kr.key))

    def _support_loops(self) -> None:
        listed = {(c.key, o.key): o for c, o in self.file.objectives()}
        graph: dict[ObjectiveRef, list[ObjectiveRef]] = {
            ref: list(row.values["supports"])
            for ref, row in self.state.objectives.items()
            if ref not in self.gone_objectives
        }
        graph.update({ref: list(o.values["supports"]) for ref, o in listed.items()})
        reported: set[ObjectiveRef] = set()
        for ref, objective in listed.items():
            if ref in reported:
                continue
            loop = find_loop(ref, lambda n: graph.get(n, []))
            if loop:
                reported.update(loop)
                shown = " -> ".join(f"{c}:{k}" for c, k in loop)
                self.problem(objective, "supports", f"alignment would make a loop: {shown}")

    # --- prune -----------------------------------------------------------------------------------

    def _deletes(self, notes: bool = True) -> None:
        """Prune: the rows the file leaves out, where it is in charge of them."""
        state, listed = self.state, {(c.key, o.key): o for c, o in self.file.objectives()}
        cycle_order = list(state.cycles)
        gone_objectives = sorted(
            self.gone_objectives, key=lambda r: (cycle_order.index(r[0]), r[1])
        )
        gone_krs: list[tuple[tuple[str, ...], Row]] = []
        if self.prune:
            for ref, objective in listed.items():
                row = state.objectives.get(ref)
                keep = {kr.key for kr in objective.children}
                for kr in row.children if row is not None else ():
                    if kr.key not in keep:
                        gone_krs.append(((*ref, kr.key), kr))
        kr_ids = [kr.obj.pk for _, kr in gone_krs]
        kr_ids += [kr.obj.pk for ref in gone_objectives for kr in state.objectives[ref].children]
        checkins = _checkin_counts(kr_ids) if notes else {}
        for name, kr in gone_krs:
            note = f"with {_plural(checkins.get(kr.obj.pk, 0), 'check-in')}"
            self.out.append(Change("delete", "key_result", name, row=kr, note=note))
        for ref in gone_objectives:
            row = state.objectives[ref]
            count = sum(checkins.get(kr.obj.pk, 0) for kr in row.children)
            note = (
                f"with {_plural(len(row.children), 'key result')} and {_plural(count, 'check-in')}"
            )
            # Objectives the file does not cover lose their link to it without another word.
            supporters = sum(
                1
                for other, stored in state.objectives.items()
                if ref in stored.values["supports"]
                and other not in listed
                and other not in self.gone_objectives
            )
            if supporters:
                note += f"; {_plural(supporters, 'objective')} elsewhere stop supporting it"
            self.out.append(Change("delete", "objective", ref, row=row, note=note))
        measurements = (
            _measurement_counts(state.kpis[k].obj.pk for k in self.gone_kpis) if notes else {}
        )
        for key in sorted(self.gone_kpis):
            row = state.kpis[key]
            note = f"with {_plural(measurements.get(row.obj.pk, 0), 'measurement')}"
            followers = sum(
                1
                for ref, stored in state.objectives.items()
                if ref not in self.gone_objectives
                for kr in stored.children
                if kr.values["kpi"] == key
            )
            if followers:
                note += f"; {_plural(followers, 'key result')} stop following it"
            self.out.append(Change("delete", "kpi", (key,), row=row, note=note))
        owned: dict[str, int] = {}
        for ref, stored in state.objectives.items():
            kind, key = split_owner(stored.values["owner"])
            if kind == "team" and ref not in self.gone_objectives:
                owned[key] = owned.get(key, 0) + 1
        # Children before their parents: a team protects its parent from deletion.
        for key in reversed(list(state.teams)):
            if key not in self.gone_teams:
                continue
            if owned.get(key):
                self.problems.append(
                    Problem(
                        self.file.lines.get("teams", 1),
                        f"team {key!r} is not listed, but --prune cannot delete it: it owns"
                        f" {_plural(owned[key], 'objective')} in cycles the file keeps or does"
                        " not cover",
                        "teams",
                    )
                )
                continue
            self.out.append(Change("delete", "team", (key,), row=state.teams[key]))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _checkin_counts(kr_ids: Iterable[int]) -> dict[int, int]:
    ids = list(kr_ids)
    if not ids:
        return {}
    rows = (
        CheckIn.objects.filter(key_result_id__in=ids)
        .values("key_result_id")
        .annotate(n=Count("id"))
        .values_list("key_result_id", "n")
    )
    return dict(rows)


def _measurement_counts(kpi_ids: Iterable[int]) -> dict[int, int]:
    ids = list(kpi_ids)
    if not ids:
        return {}
    rows = (
        Measurement.objects.filter(kpi_id__in=ids)
        .values("kpi_id")
        .annotate(n=Count("id"))
        .values_list("kpi_id", "n")
    )
    return dict(rows)
