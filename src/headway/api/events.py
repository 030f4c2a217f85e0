"""Raw events of a KPI, and its data sources (scheduled SQL or JSON pulls)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BaseModel, Field

from headway.api.auth import actor, writer
from headway.api.types import ObjectIn, Pagination
from headway.kpis.models import DataSource, Kpi
from headway.kpis.raw_events import record_events
from headway.kpis.sources import services
from headway.orgs import permissions
from headway.orgs.accessors import get_for

router = Router(tags=["KPI data in"])

Number = float | str


# Plain pydantic rows, as for measurements: ninja's Schema validates each object in Python.
class EventIn(BaseModel):
    at: str = Field(
        ..., description="ISO 8601 moment; without an offset it is in the site's time zone."
    )
    value: Number


class EventBatch(BaseModel):
    events: list[EventIn] = Field(..., max_length=50_000)


class EventsOut(Schema):
    received: int
    periods: int = Field(..., description="Periods aggregated again from all of their events.")
    created: int
    replaced: int
    unchanged: int


class SourceOut(Schema):
    id: int
    kpi_id: int
    name: str
    kind: str
    connection: str
    query: str
    url: str
    path: str
    period_field: str
    value_field: str
    every_minutes: int
    enabled: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_status: str = Field(..., description='"" (not run yet), "ok" or "error".')
    last_message: str
    created_at: dt.datetime


class SourceIn(ObjectIn):
    name: str
    kind: str = Field(..., description='"sql" or "json".')
    connection: str = Field("", description="SQL: a connection named in HEADWAY_SQL_SOURCES.")
    query: str = Field("", description="SQL: rows of (period, value), or one value for now.")
    url: str = Field("", description="JSON: an http(s) URL.")
    path: str = Field("", description="JSON: e.g. data.series[*] or data.total.")
    period_field: str = "period"
    value_field: str = "value"
    every_minutes: int = 60
    enabled: bool = True


class SourcePatch(ObjectIn):
    name: str | None = None
    kind: str | None = None
    connection: str | None = None
    query: str | None = None
    url: str | None = None
    path: str | None = None
    period_field: str | None = None
    value_field: str | None = None
    every_minutes: int | None = None
    enabled: bool | None = None


def _source(request: HttpRequest, kpi_id: int, source_id: int) -> DataSource:
    return get_for(actor(request), DataSource, source_id, select=("kpi",), kpi_id=kpi_id)


@router.post("/{kpi_id}/events", response=EventsOut)
def post_events(request: HttpRequest, kpi_id: int, payload: EventBatch) -> dict[str, int]:
    """Raw events; each period they fall in is aggregated again (the KPI's aggregation)."""
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    result = record_events(actor=me, kpi=kpi, rows=payload.model_dump()["events"])
    return {
        "received": result.received,
        "periods": result.periods,
        "created": result.values.created,
        "replaced": result.values.replaced,
        "unchanged": result.values.unchanged,
    }


@router.get("/{kpi_id}/sources", response=list[SourceOut])
@paginate(Pagination)
def list_sources(request: HttpRequest, kpi_id: int):  # type: ignore[no-untyped-def]
    me = actor(request)
    kpi = get_for(me, Kpi, kpi_id)
    sources = DataSource.objects.filter(kpi=kpi).order_by("name", "id")
    if permissions.can_edit_kpi(me, kpi):
        return sources
    # A URL may carry a key in its query string: only the KPI's editors see it.
    hidden = list(sources)
    for source in hidden:
        source.url = ""
    return hidden


@router.post("/{kpi_id}/sources", response={201: SourceOut})
def create_source(request: HttpRequest, kpi_id: int, payload: SourceIn) -> Status[Any]:
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    return Status(201, services.create_source(actor=me, kpi=kpi, **payload.dict()))


@router.patch("/{kpi_id}/sources/{source_id}", response=SourceOut)
def update_source(
    request: HttpRequest, kpi_id: int, source_id: int, payload: SourcePatch
) -> DataSource:
    me = writer(request)
    source = _source(request, kpi_id, source_id)
    return services.update_source(actor=me, source=source, **payload.dict(exclude_unset=True))


@router.delete("/{kpi_id}/sources/{source_id}", response={204: None})
def delete_source(request: HttpRequest, kpi_id: int, source_id: int) -> Status[None]:
    me = writer(request)
    services.delete_source(actor=me, source=_source(request, kpi_id, source_id))
    return Status(204, None)


@router.post("/{kpi_id}/sources/{source_id}/run", response=SourceOut)
def run_source(request: HttpRequest, kpi_id: int, source_id: int) -> DataSource:
    """Run the source now; its answer carries the run's status and message."""
    me = writer(request)
    source = _source(request, kpi_id, source_id)
    services.run_now(actor=me, source=source)
    return source
