"""Running data sources: fetch, store through the measurement upsert, keep the last run.

A run never raises: whatever goes wrong becomes the source's last status ("error") with a
message a person can act on, and the next run is scheduled all the same.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone

from headway.errors import ValidationFailed
from headway.kpis import services
from headway.kpis.choices import MeasurementSource, RunStatus, SourceKind
from headway.kpis.models import DataSource
from headway.kpis.services import UpsertResult
from headway.kpis.sources import json_url, sql
from headway.kpis.sources.base import Fetched, SourceError, first_line
from headway.orgs.models import Membership

logger = logging.getLogger(__name__)

# Sources run per tick of the periodic job at most; the rest wait for the next minute.
MAX_PER_TICK = 100
_ROW_FIELD = re.compile(r"measurements\[(\d+)\]\.(\w+)")


@dataclass(frozen=True, slots=True)
class RunResult:
    ok: bool
    message: str
    values: UpsertResult | None = None


def _fetch(source: DataSource) -> Fetched:
    timeout = float(settings.HEADWAY_SOURCE_TIMEOUT)
    if source.kind == SourceKind.SQL:
        return sql.fetch(source.connection, source.query, timeout=timeout)
    if source.kind == SourceKind.JSON:
        return json_url.fetch(
            source.url, source.path, source.period_field, source.value_field, timeout=timeout
        )
    raise SourceError(f"unknown kind of source {source.kind!r}")


def _period(raw: Any) -> Any:
    if isinstance(raw, dt.datetime) and timezone.is_aware(raw):
        # The period of a moment is a local notion, as for raw events.
        return timezone.localtime(raw).date()
    return raw


def _row_errors(exc: ValidationFailed, single: bool) -> str:
    """``measurements[3].value: must be a number`` as "row 4: value must be a number"."""
    messages = []
    for name, message in exc.errors.items():
        found = _ROW_FIELD.fullmatch(name)
        if found is None:
            messages.append(f"{name}: {message}")
        elif single:
            messages.append(f"the {found[2]} {message}")
        else:
            messages.append(f"row {int(found[1]) + 1}: {found[2]} {message}")
    more = len(messages) - 3
    return "; ".join(messages[:3]) + (f"; and {more} more" if more > 0 else "")


def _store(
    source: DataSource, fetched: Fetched, now: dt.datetime, actor: Membership | None
) -> UpsertResult:
    if fetched.single:
        rows = [{"period": timezone.localtime(now).date(), "value": fetched.rows[0][1]}]
    else:
        rows = [{"period": _period(period), "value": value} for period, value in fetched.rows]
    kind = MeasurementSource.QUERY if source.kind == SourceKind.SQL else MeasurementSource.URL
    # Scheduled runs write on behalf of whoever set the source up; "run now" as its runner.
    return services.record_values(
        kpi=source.kpi, rows=rows, recorded_by=actor or source.created_by, source=kind, at=now
    )


def _summary(result: UpsertResult) -> str:
    count = result.total
    return (
        f"{count} value{'s' if count != 1 else ''}: {result.created} new, "
        f"{result.replaced} replaced, {result.unchanged} unchanged"
    )


def run_source(
    source: DataSource, now: dt.datetime, *, actor: Membership | None = None
) -> RunResult:
    """Pull ``source`` now and store its values; record the outcome on the source."""
    single = False
    try:
        fetched = _fetch(source)
        single = fetched.single
        if not fetched.rows:
            result = RunResult(True, "no values", UpsertResult(0, 0, 0))
        else:
            values = _store(source, fetched, now, actor)
            result = RunResult(True, _summary(values), values)
    except SourceError as exc:
        result = RunResult(False, str(exc))
    except ValidationFailed as exc:
        result = RunResult(False, _row_errors(exc, single))
    except DatabaseError as exc:
        logger.exception("data source %s could not store its values", source.pk)
        result = RunResult(False, f"the values could not be stored: {first_line(exc)}")
    except Exception as exc:
        # A bug must not stop the other sources, nor leave this one silently stuck.
        logger.exception("data source %s failed", source.pk)
        result = RunResult(False, f"unexpected error ({type(exc).__name__}: {exc})")
    source.last_run_at = now
    source.last_status = RunStatus.OK if result.ok else RunStatus.ERROR
    source.last_message = result.message[:2000]
    source.next_run_at = now + dt.timedelta(minutes=source.every_minutes)
    DataSource.objects.filter(pk=source.pk).update(
        last_run_at=source.last_run_at,
        last_status=source.last_status,
        last_message=source.last_message,
        next_run_at=source.next_run_at,
    )
    return result


def due(now: dt.datetime) -> list[DataSource]:
    return list(
        DataSource.objects.filter(enabled=True)
        .filter(Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
        .select_related("kpi", "created_by")
        .order_by("next_run_at", "pk")[:MAX_PER_TICK]
    )


def run_due(now: dt.datetime) -> list[tuple[DataSource, RunResult]]:
    """Run every enabled source whose time has come (the periodic job, every minute)."""
    results = []
    for source in due(now):
        # Claim the run first: of two workers on the same tick, only one moves next_run_at.
        claimed = DataSource.objects.filter(pk=source.pk, next_run_at=source.next_run_at).update(
            next_run_at=now + dt.timedelta(minutes=source.every_minutes)
        )
        if claimed:
            results.append((source, run_source(source, now)))
    return results
