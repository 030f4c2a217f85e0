"""The KPI services' threshold rules and benchmark deletion (the pages' forms rely on them)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.kpis import services
from headway.kpis.models import Benchmark, Kpi
from tests.factories import World, make_kpi


def _errors(**data: object) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as raised:
        services.create_kpi(**data)  # type: ignore[arg-type]
    return raised.value.errors


def test_thresholds_must_agree_with_the_direction(world: World) -> None:
    assert _errors(
        actor=world.alice, name="NPS", warning_threshold="10", critical_threshold="20"
    ) == {"critical_threshold": "must not be above the warning threshold 10 (higher is better)"}
    assert _errors(
        actor=world.alice,
        name="Wait",
        direction="lower",
        critical_threshold="120",
        critical_recovery="130",
    ) == {"critical_recovery": "must not be above the critical threshold 120"}
    assert _errors(
        actor=world.alice, name="Water", direction="range", warning_threshold="-0.2"
    ) == {"warning_threshold": "is a distance outside the range, so it must not be negative"}
    # Consistent thresholds, and equal ones, are fine.
    services.create_kpi(
        actor=world.alice,
        name="Water",
        direction="range",
        range_low="2.5",
        range_high="3.5",
        warning_threshold="0.2",
        critical_threshold="0.5",
        warning_recovery="0.1",
        critical_recovery="0.5",
    )


def test_changing_the_direction_alone_is_checked_against_the_stored_thresholds(
    world: World,
) -> None:
    kpi = services.create_kpi(
        actor=world.alice, name="NPS", warning_threshold="25", critical_threshold="15"
    )
    with pytest.raises(ValidationFailed) as raised:
        services.update_kpi(actor=world.alice, kpi=kpi, direction="lower")
    assert set(raised.value.errors) == {"critical_threshold"}
    kpi.refresh_from_db()
    assert kpi.direction == "higher"


def test_delete_benchmark_is_audited_and_needs_the_right_to_edit(world: World) -> None:
    kpi = make_kpi(world.org, owner=world.mo)
    benchmark = Benchmark.objects.create(organization=world.org, kpi=kpi, name="Peers", value=50)

    benchmark_id = benchmark.pk
    with pytest.raises(PermissionDenied):
        services.delete_benchmark(actor=world.vic, benchmark=benchmark)
    services.delete_benchmark(actor=world.mo, benchmark=benchmark)

    assert not Benchmark.objects.filter(pk=benchmark_id).exists()
    event = AuditEvent.objects.get(action="benchmark.delete")
    assert event.object_id == benchmark_id and event.actor == world.mo.user
    assert event.before is not None and event.before["name"] == "Peers"


def test_many_new_values_are_summed_up_in_the_audit_log_and_replaced_ones_listed(
    world: World,
) -> None:
    import datetime as dt

    from headway.kpis.history import entries

    kpi = make_kpi(world.org, "visits", name="Visits", cadence="day", owner=world.mo)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(150)]
    few = [{"period": d.isoformat(), "value": 1} for d in days[:3]]
    services.upsert_measurements(actor=world.mo, kpi=kpi, rows=few)
    listed = AuditEvent.objects.filter(action="measurement.upsert").latest("id")
    assert [c["period"] for c in listed.after["changes"]] == [d["period"] for d in few]
    assert "new" not in listed.after

    rows = [{"period": d.isoformat(), "value": 2 if n < 3 else 5} for n, d in enumerate(days)]
    result = services.upsert_measurements(actor=world.mo, kpi=kpi, rows=rows)
    assert (result.created, result.replaced) == (147, 3)
    event = AuditEvent.objects.filter(action="measurement.upsert").latest("id")
    # The three replaced values keep their old value; the new ones are counted, not copied.
    assert event.after["changes"] == [
        {"period": d.isoformat(), "before": "1.0000", "after": "2.0000"} for d in days[:3]
    ]
    assert event.after["new"] == {"count": 147, "first": "2026-01-04", "last": "2026-05-30"}
    (entry,) = [e for e in entries(kpi, [event])]
    assert [(c.what, c.before, c.after) for c in entry.changes][:2] == [
        ("4 Jan 2026 to 30 May 2026", None, "147 values"),
        ("1 Jan 2026", "1", "2"),
    ]


def test_measurements_follow_deletes_without_database_constraints(world: World) -> None:
    """Measurements keep only the KPI's foreign key in the database (decisions/0003): Django
    still nulls who recorded them and removes them with their organization."""
    from headway.kpis.models import Measurement
    from headway.orgs.services import delete_organization

    kpi = make_kpi(world.org, "visits", name="Visits", owner=world.mo)
    services.upsert_measurements(
        actor=world.mo, kpi=kpi, rows=[{"period": "2026-10-01", "value": 3}]
    )
    world.mo.delete()
    assert Measurement.objects.get(kpi=kpi).recorded_by_id is None
    delete_organization(world.org)
    assert not Measurement.objects.exists()


def test_a_note_with_a_nul_character_is_refused_by_row(world: World) -> None:
    from headway.kpis.models import Measurement

    kpi = make_kpi(world.org, "nps", owner=world.mo)
    rows = [
        {"period": "2026-10-01", "value": 1},
        {"period": "2026-11-01", "value": 2, "note": "a\x00b"},
    ]
    with pytest.raises(ValidationFailed) as raised:
        services.upsert_measurements(actor=world.mo, kpi=kpi, rows=rows)

    assert raised.value.errors == {"measurements[1].note": "must not contain NUL characters"}
    assert not Measurement.objects.exists()


def test_an_upsert_costs_the_same_queries_whatever_its_size(world: World) -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_kpi(world.org, "small", cadence="day", owner=world.mo)
    large = make_kpi(world.org, "large", cadence="day", owner=world.mo)

    def queries(kpi: Kpi, size: int, value: int) -> int:
        days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(size)]
        rows = [{"period": day.isoformat(), "value": value} for day in days]
        with CaptureQueriesContext(connection) as captured:
            services.upsert_measurements(actor=world.mo, kpi=kpi, rows=rows)
        return len(captured.captured_queries)

    assert queries(small, 10, 1) == queries(large, 300, 1)  # new periods
    assert queries(small, 10, 2) == queries(large, 300, 2)  # replaced values
    assert queries(small, 10, 2) == queries(large, 300, 2)  # unchanged values
