"""The services `headway apply` added: cycle and team updates, and deletes for --prune."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from headway.audit.models import AuditEvent
from headway.errors import NotFound, ValidationFailed
from headway.kpis.models import Kpi, Measurement
from headway.kpis.services import delete_kpi, upsert_measurements
from headway.okrs.models import Alignment, CheckIn, Objective, Rollup
from headway.okrs.services import (
    create_key_result,
    create_objective,
    delete_objective,
    record_checkin,
    update_cycle,
)
from headway.orgs.models import Team
from headway.orgs.services import create_team, delete_team, update_team
from tests.factories import World, make_kpi


def test_update_cycle_changes_what_it_is_given_and_logs_it(world: World) -> None:
    cycle = update_cycle(actor=world.alice, cycle=world.cycle, state="grading", name="Q4 2026")

    assert (cycle.name, cycle.state) == ("Q4 2026", "grading")
    event = AuditEvent.objects.get(action="cycle.update")
    assert event.before["state"] == "active"  # type: ignore[index]
    assert event.after["state"] == "grading"  # type: ignore[index]


def test_update_cycle_checks_its_input_and_who_asks(world: World) -> None:
    with pytest.raises(PermissionDenied):
        update_cycle(actor=world.lena, cycle=world.cycle, state="closed")
    with pytest.raises(ValidationFailed) as caught:
        update_cycle(actor=world.alice, cycle=world.cycle, end=dt.date(2026, 9, 1), state="x")
    assert set(caught.value.errors) == {"end", "state"}
    with pytest.raises(NotFound):
        update_cycle(actor=world.oscar, cycle=world.cycle, state="closed")  # another org's


def test_delete_objective_takes_its_key_results_and_links_and_moves_the_rollups(
    world: World,
) -> None:
    parent = create_objective(
        actor=world.alice, title="Grow", cycle_id=world.cycle.pk, owner_team_id=world.company.pk
    )
    child = create_objective(
        actor=world.lena,
        title="Inbound leads",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
        parent_ids=[parent.pk],
    )
    kr = create_key_result(
        actor=world.lena, objective=child, title="Visitors from 3k to 7k", start=3000, target=7000
    )
    record_checkin(actor=world.lena, key_result=kr, value=5000, confidence=6)
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5

    with pytest.raises(PermissionDenied):
        delete_objective(actor=world.mo, objective=child)
    delete_objective(actor=world.lena, objective=child)

    assert not Objective.objects.filter(pk=child.pk).exists()
    assert not CheckIn.objects.exists() and not Alignment.objects.exists()
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress is None
    event = AuditEvent.objects.get(action="objective.delete")
    assert event.before["key_results"] == 1 and event.before["checkins"] == 1  # type: ignore[index]


def test_update_team_moves_it_but_never_under_itself(world: World) -> None:
    platform = create_team(actor=world.alice, name="Platform", parent=world.company)
    with pytest.raises(ValidationFailed) as caught:
        update_team(actor=world.alice, team=world.company, parent=world.growth)
    assert caught.value.errors == {
        "parent_id": "a team cannot sit under itself or one of its sub-teams"
    }
    with pytest.raises(PermissionDenied):
        update_team(actor=world.lena, team=world.growth, name="Growth!")
    with pytest.raises(NotFound):
        update_team(actor=world.oscar, team=world.growth, name="Mine")

    team = update_team(
        actor=world.alice, team=world.growth, parent=platform, okrs_enabled=False, name="Leads"
    )

    assert (team.parent, team.okrs_enabled, team.name) == (platform, False, "Leads")
    assert AuditEvent.objects.filter(action="team.update").count() == 1


def test_delete_team_only_when_nothing_hangs_on_it(world: World) -> None:
    kpi = make_kpi(world.org, owner_team=world.growth)
    objective = create_objective(
        actor=world.alice, title="Leads", cycle_id=world.cycle.pk, owner_team_id=world.growth.pk
    )
    with pytest.raises(ValidationFailed, match="owns objectives"):
        delete_team(actor=world.alice, team=world.growth)
    with pytest.raises(ValidationFailed, match="sub-teams"):
        delete_team(actor=world.alice, team=world.company)
    delete_objective(actor=world.alice, objective=objective)

    delete_team(actor=world.alice, team=world.growth)

    assert not Team.objects.filter(pk=world.growth.pk).exists()
    kpi.refresh_from_db()
    assert kpi.owner_team is None


def test_delete_kpi_takes_its_measurements(world: World) -> None:
    kpi = make_kpi(world.org, owner=world.mo)
    upsert_measurements(actor=world.mo, kpi=kpi, rows=[{"period": "2026-10-01", "value": 30}])
    with pytest.raises(PermissionDenied):
        delete_kpi(actor=world.vic, kpi=kpi)

    delete_kpi(actor=world.mo, kpi=kpi)

    assert not Kpi.objects.exists() and not Measurement.objects.exists()
    event = AuditEvent.objects.get(action="kpi.delete")
    assert event.before["measurements"] == 1  # type: ignore[index]
