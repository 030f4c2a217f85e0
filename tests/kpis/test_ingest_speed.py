"""Bulk ingestion stays a fixed number of queries, reads only what a batch needs, and keeps its
results exact on every write path (new periods copied, stored ones updated in place)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.kpis import bulk, services
from headway.kpis.models import Kpi, Measurement
from tests.factories import World, make_kpi

FIRST = dt.date(2025, 1, 1)
# Every batch below ends on this day, so that each KPI ends up with the same health.
LAST = dt.date(2025, 12, 31)


def _rows(
    key: str, count: int, start: dt.date | None = None, step: float = 0
) -> list[dict[str, Any]]:
    start = start or LAST - dt.timedelta(days=count - 1)
    return [
        {"kpi": key, "period": (start + dt.timedelta(days=i)).isoformat(), "value": i + step}
        for i in range(count)
    ]


HISTORY_START = dt.date(2020, 1, 1)


def _history(world: World, kpi: Kpi, days: int) -> None:
    """``days`` values from 2020 on, long before the batches below and the health window."""
    services.upsert_many(actor=world.alice, rows=_rows(kpi.key, days, start=HISTORY_START))


@pytest.fixture
def daily(world: World) -> Kpi:
    return make_kpi(world.org, "signups", cadence="day")


def _queries(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_queries_per_batch_do_not_grow_with_its_size_or_the_history(
    world: World, daily: Kpi
) -> None:
    small = make_kpi(world.org, "small", cadence="day")
    # The first write fills caches (the audit log's content types) that every later one uses.
    make_kpi(world.org, "warm-up", cadence="day")
    services.upsert_many(actor=world.alice, rows=_rows("warm-up", 1))
    counts = {
        "new, 5 rows": _queries(
            lambda: services.upsert_many(actor=world.alice, rows=_rows("small", 5))
        ),
        "new, 600 rows": _queries(
            lambda: services.upsert_many(actor=world.alice, rows=_rows("signups", 600))
        ),
    }
    _history(world, small, 5)
    _history(world, daily, 1500)
    counts["replaced, 5 rows, short history"] = _queries(
        lambda: services.upsert_many(actor=world.alice, rows=_rows("small", 5, step=1))
    )
    counts["replaced, 600 rows, long history"] = _queries(
        lambda: services.upsert_many(actor=world.alice, rows=_rows("signups", 600, step=1))
    )
    assert len({counts["new, 5 rows"], counts["new, 600 rows"]}) == 1, counts
    assert counts["replaced, 5 rows, short history"] == counts["replaced, 600 rows, long history"]


def test_a_batch_reads_only_the_stored_values_of_its_own_periods(
    world: World, daily: Kpi, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(world, daily, 1500)
    read: list[int] = []
    original = bulk.read_rows

    def counting(kpi_id: int, periods: Any) -> dict[dt.date, bulk.Row]:
        found = original(kpi_id, periods)
        read.append(len(found))
        return found

    monkeypatch.setattr(bulk, "read_rows", counting)
    # Two periods already stored among new ones: the 1,500 older values are not read.
    rows = _rows("signups", 20, start=HISTORY_START + dt.timedelta(days=1498))
    result = services.upsert_many(actor=world.alice, rows=rows)

    assert (result.created, result.replaced, result.unchanged) == (18, 2, 0)
    assert read == [2]


def test_replaced_values_are_updated_in_place_and_audited(world: World, daily: Kpi) -> None:
    services.upsert_many(actor=world.alice, rows=_rows("signups", 300, start=FIRST))
    ids = dict(Measurement.objects.filter(kpi=daily).values_list("period", "id"))
    rows = _rows("signups", 300, start=FIRST, step=0.5)
    rows[7]["note"] = "tab\there, line\nthere"

    result = services.upsert_many(actor=world.alice, rows=rows)
    again = services.upsert_many(actor=world.alice, rows=rows)

    assert (result.created, result.replaced, result.unchanged) == (0, 300, 0)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, 300)
    stored = {m.period: m for m in Measurement.objects.filter(kpi=daily)}
    assert {period: m.id for period, m in stored.items()} == ids
    assert stored[FIRST + dt.timedelta(days=7)].value == Decimal("7.5")
    assert stored[FIRST + dt.timedelta(days=7)].note == "tab\there, line\nthere"
    entry = AuditEvent.objects.filter(action="measurement.upsert").latest("id")
    assert len(entry.after["changes"]) == 300
    assert entry.after["changes"][0] == {
        "period": "2025-01-01",
        "before": "0.0000",
        "after": "0.5000",
    }


def test_replacing_a_period_deleted_meanwhile_stores_it_again(world: World, daily: Kpi) -> None:
    """``replace_rows`` upserts when a row it meant to update is gone (another writer deleted
    it between the read and the write)."""
    services.upsert_many(actor=world.alice, rows=_rows("signups", 3, start=FIRST))
    Measurement.objects.filter(kpi=daily, period=FIRST).delete()

    bulk.replace_rows(
        organization_id=daily.organization_id,
        kpi_id=daily.pk,
        rows=[
            (FIRST, Decimal("9.0000"), ""),
            (FIRST + dt.timedelta(days=1), Decimal("8.0000"), ""),
        ],
        source="api",
        recorded_by_id=world.alice.pk,
        at=timezone.now(),
    )

    stored = dict(Measurement.objects.filter(kpi=daily).values_list("period", "value"))
    assert stored == {
        FIRST: Decimal("9"),
        FIRST + dt.timedelta(days=1): Decimal("8"),
        FIRST + dt.timedelta(days=2): Decimal("2"),
    }
