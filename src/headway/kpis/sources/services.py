"""Writes to data sources: create, change, delete (audited), and run one now."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from headway.audit import services as audit
from headway.errors import Problems, ValidationFailed, to_choice, to_text
from headway.kpis.choices import SourceKind
from headway.kpis.models import DataSource, Kpi
from headway.kpis.sources import json_url, sql
from headway.kpis.sources.runner import RunResult, run_source
from headway.orgs import permissions
from headway.orgs.models import Membership

SOURCE_FIELDS = [
    "name",
    "kind",
    "connection",
    "query",
    "url",
    "path",
    "period_field",
    "value_field",
    "every_minutes",
    "enabled",
]
# What the audit log keeps of a source.
AUDITED = [*SOURCE_FIELDS, "kpi"]
# A year: a source that runs less often than that is not a schedule.
MAX_EVERY_MINUTES = 525_600


def _to_minutes(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or raw is None:
        raise ValidationFailed({field: "must be a whole number of minutes"})
    try:
        minutes = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise ValidationFailed(
            {field: f"must be a whole number of minutes, not {str(raw)[:40]!r}"}
        ) from None
    if minutes < 1:
        raise ValidationFailed({field: "must be at least 1 minute"})
    if minutes > MAX_EVERY_MINUTES:
        raise ValidationFailed({field: f"must be at most {MAX_EVERY_MINUTES} minutes (a year)"})
    return minutes


def _to_connection(raw: Any, field: str) -> str:
    names = sql.connection_names()
    if not names:
        raise ValidationFailed(
            {field: "no SQL connections are configured; an administrator sets HEADWAY_SQL_SOURCES"}
        )
    if raw not in names:
        raise ValidationFailed(
            {field: f"must be one of the configured connections: {', '.join(names)}"}
        )
    return str(raw)


def _to_url(raw: Any, field: str) -> str:
    url = to_text(raw, field, max_length=500)
    parts = urlparse(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed({field: "must be an http:// or https:// URL"})
    return url


def _to_path(raw: Any, field: str) -> str:
    path = to_text(raw, field, max_length=200, required=False)
    try:
        json_url.parse_path(path)
    except ValueError as exc:
        raise ValidationFailed({field: str(exc)}) from None
    return path


def _to_flag(raw: Any, field: str) -> bool:
    if not isinstance(raw, bool):
        raise ValidationFailed({field: "must be true or false"})
    return raw


def _clean(kpi: Kpi, data: dict[str, Any], instance: DataSource | None) -> dict[str, Any]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "name" in data or instance is None:
        name = problems.check(to_text, data.get("name"), "name", max_length=100)
        taken = DataSource.objects.filter(kpi=kpi, name=name)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if name and taken.exists():
            problems.add("name", f"this KPI already has a data source named {name!r}")
        clean["name"] = name
    if "kind" in data or instance is None:
        clean["kind"] = problems.check(to_choice, data.get("kind"), "kind", SourceKind.values)
    kind = clean.get("kind", getattr(instance, "kind", None))
    # The fields of the source's kind are required; the other kind's are kept as given.
    if kind == SourceKind.SQL:
        if "connection" in data or instance is None or "kind" in data:
            clean["connection"] = problems.check(
                _to_connection,
                data.get("connection", getattr(instance, "connection", "")),
                "connection",
            )
        if "query" in data or instance is None:
            clean["query"] = problems.check(to_text, data.get("query"), "query", max_length=10_000)
    elif kind == SourceKind.JSON:
        if "url" in data or instance is None or "kind" in data:
            clean["url"] = problems.check(
                _to_url, data.get("url", getattr(instance, "url", "")), "url"
            )
        if "path" in data:
            clean["path"] = problems.check(_to_path, data["path"], "path")
        for field in ("period_field", "value_field"):
            if field in data:
                clean[field] = problems.check(to_text, data[field], field, max_length=60)
    if "every_minutes" in data:
        clean["every_minutes"] = problems.check(_to_minutes, data["every_minutes"], "every_minutes")
    if "enabled" in data:
        clean["enabled"] = problems.check(_to_flag, data["enabled"], "enabled")
    problems.raise_any()
    return clean


def _require_edit(actor: Membership, kpi: Kpi) -> None:
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not change the data sources of this KPI")


@transaction.atomic
def create_source(*, actor: Membership, kpi: Kpi, **data: Any) -> DataSource:
    _require_edit(actor, kpi)
    source = DataSource(
        organization_id=kpi.organization_id,
        kpi=kpi,
        created_by=actor,
        # Due at once: the worker's next tick shows whether it works.
        next_run_at=timezone.now(),
        **_clean(kpi, data, None),
    )
    source.save()
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="source.create",
        instance=source,
        after=audit.snapshot(source, AUDITED),
    )
    return source


@transaction.atomic
def update_source(*, actor: Membership, source: DataSource, **data: Any) -> DataSource:
    _require_edit(actor, source.kpi)
    before = audit.snapshot(source, AUDITED)
    clean = _clean(source.kpi, data, source)
    for field, value in clean.items():
        setattr(source, field, value)
    # A changed source runs at the next tick rather than at its old time.
    source.next_run_at = timezone.now()
    # Only what was edited: a full save would write back the outcome of a run that ended since
    # this source was read.
    source.save(update_fields=[*clean, "next_run_at"])
    audit.record(
        organization_id=source.organization_id,
        actor_id=actor.user_id,
        action="source.update",
        instance=source,
        before=before,
        after=audit.snapshot(source, AUDITED),
    )
    return source


@transaction.atomic
def delete_source(*, actor: Membership, source: DataSource) -> None:
    _require_edit(actor, source.kpi)
    audit.record(
        organization_id=source.organization_id,
        actor_id=actor.user_id,
        action="source.delete",
        instance=source,
        before=audit.snapshot(source, AUDITED),
    )
    source.delete()


def run_now(*, actor: Membership, source: DataSource) -> RunResult:
    """Run a source at once, as ``actor`` (who must be allowed to record the KPI's values)."""
    if not permissions.can_edit_kpi(actor, source.kpi):
        raise PermissionDenied("you may not run the data sources of this KPI")
    return run_source(source, timezone.now(), actor=actor)
