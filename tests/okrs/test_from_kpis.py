"""Key results made from KPIs: the KPI's latest value is the baseline, later values move them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from headway.errors import ValidationFailed
from headway.kpis import services as kpi_services
from headway.kpis.models import Kpi, Measurement
from headway.okrs.choices import CycleState
from headway.okrs.from_kpis import (
    create_key_result_from_kpi,
    create_objective_from_kpi,
    default_title,
)
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective, Rollup
from tests.factories import World, make_kpi, make_kr, make_objective

AT = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)


def record(world: World, kpi: Kpi, period: str, value: str | int) -> None:
    kpi_services.upsert_measurements(
        actor=world.alice, kpi=kpi, rows=[{"period": period, "value": value}], at=AT
    )


@pytest.fixture
def nps(world: World) -> Kpi:
    kpi = make_kpi(world.org, "nps", name="NPS", owner_team=world.growth, unit="pts")
    record(world, kpi, "2026-09-01", 30)
    record(world, kpi, "2026-10-01", 32)
    return kpi


@pytest.fixture
def objective(world: World) -> Objective:
    objective = make_objective(world.cycle, team=world.growth)
    # A second key result that does not move, so the objective's progress is a true mean.
    make_kr(objective, "Support tickets per user fall", "10", "5", direction="decrease")
    return objective


def org_progress(world: World) -> float | None:
    return Rollup.objects.get(cycle=world.cycle, team=None).progress


def test_the_baseline_is_the_kpis_latest_value(world: World, nps: Kpi, objective: Objective):
    kr = create_key_result_from_kpi(
        actor=world.lena, kpi=nps, objective=objective, target=50, confidence=6, at=AT
    )
    kr.refresh_from_db()
    assert kr.title == "Raise NPS from 32 pts to 50 pts"
    assert (kr.start, kr.target, kr.current) == (Decimal(32), Decimal(50), Decimal(32))
    assert (kr.kpi_id, kr.follows_kpi, kr.direction, kr.unit) == (nps.pk, True, "increase", "pts")
    assert kr.owner_id == world.lena.pk and kr.confidence == 6 and kr.progress == 0
    (first,) = CheckIn.objects.filter(key_result=kr)
    assert (first.value, first.confidence, first.kpi_period) == (
        Decimal(32),
        6,
        dt.date(2026, 10, 1),
    )


def test_a_new_value_moves_the_key_result_objective_and_roll_ups(
    world: World, nps: Kpi, objective: Objective
):
    kr = create_key_result_from_kpi(actor=world.lena, kpi=nps, objective=objective, target=50)
    assert Objective.objects.get(pk=objective.pk).progress == 0
    assert org_progress(world) == 0

    record(world, nps, "2026-11-01", 41)  # halfway from 32 to 50

    kr.refresh_from_db()
    assert kr.current == Decimal(41) and kr.progress == pytest.approx(0.5)
    assert Objective.objects.get(pk=objective.pk).progress == pytest.approx(0.25)
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == pytest.approx(0.25)
    assert org_progress(world) == pytest.approx(0.25)
    latest = CheckIn.objects.filter(key_result=kr).latest("id")
    assert (latest.value, latest.author_id, latest.kpi_period) == (
        Decimal(41),
        None,
        dt.date(2026, 11, 1),
    )
    # The confidence is the owner's, carried forward: a KPI value is not a judgement.
    assert latest.confidence == 5


def test_the_same_value_again_adds_no_check_in(world: World, nps: Kpi, objective: Objective):
    kr = create_key_result_from_kpi(actor=world.lena, kpi=nps, objective=objective, target=50)
    record(world, nps, "2026-11-01", 41)
    record(world, nps, "2026-11-01", 41)  # unchanged: nothing to follow
    record(world, nps, "2026-08-01", 20)  # an older period: the latest value is still 41
    assert CheckIn.objects.filter(key_result=kr).count() == 2
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(41)


def test_deleting_the_latest_value_falls_back_to_the_one_before(
    world: World, nps: Kpi, objective: Objective
):
    kr = create_key_result_from_kpi(actor=world.lena, kpi=nps, objective=objective, target=50)
    record(world, nps, "2026-11-01", 41)
    newest = Measurement.objects.get(kpi=nps, period=dt.date(2026, 11, 1))
    kpi_services.delete_measurement(actor=world.alice, measurement=newest)
    kr.refresh_from_db()
    assert kr.current == Decimal(32) and kr.progress == 0


def test_a_lower_is_better_kpi_makes_a_decreasing_key_result(world: World, objective: Objective):
    cac = make_kpi(world.org, "cac", name="CAC", unit="$", direction="lower")
    record(world, cac, "2026-10-01", 272)
    kr = create_key_result_from_kpi(actor=world.alice, kpi=cac, objective=objective, target=180)
    assert (kr.direction, kr.kind, kr.title) == (
        "decrease",
        "currency",
        "Lower CAC from $272 to $180",
    )
    record(world, cac, "2026-11-01", 226)
    assert KeyResult.objects.get(pk=kr.pk).progress == pytest.approx(0.5)


def test_a_target_that_would_not_improve_the_kpi_is_refused(
    world: World, nps: Kpi, objective: Objective
):
    with pytest.raises(ValidationFailed) as caught:
        create_key_result_from_kpi(actor=world.lena, kpi=nps, objective=objective, target=20)
    assert "above the KPI's current value 32 pts" in caught.value.errors["target"]
    assert not KeyResult.objects.filter(kpi=nps).exists()


def test_a_kpi_without_values_has_no_baseline(world: World, objective: Objective):
    empty = make_kpi(world.org, "dau")
    with pytest.raises(ValidationFailed) as caught:
        create_key_result_from_kpi(
            actor=world.lena, kpi=empty, objective=objective, target=10, confidence=11
        )
    assert set(caught.value.errors) == {"kpi", "confidence"}


def test_another_organizations_kpi_is_refused(world: World, objective: Objective):
    theirs = make_kpi(world.other_org, "nps")
    with pytest.raises(ValidationFailed) as caught:
        create_key_result_from_kpi(actor=world.alice, kpi=theirs, objective=objective, target=50)
    assert "kpi" in caught.value.errors


def test_a_closed_cycle_stops_following(world: World, nps: Kpi, objective: Objective):
    kr = create_key_result_from_kpi(actor=world.lena, kpi=nps, objective=objective, target=50)
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.CLOSED)
    record(world, nps, "2026-11-01", 45)
    assert KeyResult.objects.get(pk=kr.pk).current == Decimal(32)


def test_a_kpi_linked_but_not_followed_is_left_alone(world: World, nps: Kpi, objective: Objective):
    linked = make_kr(objective, "Onboarding NPS from 32 to 55", "32", "55", kpi=nps)
    record(world, nps, "2026-11-01", 45)
    assert KeyResult.objects.get(pk=linked.pk).current is None


def test_an_objective_from_a_red_kpi_comes_with_its_key_result(world: World, nps: Kpi):
    objective = create_objective_from_kpi(
        actor=world.lena,
        kpi=nps,
        title="Customers recommend us again",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
        key_result={"target": 45, "confidence": 4},
    )
    (kr,) = objective.key_results.all()
    assert kr.follows_kpi and kr.start == Decimal(32) and kr.confidence == 4


def test_an_objective_from_a_kpi_reports_every_problem_and_writes_nothing(world: World, nps: Kpi):
    with pytest.raises(ValidationFailed) as caught:
        create_objective_from_kpi(
            actor=world.lena,
            kpi=nps,
            title="",
            cycle_id=world.cycle.pk,
            owner_team_id=world.growth.pk,
            key_result={"target": "lots", "confidence": 5},
        )
    assert {"title", "key_result.target"} <= set(caught.value.errors)
    assert not Objective.objects.filter(organization=world.org).exists()


def test_default_titles_say_which_way(world: World):
    kpi = Kpi(name="Bounce rate", unit="%")
    assert (
        default_title(kpi, Decimal("56.5"), Decimal("45")) == "Lower Bounce rate from 56.5% to 45%"
    )


def test_switching_following_on_takes_the_latest_value_at_once(
    world: World, nps: Kpi, objective: Objective
):
    from headway.okrs.services import update_key_result

    linked = make_kr(objective, "Onboarding NPS from 30 to 55", "30", "55", kpi=nps)
    with pytest.raises(ValidationFailed) as caught:
        update_key_result(actor=world.lena, key_result=linked, follows_kpi="yes")
    assert caught.value.errors == {"follows_kpi": "must be true or false"}
    update_key_result(actor=world.lena, key_result=linked, follows_kpi=True)
    linked.refresh_from_db()
    assert linked.follows_kpi and linked.current == Decimal(32)
    unlinked = make_kr(objective, "Time in app from 15 to 30", "15", "30")
    with pytest.raises(ValidationFailed) as refused:
        update_key_result(actor=world.lena, key_result=unlinked, follows_kpi=True)
    assert "follows_kpi" in refused.value.errors
    assert not KeyResult.objects.get(pk=unlinked.pk).follows_kpi
