import datetime as dt
from typing import Annotated, Any, NotRequired

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.kpis import selectors, services
from headway.kpis.choices import MeasurementSource
from headway.kpis.models import Benchmark, Kpi
from headway.orgs.accessors import get_for

router = Router(tags=["KPIs"])
bulk_router = Router(tags=["measurements"])

Number = float | str


class KpiOut(Schema):
    id: int
    key: str
    name: str
    description: str
    unit: str
    direction: str
    cadence: str
    aggregation: str
    owner_team_id: int | None
    owner_id: int | None
    target: float | None
    warning_threshold: float | None
    critical_threshold: float | None
    warning_recovery: float | None
    critical_recovery: float | None
    range_low: float | None
    range_high: float | None
    alert_level: str
    alert_after: int
    resolve_after: int
    repeat_hours: int
    notify_no_data: bool
    # Kept by the alert evaluation; read-only.
    health: str
    health_since: dt.datetime | None
    alert_state: str
    alert_state_since: dt.datetime | None
    latest_value: float | None
    latest_period: dt.date | None


class KpiIn(ObjectIn):
    name: str
    key: str = ""
    description: str = ""
    unit: str = ""
    direction: str = "higher"
    cadence: str = "month"
    aggregation: str = "last"
    owner_team_id: Id | None = None
    owner_id: Id | None = None
    target: Number | None = None
    warning_threshold: Number | None = None
    critical_threshold: Number | None = None
    warning_recovery: Number | None = None
    critical_recovery: Number | None = None
    range_low: Number | None = None
    range_high: Number | None = None
    alert_level: str = "critical"
    alert_after: int = Field(1, description="Bad closed periods in a row before an alert fires.")
    resolve_after: int = Field(1, description="Good closed periods in a row before it resolves.")
    repeat_hours: int = Field(168, description="Repeat a firing alert this often; 0: never.")
    notify_no_data: bool = True


class KpiPatch(ObjectIn):
    name: str | None = None
    key: str | None = None
    description: str | None = None
    unit: str | None = None
    direction: str | None = None
    cadence: str | None = None
    aggregation: str | None = None
    owner_team_id: Id | None = None
    owner_id: Id | None = None
    target: Number | None = None
    warning_threshold: Number | None = None
    critical_threshold: Number | None = None
    warning_recovery: Number | None = None
    critical_recovery: Number | None = None
    range_low: Number | None = None
    range_high: Number | None = None
    alert_level: str | None = None
    alert_after: int | None = None
    resolve_after: int | None = None
    repeat_hours: int | None = None
    notify_no_data: bool | None = None


class MeasurementOut(Schema):
    id: int
    kpi_id: int
    period: dt.date
    value: float
    source: str
    note: str
    recorded_at: dt.datetime


# Rows are typed dicts: pydantic checks their types in Rust and hands over plain dicts, where a
# model per row (and ninja's Schema, which runs a Python validator on every object) then a
# model_dump() cost more than the rest of a bulk upsert. The services check the values.
class MeasurementIn(TypedDict):
    period: Annotated[
        str, Field(description="A date in the period (YYYY-MM-DD); stored as its start.")
    ]
    value: Number
    note: NotRequired[Annotated[str, Field(default="")]]


class MeasurementBatch(BaseModel):
    measurements: list[MeasurementIn] = Field(..., max_length=50_000)
    source: str = MeasurementSource.API


class KeyedMeasurementIn(MeasurementIn):
    kpi: Annotated[str, Field(description="The KPI's key.")]


class KeyedMeasurementBatch(BaseModel):
    measurements: list[KeyedMeasurementIn] = Field(..., max_length=50_000)
    source: str = MeasurementSource.API


class UpsertOut(Schema):
    created: int
    replaced: int
    unchanged: int


class BenchmarkOut(Schema):
    id: int
    kpi_id: int
    name: str
    value: float
    source: str
    observed_on: dt.date | None


class BenchmarkIn(ObjectIn):
    name: str
    value: Number
    source: str = ""
    observed_on: dt.date | None = None


class MeasurementFilters(Schema):
    since: dt.date | None = None
    until: dt.date | None = None


def _one(request: HttpRequest, kpi_id: int) -> Kpi:
    get_for(actor(request), Kpi, kpi_id)
    return selectors.kpis(actor(request).organization_id).get(pk=kpi_id)


@router.get("", response=list[KpiOut])
@paginate(Pagination)
def list_kpis(request: HttpRequest):  # type: ignore[no-untyped-def]
    """KPIs by name, then `id`, each with its latest value."""
    return selectors.kpis(actor(request).organization_id)


@router.get("/{kpi_id}", response=KpiOut)
def get_kpi(request: HttpRequest, kpi_id: int) -> Kpi:
    return _one(request, kpi_id)


@router.post("", response={201: KpiOut})
def create_kpi(request: HttpRequest, payload: KpiIn) -> Status[Any]:
    kpi = services.create_kpi(actor=writer(request), **payload.dict())
    return Status(201, _one(request, kpi.pk))


@router.patch("/{kpi_id}", response=KpiOut)
def update_kpi(request: HttpRequest, kpi_id: int, payload: KpiPatch) -> Kpi:
    me = writer(request)
    services.update_kpi(actor=me, kpi=get_for(me, Kpi, kpi_id), **payload.dict(exclude_unset=True))
    return _one(request, kpi_id)


@router.get("/{kpi_id}/measurements", response=list[MeasurementOut])
@paginate(Pagination)
def list_measurements(request: HttpRequest, kpi_id: int, filters: Query[MeasurementFilters]):  # type: ignore[no-untyped-def]
    kpi = get_for(actor(request), Kpi, kpi_id)
    return selectors.measurements(kpi, **filters.dict())


@router.post("/{kpi_id}/measurements", response=UpsertOut)
def upsert_measurements(request: HttpRequest, kpi_id: int, payload: MeasurementBatch) -> Any:
    """Record values by period; a period sent again replaces its value (idempotent)."""
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    rows = payload.measurements
    return services.upsert_measurements(actor=me, kpi=kpi, rows=rows, source=payload.source)


@bulk_router.post("", response=UpsertOut)
def upsert_many(request: HttpRequest, payload: KeyedMeasurementBatch) -> Any:
    """Values for several KPIs at once, named by KPI key; all or nothing."""
    rows = payload.measurements
    return services.upsert_many(actor=writer(request), rows=rows, source=payload.source)


@router.get("/{kpi_id}/benchmarks", response=list[BenchmarkOut])
@paginate(Pagination)
def list_benchmarks(request: HttpRequest, kpi_id: int):  # type: ignore[no-untyped-def]
    kpi = get_for(actor(request), Kpi, kpi_id)
    return Benchmark.objects.filter(kpi=kpi).order_by("name", "id")


@router.post("/{kpi_id}/benchmarks", response={201: BenchmarkOut})
def create_benchmark(request: HttpRequest, kpi_id: int, payload: BenchmarkIn) -> Status[Any]:
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    return Status(201, services.create_benchmark(actor=me, kpi=kpi, **payload.dict()))
