"""A KPI's change log, read from the audit events its services wrote, as people read it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from headway.audit.models import AuditEvent
from headway.kpis.formatting import period_label, with_unit
from headway.kpis.models import Kpi

ACTION_LABELS = {
    "kpi.create": "KPI created",
    "kpi.update": "KPI changed",
    "measurement.upsert": "Values recorded",
    "measurement.delete": "Value deleted",
    "xmr_baseline.create": "Re-baselined the process behaviour chart",
    "xmr_baseline.delete": "Re-baseline removed",
    "source.create": "Data source added",
    "source.update": "Data source changed",
    "source.delete": "Data source deleted",
}


@dataclass(frozen=True, slots=True)
class Change:
    what: str
    before: str | None  # None: there was nothing (a new value)
    after: str | None  # None: there is nothing now (a deleted value)


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime
    who: str
    action: str
    label: str
    changes: list[Change] = field(default_factory=list)


def entries(kpi: Kpi, events: Iterable[AuditEvent]) -> list[Entry]:
    return [
        Entry(
            at=event.created_at,
            who=event.actor.display_name if event.actor else "System",
            action=event.action,
            label=ACTION_LABELS.get(event.action, event.action),
            changes=_changes(kpi, event),
        )
        for event in events
    ]


def _changes(kpi: Kpi, event: AuditEvent) -> list[Change]:
    before: dict[str, Any] = event.before or {}
    after: dict[str, Any] = event.after or {}
    if event.action == "measurement.upsert":
        listed = [
            Change(_period(kpi, c["period"]), _value(kpi, c["before"]), _value(kpi, c["after"]))
            for c in after.get("changes", [])
        ]
        summed = after.get("new")
        if isinstance(summed, dict):
            span = f"{_period(kpi, summed.get('first'))} to {_period(kpi, summed.get('last'))}"
            listed.insert(0, Change(span, None, f"{summed.get('count'):,} values"))
        return listed
    if event.action == "measurement.delete":
        return [Change(_period(kpi, before.get("period")), _value(kpi, before.get("value")), None)]
    if event.action in ("xmr_baseline.create", "xmr_baseline.delete"):
        baseline = after or before
        what = f"From {_period(kpi, baseline.get('starts_on'))}"
        size = f"first {baseline.get('size')} values" + (
            f": {baseline['note']}" if baseline.get("note") else ""
        )
        return [Change(what, None, size) if after else Change(what, size, None)]
    if event.action.startswith("source."):
        name = str((after or before).get("name", ""))
        if event.action != "source.update":
            where = _source_text(after or before)
            return [Change(name, None, where) if after else Change(name, where, None)]
        return [
            Change(
                f"{name}: {field.replace('_', ' ')}", _setting(before.get(field)), _setting(value)
            )
            for field, value in after.items()
            if field != "kpi_id" and before.get(field) != value
        ]
    if event.action == "kpi.update":
        return [
            _field_change(kpi, name, before.get(name), after.get(name))
            for name in after
            if before.get(name) != after.get(name)
        ]
    return []


def _setting(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return "on" if raw else "off"
    return _text(raw)


def _source_text(snapshot: dict[str, Any]) -> str:
    """ "SQL on warehouse, every 60 min" / "JSON from https://..., every 15 min"."""
    every = f"every {snapshot.get('every_minutes')} min"
    if snapshot.get("kind") == "sql":
        return f"SQL on {snapshot.get('connection')}, {every}"
    return f"JSON from {snapshot.get('url')}, {every}"


def _period(kpi: Kpi, raw: Any) -> str:
    try:
        return period_label(dt.date.fromisoformat(str(raw)), kpi.cadence)
    except ValueError:
        return str(raw)


def _value(kpi: Kpi, raw: Any) -> str | None:
    return None if raw is None else with_unit(raw, kpi.unit)


def _field_change(kpi: Kpi, attname: str, before: Any, after: Any) -> Change:
    model_field = _FIELDS.get(attname)
    what = str(model_field.verbose_name if model_field else attname).capitalize()
    if model_field is not None and model_field.is_relation:
        # The snapshot keeps ids only; the owner's name today may not be the one it had then.
        return Change(what, None, None)
    if attname in Kpi.VALUE_FIELDS:
        return Change(what, _value(kpi, before), _value(kpi, after))
    return Change(what, _text(before), _text(after))


def _text(raw: Any) -> str | None:
    return None if raw is None else str(raw)


_FIELDS = {f.attname: f for f in Kpi._meta.concrete_fields}
