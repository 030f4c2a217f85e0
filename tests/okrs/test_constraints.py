"""What the database itself refuses, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from headway.kpis.models import Measurement
from headway.okrs.models import CheckIn, Cycle, KeyResult
from tests.factories import make_kpi, make_kr, make_objective

NOW = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def refused(make) -> bool:  # type: ignore[no-untyped-def]
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_confidence_outside_0_10_is_refused(world):
    kr = make_kr(make_objective(world.cycle, team=world.growth))

    def checkin(confidence: int):  # type: ignore[no-untyped-def]
        return lambda: CheckIn.objects.create(
            organization=world.org, key_result=kr, value=1, confidence=confidence, created_at=NOW
        )

    assert refused(checkin(11))
    assert not refused(checkin(10))
    assert refused(lambda: KeyResult.objects.filter(pk=kr.pk).update(confidence=11))


def test_weights_must_be_positive(world):
    objective = make_objective(world.cycle, team=world.growth)

    assert refused(lambda: make_objective(world.cycle, team=world.growth, weight=Decimal(0)))
    assert refused(lambda: make_kr(objective, weight=Decimal("-1")))
    assert not refused(lambda: make_kr(objective, weight=Decimal("0.5")))


def test_cycle_ends_after_it_starts(world):
    def cycle(name: str, end: dt.date):  # type: ignore[no-untyped-def]
        return lambda: Cycle.objects.create(
            organization=world.org, name=name, start=dt.date(2027, 1, 1), end=end
        )

    assert refused(cycle("backwards", dt.date(2026, 12, 31)))
    assert refused(cycle("empty", dt.date(2027, 1, 1)))
    assert not refused(cycle("2027-Q1", dt.date(2027, 3, 31)))


def test_one_measurement_per_kpi_and_period(world):
    kpi = make_kpi(world.org)

    def measurement():  # type: ignore[no-untyped-def]
        return Measurement.objects.create(
            organization=world.org, kpi=kpi, value=1, period=dt.date(2026, 10, 1), recorded_at=NOW
        )

    assert not refused(measurement)
    assert refused(measurement)


def test_an_objective_has_exactly_one_owner(world):
    from headway.okrs.models import Objective

    def objective(**owners):  # type: ignore[no-untyped-def]
        return lambda: Objective.objects.create(
            organization=world.org, cycle=world.cycle, title="Delight customers", **owners
        )

    assert refused(objective(owner_team=world.growth, owner_person=world.mo))
    assert refused(objective())
    assert not refused(objective(owner_person=world.mo))


@pytest.mark.parametrize("progress", [-0.1, 1.5])
def test_stored_progress_stays_in_0_1(world, progress):
    objective = make_objective(world.cycle, team=world.growth)
    assert refused(lambda: make_kr(objective, progress=progress))
