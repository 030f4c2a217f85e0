"""Raw events: stored as they come, each touched period aggregated from all of its events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.kpis import services
from headway.kpis.models import Kpi, Measurement, RawEvent
from headway.kpis.raw_events import record_events
from tests.factories import World, make_kpi

AT = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


def values(kpi: Kpi) -> dict[str, str]:
    return {
        m.period.isoformat(): f"{m.value.normalize():f}"
        for m in Measurement.objects.filter(kpi=kpi)
    }


def send(world: World, kpi: Kpi, *events: tuple[str, object]) -> services.UpsertResult:
    rows = [{"at": at, "value": value} for at, value in events]
    return record_events(actor=world.mo, kpi=kpi, rows=rows, at=AT).values


@pytest.mark.parametrize(
    ("aggregation", "october", "november"),
    [
        ("sum", "17.5", "2"),
        ("mean", "5.8333", "2"),  # 17.5 / 3, rounded to the stored 4 places
        ("min", "2.5", "2"),
        ("max", "10", "2"),
        ("count", "3", "1"),
        ("last", "5", "2"),  # the latest in time, though it came second
    ],
)
def test_each_aggregation_makes_the_periods_value(
    world: World, aggregation: str, october: str, november: str
) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo, aggregation=aggregation)
    result = send(
        world,
        kpi,
        ("2026-10-02T10:00:00Z", "10"),
        ("2026-10-31T22:00:00Z", 5),
        ("2026-10-15T08:00:00Z", 2.5),
        ("2026-11-01T00:00:00Z", "2"),
    )

    assert values(kpi) == {"2026-10-01": october, "2026-11-01": november}
    assert (result.created, result.replaced) == (2, 0)
    assert RawEvent.objects.filter(kpi=kpi).count() == 4


def test_a_later_batch_re_aggregates_its_periods_with_the_earlier_events(world: World) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo, cadence="week", aggregation="sum")
    send(world, kpi, ("2026-11-02T09:00:00Z", 3), ("2026-11-09T09:00:00Z", 4))
    # A manual value of another week is not touched by events of other weeks.
    services.upsert_measurements(
        actor=world.mo, kpi=kpi, rows=[{"period": "2026-11-16", "value": 99}]
    )

    result = send(world, kpi, ("2026-11-08T23:59:00Z", 2))  # a Sunday: the week of the 2nd

    assert values(kpi) == {"2026-11-02": "5", "2026-11-09": "4", "2026-11-16": "99"}
    assert (result.created, result.replaced, result.unchanged) == (0, 1, 0)
    event = AuditEvent.objects.filter(action="measurement.upsert").order_by("id").last()
    assert event is not None
    assert event.after == {
        "changes": [{"period": "2026-11-02", "before": "3.0000", "after": "5.0000"}],
        "source": "events",
    }


def test_times_without_an_offset_are_in_the_site_time_zone(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/Berlin"
    kpi = make_kpi(world.org, "sales", owner=world.mo, cadence="day", aggregation="count")
    send(
        world,
        kpi,
        ("2026-11-30T23:30:00", 1),  # Berlin time: still the 30th
        ("2026-11-30T23:30:00Z", 1),  # UTC: already 1 December in Berlin
        ("2026-12-01", 1),  # midnight in Berlin
    )

    assert values(kpi) == {"2026-11-30": "1", "2026-12-01": "2"}


def test_bad_events_are_named_by_index_and_nothing_is_stored(world: World) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo, aggregation="sum")
    with pytest.raises(ValidationFailed) as raised:
        send(
            world,
            kpi,
            ("2026-10-02T10:00:00Z", 1),
            ("soon", 1),
            ("2026-10-03", "lots"),
            ("9999-12-31T23:00:00-12:00", 1),  # already year 10000 in UTC
        )

    assert set(raised.value.errors) == {"events[1].at", "events[2].value", "events[3].at"}
    assert raised.value.errors["events[3].at"] == "is out of range (years 1 to 9999)"
    assert raised.value.errors["events[2].value"] == "must be a number, not 'lots'"
    assert not RawEvent.objects.exists() and not Measurement.objects.exists()


def test_a_sum_too_large_to_store_is_refused(world: World) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo, aggregation="sum")
    big = "9000000000000000"
    with pytest.raises(ValidationFailed) as raised:
        send(world, kpi, ("2026-10-02T10:00:00Z", big), ("2026-10-03T10:00:00Z", big))

    assert raised.value.errors == {"events": "the sum of the period from 2026-10-01 is too large"}
    assert not RawEvent.objects.exists()


def test_only_those_who_may_edit_the_kpi_record_events(world: World) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo)
    with pytest.raises(PermissionDenied):
        record_events(actor=world.vic, kpi=kpi, rows=[{"at": "2026-10-02", "value": 1}])
    assert (
        record_events(
            actor=world.lena, kpi=make_kpi(world.org, "leads", owner_team=world.growth), rows=[]
        ).received
        == 0
    )
    assert Measurement.objects.filter(kpi=kpi).first() is None


def test_many_events_aggregate_exactly(world: World) -> None:
    kpi = make_kpi(world.org, "sales", owner=world.mo, cadence="day", aggregation="sum")
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    rows = [{"at": start + dt.timedelta(minutes=7 * i), "value": "0.01"} for i in range(5_000)]
    result = record_events(actor=world.mo, kpi=kpi, rows=rows, at=AT)

    assert result.received == 5_000
    per_day = 24 * 60 // 7 + 1  # 206 events start in the first day (minute 0 to 1435)
    assert Measurement.objects.get(kpi=kpi, period="2026-10-01").value == Decimal(per_day) / 100
    assert sum(Measurement.objects.filter(kpi=kpi).values_list("value", flat=True)) == 50


def test_scattered_periods_are_aggregated_however_many_there_are(world: World) -> None:
    # Every other day for four years: more separate ranges than one SQLite condition may hold.
    kpi = make_kpi(world.org, "sales", owner=world.mo, cadence="day", aggregation="sum")
    start = dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC)
    rows = [{"at": start + dt.timedelta(days=2 * i), "value": 1} for i in range(1_500)]

    first = record_events(actor=world.mo, kpi=kpi, rows=rows, at=AT)
    again = record_events(actor=world.mo, kpi=kpi, rows=rows, at=AT)

    assert (first.periods, first.values.created) == (1_500, 1_500)
    assert (again.periods, again.values.replaced) == (1_500, 1_500)
    # Each period from both batches' events, in whichever query it was read.
    assert set(values(kpi).values()) == {"2"} and len(values(kpi)) == 1_500


def test_every_aggregation_a_kpi_may_have_is_one_the_core_computes() -> None:
    from headway.core.aggregate import Aggregation as Computed
    from headway.kpis.choices import Aggregation

    assert {how.value for how in Computed} == set(Aggregation.values)
