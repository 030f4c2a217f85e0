"""Raw events: kept as they come, and aggregated into the values of the periods they fall in.

A period's value is the aggregate (the KPI's ``aggregation``) of all of its events, the earlier
ones included, so a late event re-aggregates its period. The values are written through the
measurement upsert with source "events", so the history, key results and alerts follow as for
any other value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from headway.core.aggregate import Aggregation, aggregate
from headway.core.periods import Cadence, next_period, period_start
from headway.errors import ValidationFailed, to_value
from headway.kpis import bulk
from headway.kpis.bulk import Row
from headway.kpis.choices import MeasurementSource
from headway.kpis.models import Kpi, RawEvent
from headway.kpis.services import MeasurementWriter, UpsertResult
from headway.orgs import permissions
from headway.orgs.models import Membership

Event = tuple[dt.datetime, Decimal]
# Ranges of periods read by one query (two parameters each, well within SQLite's limits).
RANGES_PER_QUERY = 400


def parse_at(raw: Any, field: str) -> dt.datetime:
    """An aware moment; a time without an offset, or a bare date, is in the site's time zone."""
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):
        moment = dt.datetime.combine(raw, dt.time.min)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValidationFailed(
                {
                    field: "must be a date and time (ISO 8601, e.g. 2026-11-02T09:30:00Z), "
                    f"not {str(raw)[:40]!r}"
                }
            ) from None
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        # Stored in UTC: a moment that has no UTC date (year 0 or 10000) cannot be kept.
        moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationFailed({field: "is out of range (years 1 to 9999)"}) from None
    return moment


def clean_events(rows: Iterable[tuple[int, dict[str, Any]]]) -> tuple[list[Event], dict[str, str]]:
    """Events with aware times and stored precision; errors named ``events[i].field``."""
    events: list[Event] = []
    errors: dict[str, str] = {}
    for index, row in rows:
        try:
            at = parse_at(row.get("at"), "at")
            value = to_value(row.get("value"), "value")
        except ValidationFailed as exc:
            errors.update({f"events[{index}].{f}": m for f, m in exc.errors.items()})
            continue
        events.append((at, value))
    return events, errors


@dataclass(frozen=True, slots=True)
class EventsResult:
    received: int
    # The periods whose values were aggregated again, and what that did to them.
    periods: int
    values: UpsertResult


class EventRecorder:
    """Stores events of any number of KPIs (in chunks, if need be), in the caller's transaction.

    ``finish`` aggregates every touched period once, from all of its events, and writes the
    values through :class:`MeasurementWriter`.
    """

    def __init__(self, *, recorded_by: Membership | None, at: dt.datetime) -> None:
        self.recorded_by = recorded_by
        self.at = at
        self.received = 0
        self._touched: dict[int, tuple[Kpi, set[dt.date]]] = {}

    def add(self, kpi: Kpi, events: Sequence[Event]) -> None:
        if not events:
            return
        bulk.insert_events(
            organization_id=kpi.organization_id, kpi_id=kpi.pk, events=events, received_at=self.at
        )
        cadence = Cadence(kpi.cadence)
        _, periods = self._touched.setdefault(kpi.pk, (kpi, set()))
        zone = timezone.get_current_timezone()
        days = {at.astimezone(zone).date() for at, _ in events}
        periods.update(period_start(day, cadence) for day in days)
        self.received += len(events)

    def finish(self) -> EventsResult:
        writer = MeasurementWriter(
            recorded_by=self.recorded_by, source=MeasurementSource.EVENTS, at=self.at
        )
        writer.lock(kpi for kpi, _ in self._touched.values())
        count = 0
        for kpi, periods in self._touched.values():
            writer.write(kpi, period_values(kpi, periods))
            count += len(periods)
        self._touched.clear()
        return EventsResult(received=self.received, periods=count, values=writer.finish())


def period_values(kpi: Kpi, periods: Iterable[dt.date]) -> dict[dt.date, Row]:
    """The aggregate of all stored events of each of ``periods``, as a value and its note."""
    cadence = Cadence(kpi.cadence)
    how = Aggregation(kpi.aggregation)
    zone = timezone.get_current_timezone()
    # Consecutive periods make one range, so a batch usually reads with one condition.
    ranges: list[list[dt.date]] = []
    for start in sorted(periods):
        if ranges and ranges[-1][1] == start:
            ranges[-1][1] = next_period(start, cadence)
        else:
            ranges.append([start, next_period(start, cadence)])

    def moment(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)

    values: dict[dt.date, Row] = {}
    # Scattered periods are read a few hundred ranges at a time: SQLite refuses a condition
    # nested a thousand deep. A range holds whole periods, so each query's periods are complete.
    for first in range(0, len(ranges), RANGES_PER_QUERY):
        within = Q()
        for start, end in ranges[first : first + RANGES_PER_QUERY]:
            within |= Q(at__gte=moment(start), at__lt=moment(end))
        rows = (
            RawEvent.objects.filter(within, kpi=kpi)
            .order_by("at", "id")
            .values_list("at", "value")
            .iterator(chunk_size=10_000)
        )
        local = ((timezone.localtime(at, zone).replace(tzinfo=None), value) for at, value in rows)
        for start, total in aggregate(local, cadence, how).items():
            try:
                values[start] = (to_value(total, "value"), "")
            except ValidationFailed:
                raise ValidationFailed(
                    {"events": f"the {kpi.aggregation} of the period from {start} is too large"}
                ) from None
    return values


@transaction.atomic
def record_events(
    *, actor: Membership, kpi: Kpi, rows: Sequence[dict[str, Any]], at: dt.datetime | None = None
) -> EventsResult:
    """Store raw events of one KPI and re-aggregate the periods they fall in; all or nothing."""
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not record events for this KPI")
    events, errors = clean_events(enumerate(rows))
    if errors:
        raise ValidationFailed(errors)
    recorder = EventRecorder(recorded_by=actor, at=at or timezone.now())
    recorder.add(kpi, events)
    return recorder.finish()
