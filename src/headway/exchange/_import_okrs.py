"""Reading cycles, KPIs (with measurements and benchmarks), objectives (with key results and
check-ins) and roll-ups into unsaved model objects. ``Importer`` writes them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from headway import core
from headway.exchange import _kpi_engine
from headway.exchange import _read as r
from headway.exchange._common import label, max_length
from headway.kpis.choices import Aggregation, Cadence, KpiDirection, MeasurementSource
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.okrs.choices import (
    CycleKind,
    CycleState,
    KRResultType,
    ObjectiveStatus,
    OriginKind,
)
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup

if TYPE_CHECKING:
    from headway.exchange._import import Importer


def read_cycles(imp: Importer, data: dict[str, Any]) -> None:
    for p, value in r.items(data, "", "cycles"):
        d = r.obj(value, p, ["name", "kind", "start", "end", "state"])
        name = r.text(
            d, p, "name", max_length=max_length(Cycle, "name"), default=r.REQUIRED, blank=False
        )
        if name in imp.cycles:
            r.fail(r.join(p, "name"), f"{name!r} is used twice")
        cycle = Cycle(
            organization=imp.org,
            name=name,
            kind=r.choice(d, p, "kind", CycleKind.values, default=CycleKind.QUARTER),
            start=r.date(d, p, "start"),
            end=r.date(d, p, "end"),
            state=r.choice(d, p, "state", CycleState.values, default=CycleState.PLANNING),
        )
        if cycle.end <= cycle.start:
            r.fail(r.join(p, "end"), "must be after the start")
        imp.cycles[name] = cycle
        imp.ref(Cycle, name, cycle, p)


def read_kpis(imp: Importer, data: dict[str, Any]) -> None:
    for p, value in r.items(data, "", "kpis"):
        d = r.obj(
            value,
            p,
            [
                "key",
                "name",
                "description",
                "unit",
                "direction",
                "cadence",
                "aggregation",
                "owner_team",
                "owner",
                *Kpi.VALUE_FIELDS,
                *_kpi_engine.KPI_KEYS,
                "created_at",
                "updated_at",
                "measurements",
                "benchmarks",
            ],
        )
        key = r.slug(d, p, "key", max_length=max_length(Kpi, "key"))
        if key in imp.kpis:
            r.fail(r.join(p, "key"), f"{key!r} is used twice")
        kpi = Kpi(
            organization=imp.org,
            key=key,
            name=r.text(
                d,
                p,
                "name",
                max_length=max_length(Kpi, "name"),
                default=r.REQUIRED,
                blank=False,
            ),
            description=r.text(d, p, "description"),
            unit=r.text(d, p, "unit", max_length=max_length(Kpi, "unit")),
            direction=r.choice(
                d, p, "direction", KpiDirection.values, default=KpiDirection.HIGHER_BETTER
            ),
            cadence=r.choice(d, p, "cadence", Cadence.values, default=Cadence.MONTH),
            aggregation=r.choice(d, p, "aggregation", Aggregation.values, default=Aggregation.LAST),
            owner_team=imp.lookup(d, p, "owner_team", imp.teams, "team"),
            owner=imp.lookup(d, p, "owner", imp.members, "member"),
            created_at=imp.stamp(d, p, "created_at"),
            updated_at=imp.stamp(d, p, "updated_at"),
        )
        for field in Kpi.VALUE_FIELDS:
            setattr(kpi, field, r.decimal(d, p, field, default=None, null=True))
        if (
            kpi.range_low is not None
            and kpi.range_high is not None
            and (kpi.range_low > kpi.range_high)
        ):
            r.fail(r.join(p, "range_high"), "must not be below range_low")
        _kpi_engine.read_kpi_fields(imp, kpi, d, p)
        imp.kpis[key] = kpi
        imp.ref(Kpi, key, kpi, p)
        periods: set[dt.date] = set()
        for mp, m in r.items(d, p, "measurements"):
            md = r.obj(
                m,
                mp,
                ["ref", "period", "value", "source", "note", "recorded_by", "recorded_at"],
            )
            measurement = Measurement(
                organization=imp.org,
                kpi=kpi,
                period=r.date(md, mp, "period"),
                value=r.decimal(md, mp, "value"),
                source=r.choice(
                    md, mp, "source", MeasurementSource.values, default=MeasurementSource.MANUAL
                ),
                note=r.text(md, mp, "note"),
                recorded_by=imp.lookup(md, mp, "recorded_by", imp.members, "member"),
                recorded_at=imp.stamp(md, mp, "recorded_at"),
            )
            if measurement.period in periods:
                r.fail(
                    r.join(mp, "period"),
                    f"duplicate period {measurement.period.isoformat()} for KPI {key!r}",
                )
            periods.add(measurement.period)
            imp.own_ref(md, mp, Measurement, measurement)
            imp.measurements.append(measurement)
        names: set[str] = set()
        for bp, b in r.items(d, p, "benchmarks"):
            bd = r.obj(b, bp, ["ref", "name", "value", "source", "observed_on"])
            benchmark = Benchmark(
                organization=imp.org,
                kpi=kpi,
                name=r.text(
                    bd,
                    bp,
                    "name",
                    max_length=max_length(Benchmark, "name"),
                    default=r.REQUIRED,
                    blank=False,
                ),
                value=r.decimal(bd, bp, "value"),
                source=r.text(bd, bp, "source", max_length=max_length(Benchmark, "source")),
                observed_on=r.date(bd, bp, "observed_on", default=None),
            )
            if benchmark.name in names:
                r.fail(r.join(bp, "name"), f"{benchmark.name!r} is used twice")
            names.add(benchmark.name)
            imp.own_ref(bd, bp, Benchmark, benchmark)
            imp.benchmarks.append(benchmark)


def read_objectives(imp: Importer, data: dict[str, Any]) -> None:
    parent_refs: list[tuple[Objective, Any, str]] = []
    origin_refs: list[tuple[Objective, str, str]] = []
    objective_keys: list[tuple[str, Any, str]] = []
    kr_keys: list[tuple[str, Any, str]] = []
    for p, value in r.items(data, "", "objectives"):
        d = r.obj(
            value,
            p,
            [
                "ref",
                "cycle",
                "key",
                "title",
                "description",
                "owner_team",
                "owner_person",
                "kind",
                "status",
                "weight",
                "progress",
                "score",
                "retro_worked",
                "retro_change",
                "origin",
                "origin_kind",
                "position",
                "parents",
                "created_at",
                "updated_at",
                "key_results",
            ],
        )
        objective = Objective(
            organization=imp.org,
            cycle=imp.lookup(d, p, "cycle", imp.cycles, "cycle", required=True),
            key=_key(d, p, Objective),
            title=r.text(
                d,
                p,
                "title",
                max_length=max_length(Objective, "title"),
                default=r.REQUIRED,
                blank=False,
            ),
            description=r.text(d, p, "description"),
            owner_team=imp.lookup(d, p, "owner_team", imp.teams, "team"),
            owner_person=imp.lookup(d, p, "owner_person", imp.members, "member"),
            kind=r.choice(
                d,
                p,
                "kind",
                [k.value for k in core.ObjectiveKind],
                default=core.ObjectiveKind.ASPIRATIONAL.value,
            ),
            status=r.choice(d, p, "status", ObjectiveStatus.values, default=ObjectiveStatus.ACTIVE),
            weight=r.weight(d, p, "weight"),
            progress=r.fraction(d, p, "progress", default=0.0),
            score=r.fraction(d, p, "score", default=None, null=True),
            retro_worked=r.text(d, p, "retro_worked"),
            retro_change=r.text(d, p, "retro_change"),
            origin_kind=r.choice(d, p, "origin_kind", OriginKind.values, default=OriginKind.NONE),
            position=r.integer(d, p, "position", low=0, high=r.INT_MAX, default=0),
            created_at=imp.stamp(d, p, "created_at"),
            updated_at=imp.stamp(d, p, "updated_at"),
        )
        origin = r.text(d, p, "origin", default=None, null=True)
        if origin is not None:
            origin_refs.append((objective, origin, r.join(p, "origin")))
        if (objective.owner_team is None) == (objective.owner_person is None):
            r.fail(r.join(p, "owner_team"), "give exactly one owner: owner_team or owner_person")
        imp.own_ref(d, p, Objective, objective)
        parents = r.get(d, p, "parents", [])
        if not isinstance(parents, list):
            r.fail(r.join(p, "parents"), "must be a list of objective references")
        parent_refs.append((objective, parents, r.join(p, "parents")))
        imp.objectives.append(objective)
        objective_keys.append((p, id(objective.cycle), objective.key))
        for kp, kr in r.items(d, p, "key_results"):
            _key_result(imp, objective, kr, kp)
            kr_keys.append((kp, id(objective), imp.key_results[-1].key))
    _unique_keys(objective_keys)
    _unique_keys(kr_keys)
    _origins(imp, origin_refs)
    # Alignments may point forward in the list; they must not make a loop (depth-first search
    # up the parents, iterative so a long chain cannot exhaust the stack).
    known = imp.refs[label(Objective)]
    graph: dict[int, list[Objective]] = {}
    for objective, parents, p in parent_refs:
        linked: list[Objective] = []
        for i, ref in enumerate(parents):
            if not isinstance(ref, str) or ref not in known:
                r.fail(r.join(p, i), f"unknown objective {str(ref)[:60]!r}")
            parent = known[ref]
            assert isinstance(parent, Objective)
            if parent is objective:
                r.fail(r.join(p, i), "an objective cannot support itself")
            if any(parent is x for x in linked):
                r.fail(r.join(p, i), f"{ref!r} is listed twice")
            linked.append(parent)
            imp.alignments.append(Alignment(organization=imp.org, child=objective, parent=parent))
        graph[id(objective)] = linked
    done: set[int] = set()
    for objective, _, p in parent_refs:
        path: set[int] = set()
        stack: list[tuple[Objective, int]] = [(objective, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                if id(node) in done:
                    continue
                path.add(id(node))
            parents_of_node = graph[id(node)]
            if i < len(parents_of_node):
                stack.append((node, i + 1))
                nxt = parents_of_node[i]
                if id(nxt) in path:
                    r.fail(p, "these alignments would make a loop")
                stack.append((nxt, 0))
            else:
                path.discard(id(node))
                done.add(id(node))


def _origins(imp: Importer, origin_refs: list[tuple[Objective, str, str]]) -> None:
    """Resolve each copy's origin (any objective of the file, before or after it); an objective
    cannot descend from itself, directly or through other copies."""
    known = imp.refs[label(Objective)]
    origin_of: dict[int, Objective] = {}
    for objective, ref, p in origin_refs:
        if ref not in known:
            r.fail(p, f"unknown objective {ref[:60]!r}")
        origin = known[ref]
        assert isinstance(origin, Objective)
        if origin is objective:
            r.fail(p, "an objective cannot be its own origin")
        origin_of[id(objective)] = origin
        imp.origins.append((objective, origin))
    for objective, _, p in origin_refs:
        seen = {id(objective)}
        node = origin_of.get(id(objective))
        while node is not None:
            if id(node) in seen:
                r.fail(p, "these origins would make a loop")
            seen.add(id(node))
            node = origin_of.get(id(node))


def _key(d: dict[str, Any], p: str, model: type[Objective] | type[KeyResult]) -> str:
    """A stable key: a slug, or blank for rows that were never keyed."""
    value = r.text(d, p, "key", max_length=max_length(model, "key"))
    if value:
        r.check_slug(value, f"{p}.key")
    return str(value or "")


def _unique_keys(rows: list[tuple[str, Any, str]]) -> None:
    """(path, scope, key): a key may appear once per scope (cycle or objective)."""
    seen: set[tuple[Any, str]] = set()
    for path, scope, key in rows:
        if key and (scope, key) in seen:
            r.fail(f"{path}.key", f"duplicate key {key!r}")
        seen.add((scope, key))


def _key_result(imp: Importer, objective: Objective, value: Any, p: str) -> None:
    d = r.obj(
        value,
        p,
        [
            "ref",
            "key",
            "title",
            "kind",
            "unit",
            "start",
            "target",
            "current",
            "direction",
            "weight",
            "owner",
            "kpi",
            "follows_kpi",
            "result_type",
            "progress",
            "confidence",
            "last_checkin_at",
            "score",
            "score_reason",
            "graded_at",
            "graded_by",
            "position",
            "created_at",
            "updated_at",
            "checkins",
        ],
    )
    kr = KeyResult(
        organization=imp.org,
        objective=objective,
        key=_key(d, p, KeyResult),
        title=r.text(
            d,
            p,
            "title",
            max_length=max_length(KeyResult, "title"),
            default=r.REQUIRED,
            blank=False,
        ),
        kind=r.choice(
            d, p, "kind", [k.value for k in core.KRKind], default=core.KRKind.METRIC.value
        ),
        unit=r.text(d, p, "unit", max_length=max_length(KeyResult, "unit")),
        start=r.decimal(d, p, "start"),
        target=r.decimal(d, p, "target"),
        current=r.decimal(d, p, "current", default=None, null=True),
        direction=r.choice(
            d,
            p,
            "direction",
            [x.value for x in core.Direction],
            default=core.Direction.INCREASE.value,
        ),
        weight=r.weight(d, p, "weight"),
        owner=imp.lookup(d, p, "owner", imp.members, "member"),
        kpi=imp.lookup(d, p, "kpi", imp.kpis, "KPI"),
        follows_kpi=r.boolean(d, p, "follows_kpi", default=False),
        result_type=r.choice(
            d, p, "result_type", KRResultType.values, default=KRResultType.OUTCOME
        ),
        progress=r.fraction(d, p, "progress", default=0.0),
        confidence=r.integer(d, p, "confidence", low=0, high=10, default=None, null=True),
        last_checkin_at=r.datetime(d, p, "last_checkin_at", default=None),
        score=r.fraction(d, p, "score", default=None, null=True),
        score_reason=r.text(d, p, "score_reason"),
        graded_at=r.datetime(d, p, "graded_at", default=None),
        graded_by=imp.lookup(d, p, "graded_by", imp.members, "member"),
        position=r.integer(d, p, "position", low=0, high=r.INT_MAX, default=0),
        created_at=imp.stamp(d, p, "created_at"),
        updated_at=imp.stamp(d, p, "updated_at"),
    )
    imp.own_ref(d, p, KeyResult, kr)
    imp.key_results.append(kr)
    for cp, c in r.items(d, p, "checkins"):
        cd = r.obj(
            c, cp, ["ref", "value", "confidence", "note", "author", "kpi_period", "created_at"]
        )
        checkin = CheckIn(
            organization=imp.org,
            key_result=kr,
            value=r.decimal(cd, cp, "value"),
            confidence=r.integer(cd, cp, "confidence", low=0, high=10),
            note=r.text(cd, cp, "note"),
            author=imp.lookup(cd, cp, "author", imp.members, "member"),
            kpi_period=r.date(cd, cp, "kpi_period", default=None),
            created_at=r.datetime(cd, cp, "created_at", default=r.REQUIRED),
        )
        imp.own_ref(cd, cp, CheckIn, checkin)
        imp.checkins.append(checkin)


def read_rollups(imp: Importer, data: dict[str, Any]) -> None:
    seen: set[tuple[str, str | None]] = set()
    for p, value in r.items(data, "", "rollups"):
        d = r.obj(value, p, ["cycle", "team", "progress", "score", "updated_at"])
        rollup = Rollup(
            organization=imp.org,
            cycle=imp.lookup(d, p, "cycle", imp.cycles, "cycle", required=True),
            team=imp.lookup(d, p, "team", imp.teams, "team"),
            progress=r.fraction(d, p, "progress", default=None, null=True),
            score=r.fraction(d, p, "score", default=None, null=True),
            updated_at=imp.stamp(d, p, "updated_at"),
        )
        key = (rollup.cycle.name, rollup.team.slug if rollup.team else None)
        if key in seen:
            r.fail(p, "a second roll-up for the same cycle and team")
        seen.add(key)
        imp.rollups.append(rollup)
