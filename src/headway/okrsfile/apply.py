"""Carrying a plan out through the services, all of it or nothing, in one transaction.

Every write goes through the service the web pages and the API use, so permissions, roll-ups and
the audit log stay right; a refusal anywhere (a permission, a rule only the service knows) undoes
everything and is reported against the line of the file it came from.

The order matters: teams before what they own, parents before children, prune deletions of
objectives before alignments are rewritten, a cycle closed only after its new objectives are in,
teams deleted last.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from headway.errors import ValidationFailed
from headway.kpis import services as kpi_services
from headway.kpis.models import Kpi
from headway.okrs import cycles
from headway.okrs import services as okr_services
from headway.okrs.choices import CycleState
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.okrsfile.model import Entry, FileProblems, Problem, split_owner
from headway.okrsfile.plan import Change, Plan
from headway.okrsfile.strategy import Applier
from headway.orgs import services as org_services
from headway.orgs.models import Membership, Team

ObjectiveRef = tuple[str, str]

# Service field names -> file field names, to report a service's refusal at the right line.
FILE_FIELD = {
    "team": {"slug": "key", "parent_id": "parent"},
    "kpi": {
        "warning_threshold": "warning",
        "critical_threshold": "critical",
        "owner_team_id": "owner_team",
        "owner_id": "owner",
    },
    "cycle": {},
    "objective": {"owner_team_id": "owner", "owner_person_id": "owner", "parent_ids": "supports"},
    "key_result": {"start": "from", "target": "to", "owner_id": "owner", "kpi_id": "kpi"},
}
KPI_VALUE_FIELDS = {
    "target": "target",
    "warning": "warning_threshold",
    "critical": "critical_threshold",
    "warning_recovery": "warning_recovery",
    "critical_recovery": "critical_recovery",
    "range_low": "range_low",
    "range_high": "range_high",
}
KR_FIELDS = {
    "title": "title",
    "kind": "kind",
    "from": "start",
    "to": "target",
    "unit": "unit",
    "direction": "direction",
    "weight": "weight",
    "follows_kpi": "follows_kpi",
    "type": "result_type",
}


def apply_plan(plan: Plan, actor: Membership) -> None:
    """Write ``plan`` as ``actor``; raises (and writes nothing) on the first refusal."""
    if not plan:
        return
    with transaction.atomic():
        _Writer(plan, actor).run()


class _Writer:
    def __init__(self, plan: Plan, actor: Membership) -> None:
        self.plan = plan
        self.actor = actor
        state = plan.state
        self.teams: dict[str, Team] = {k: r.obj for k, r in state.teams.items()}
        self.kpis: dict[str, Kpi] = {k: r.obj for k, r in state.kpis.items()}
        self.cycles: dict[str, Cycle] = {k: r.obj for k, r in state.cycles.items()}
        self.objectives: dict[ObjectiveRef, Objective] = {
            ref: r.obj for ref, r in state.objectives.items()
        }
        self.people = state.people
        self.closing: list[tuple[Change, Cycle]] = []

    @contextmanager
    def step(self, change: Change) -> Iterator[None]:
        """Name the change (and its line) in whatever the service refuses."""
        try:
            yield
        except ValidationFailed as exc:
            entry = change.entry
            if entry is None:
                raise ValidationFailed({change.label: str(exc)}) from None
            renames = FILE_FIELD.get(change.kind, {})
            problems = []
            for name, message in exc.errors.items():
                field = renames.get(name, name)
                known = field in entry.values or field in {"key", "name"}
                problems.append(
                    Problem(
                        entry.line_of(field) if known else entry.line,
                        message,
                        f"{entry.path}.{field}" if known else entry.path,
                    )
                )
            raise FileProblems(self.plan.file.name, problems) from None
        except PermissionDenied as exc:
            raise PermissionDenied(f"{change.label}: {exc}") from None

    def run(self) -> None:
        plan = self.plan
        for change in plan.of("organization", "update"):
            with self.step(change):
                org_services.set_coach_disabled_rules(self.actor, change.fields[0].after)
        self._teams()
        for change in plan.changes:
            if change.kind == "kpi" and change.op in {"create", "update"}:
                self._kpi(change)
        for change in plan.changes:
            if change.kind == "cycle" and change.op in {"create", "update"}:
                self._cycle(change)
        for kind in ("key_result", "objective"):
            for change in plan.of(kind, "delete"):
                self._delete(change)
        self._objectives()
        # The strategy links to objectives and KPIs: after they are in, before any KPI goes.
        Applier(self).run()
        for change, cycle in self.closing:
            with self.step(change):
                cycles.advance_cycle(actor=self.actor, cycle=cycle, to=CycleState.CLOSED)
        for kind in ("kpi", "team"):
            for change in plan.of(kind, "delete"):
                self._delete(change)

    # --- teams and KPIs --------------------------------------------------------------------------

    def _teams(self) -> None:
        creates = self.plan.of("team", "create")
        # Parents first, whatever order the file lists them in (the plan ruled out loops).
        while creates:
            ready = [c for c in creates if _parent(c) is None or _parent(c) in self.teams]
            for change in ready:
                entry = _entry(change)
                values = entry.values
                with self.step(change):
                    self.teams[entry.key] = org_services.create_team(
                        actor=self.actor,
                        name=values["name"],
                        parent=self._team(values["parent"]),
                        slug=entry.key,
                        description=values["description"],
                        okrs_enabled=values["okrs_enabled"],
                    )
            creates = [c for c in creates if c not in ready]
        updates = self.plan.of("team", "update")
        final = {key: row.values["parent"] for key, row in self.plan.state.teams.items()}
        final.update({c.ref[0]: _entry(c).values["parent"] for c in updates})
        # Parents before children in the final tree, so no move looks like a loop on the way.
        for change in sorted(updates, key=lambda c: _depth(c.ref[0], final)):
            data: dict[str, Any] = {}
            for f in change.fields:
                data[f.name] = self._team(f.after) if f.name == "parent" else f.after
            with self.step(change):
                org_services.update_team(actor=self.actor, team=self.teams[change.ref[0]], **data)

    def _team(self, key: str | None) -> Team | None:
        return self.teams[key] if key is not None else None

    def _team_id(self, key: str | None) -> int | None:
        return self.teams[key].pk if key is not None else None

    def _person_id(self, username: str | None) -> int | None:
        return self.people[username].pk if username is not None else None

    def _kpi_data(self, values: dict[str, Any], names: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in names:
            value = values[name]
            if name == "owner_team":
                data["owner_team_id"] = self._team_id(value)
            elif name == "owner":
                data["owner_id"] = self._person_id(value)
            else:
                data[KPI_VALUE_FIELDS.get(name, name)] = value
        return data

    def _kpi(self, change: Change) -> None:
        entry = _entry(change)
        with self.step(change):
            if change.op == "create":
                data = self._kpi_data(entry.values, list(entry.values))
                self.kpis[entry.key] = kpi_services.create_kpi(
                    actor=self.actor, key=entry.key, **data
                )
            else:
                data = self._kpi_data(entry.values, [f.name for f in change.fields])
                kpi_services.update_kpi(actor=self.actor, kpi=self.kpis[entry.key], **data)

    # --- cycles ----------------------------------------------------------------------------------

    def _cycle(self, change: Change) -> None:
        entry = _entry(change)
        values = entry.values
        closed = values["state"] == CycleState.CLOSED
        with self.step(change):
            if change.op == "create":
                # Objectives go into a closed cycle only while it is being built.
                state = CycleState.GRADING if closed and entry.children else values["state"]
                cycle = okr_services.create_cycle(
                    actor=self.actor,
                    name=entry.key,
                    start=values["start"],
                    end=values["end"],
                    kind=values["kind"],
                    state=state,
                )
                self.cycles[entry.key] = cycle
                if state != values["state"]:
                    self.closing.append((change, cycle))
                return
            data = {f.name: f.after for f in change.fields}
            state = data.pop("state", None)
            if data:
                okr_services.update_cycle(actor=self.actor, cycle=self.cycles[entry.key], **data)
            if state == CycleState.CLOSED:
                self.closing.append((change, self.cycles[entry.key]))
            elif state is not None:
                # A file says where the cycle should be: forward moves are walked step by step.
                self.cycles[entry.key] = cycles.advance_cycle(
                    actor=self.actor, cycle=self.cycles[entry.key], to=state
                )

    # --- objectives and key results --------------------------------------------------------------

    def _objective_data(self, values: dict[str, Any], names: list[str]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name in names:
            value = values[name]
            if name == "owner":
                kind, key = split_owner(value)
                data["owner_team_id"] = self._team_id(key) if kind == "team" else None
                data["owner_person_id"] = self._person_id(key) if kind == "person" else None
            elif name == "supports":
                data["parent_ids"] = [self.objectives[ref].pk for ref in value]
            else:
                data[name] = value
        return data

    def _objectives(self) -> None:
        changes = {
            c.ref: c
            for c in self.plan.changes
            if c.kind == "objective" and c.op in {"create", "update"}
        }
        order = _parents_first(self.plan)
        for ref in order:
            change = changes.get(ref)
            if change is not None and change.op == "create":
                entry = _entry(change)
                data = self._objective_data(entry.values, list(entry.values))
                with self.step(change):
                    objective = okr_services.create_objective(
                        actor=self.actor, key=entry.key, cycle_id=self.cycles[ref[0]].pk, **data
                    )
                self.objectives[ref] = objective
        for ref in order:
            change = changes.get(ref)
            if change is not None and change.op == "update":
                self._update_objective(ref, change)
        # Key results last, in file order: a new one is appended to its objective.
        for change in self.plan.changes:
            if change.kind == "key_result" and change.op in {"create", "update"}:
                self._key_result(change)

    def _update_objective(self, ref: ObjectiveRef, change: Change) -> None:
        entry = _entry(change)
        data = self._objective_data(entry.values, [f.name for f in change.fields])
        with self.step(change):
            objective = okr_services.update_objective(
                actor=self.actor, objective=self.objectives[ref], **data
            )
        # Key results added next recompute the roll-ups of the owner it has now.
        self.objectives[ref] = objective

    def _key_result(self, change: Change) -> None:
        entry = _entry(change)
        cycle, objective_key, key = change.ref
        names = list(entry.values) if change.op == "create" else [f.name for f in change.fields]
        data: dict[str, Any] = {}
        for name in names:
            value = entry.values[name]
            if name == "owner":
                data["owner_id"] = self._person_id(value)
            elif name == "kpi":
                data["kpi_id"] = self.kpis[value].pk if value is not None else None
            else:
                data[KR_FIELDS[name]] = value
        objective = self.objectives[(cycle, objective_key)]
        with self.step(change):
            if change.op == "create":
                okr_services.create_key_result(
                    actor=self.actor, objective=objective, key=key, **data
                )
            else:
                assert change.row is not None
                kr: KeyResult = change.row.obj
                okr_services.update_key_result(actor=self.actor, key_result=kr, **data)

    # --- prune -----------------------------------------------------------------------------------

    def _delete(self, change: Change) -> None:
        assert change.row is not None
        obj = change.row.obj
        with self.step(change):
            if change.kind == "key_result":
                okr_services.delete_key_result(actor=self.actor, key_result=obj)
            elif change.kind == "objective":
                okr_services.delete_objective(actor=self.actor, objective=obj)
            elif change.kind == "kpi":
                kpi_services.delete_kpi(actor=self.actor, kpi=obj)
            else:
                org_services.delete_team(actor=self.actor, team=obj)


def _entry(change: Change) -> Entry:
    assert change.entry is not None
    return change.entry


def _parent(change: Change) -> str | None:
    parent: str | None = _entry(change).values["parent"]
    return parent


def _depth(key: str, parents: dict[str, str | None]) -> int:
    depth, seen = 0, {key}
    while (key := parents.get(key) or "") and key not in seen:
        seen.add(key)
        depth += 1
    return depth


def _parents_first(plan: Plan) -> list[ObjectiveRef]:
    """The file's objectives, each after everything it supports directly or through others
    (the organization's own objectives included), else in file order.

    Given its final parents in this order, an objective never looks like it would close a loop
    on the way: everything above it already has its final links.
    """
    listed = [(c.key, o.key) for c, o in plan.file.objectives()]
    parents = {ref: list(row.values["supports"]) for ref, row in plan.state.objectives.items()}
    parents.update({(c.key, o.key): list(o.values["supports"]) for c, o in plan.file.objectives()})
    done: set[ObjectiveRef] = set()
    order: list[ObjectiveRef] = []

    def visit(ref: ObjectiveRef, trail: frozenset[ObjectiveRef]) -> None:
        if ref in done or ref in trail:
            return
        for parent in parents.get(ref, ()):
            visit(parent, trail | {ref})
        done.add(ref)
        order.append(ref)

    for ref in listed:
        visit(ref, frozenset())
    in_file = set(listed)
    return [ref for ref in order if ref in in_file]
