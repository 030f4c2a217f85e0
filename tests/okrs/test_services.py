"""The services added for the OKR pages: moving and deleting key results, creating in one go."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.services import (
    create_objective_with_key_results,
    delete_key_result,
    move_key_result,
    record_checkin,
)
from tests.factories import make_objective
from tests.okrs.conftest import Okrs


def test_move_within_a_cycle_recomputes_both_objectives_and_teams(world, okrs: Okrs):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)

    move_key_result(actor=world.alice, key_result=okrs.visitors, objective=okrs.company)

    okrs.growth.refresh_from_db()
    okrs.company.refresh_from_db()
    assert (okrs.growth.progress, okrs.company.progress) == (0, 1)
    rollups = {r.team_id: r.progress for r in Rollup.objects.filter(cycle=world.cycle)}
    assert rollups[world.growth.pk] == 0
    assert rollups[world.company.pk] == 1
    assert rollups[None] == 0.5
    event = AuditEvent.objects.get(action="key_result.move")
    assert event.before["objective_id"] == okrs.growth.pk
    assert event.after["objective_id"] == okrs.company.pk


def test_move_needs_both_objectives_editable(world, okrs: Okrs):
    with pytest.raises(PermissionDenied):
        move_key_result(actor=world.lena, key_result=okrs.visitors, objective=okrs.company)
    with pytest.raises(PermissionDenied):
        move_key_result(actor=world.mo, key_result=okrs.visitors, objective=okrs.personal)
    with pytest.raises(PermissionDenied):
        foreign = make_objective(world.other_cycle, team=world.other_team)
        move_key_result(actor=world.alice, key_result=okrs.visitors, objective=foreign)
    assert KeyResult.objects.get(pk=okrs.visitors.pk).objective == okrs.growth


def test_move_refuses_a_closed_cycle_and_the_same_objective(world, okrs: Okrs):
    closed = Cycle.objects.create(
        organization=world.org,
        name="2026-Q3",
        start=world.cycle.start.replace(month=7),
        end=world.cycle.start.replace(month=9, day=30),
        state="closed",
    )
    old = make_objective(closed, team=world.growth)
    with pytest.raises(ValidationFailed) as closed_error:
        move_key_result(actor=world.alice, key_result=okrs.visitors, objective=old)
    assert closed_error.value.errors == {"objective_id": "that objective's cycle is closed"}
    with pytest.raises(ValidationFailed):
        move_key_result(actor=world.alice, key_result=okrs.visitors, objective=okrs.growth)


def test_delete_removes_check_ins_and_recomputes(world, okrs: Okrs):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)
    record_checkin(actor=world.lena, key_result=okrs.signups, value="375", confidence=5)

    delete_key_result(actor=world.lena, key_result=okrs.visitors)

    assert list(CheckIn.objects.values_list("key_result_id", flat=True)) == [okrs.signups.pk]
    okrs.growth.refresh_from_db()
    assert okrs.growth.progress == 0.5
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5
    event = AuditEvent.objects.get(action="key_result.delete")
    assert event.object_id == okrs.visitors.pk
    assert event.before["objective_id"] == okrs.growth.pk


def test_delete_needs_the_objective_editable(world, okrs: Okrs):
    # mo owns the key result but not its objective.
    with pytest.raises(PermissionDenied):
        delete_key_result(actor=world.mo, key_result=okrs.visitors)
    with pytest.raises(PermissionDenied):
        delete_key_result(actor=world.vic, key_result=okrs.visitors)
    assert KeyResult.objects.filter(pk=okrs.visitors.pk).exists()


def test_create_with_key_results_reports_every_problem_and_writes_nothing(world):
    with pytest.raises(ValidationFailed) as error:
        create_objective_with_key_results(
            actor=world.lena,
            title="",
            cycle_id=world.cycle.pk,
            owner_team_id=world.growth.pk,
            weight=0,
            key_results=[
                {"title": "Fine", "start": 1, "target": 2},
                {"title": "", "start": "x", "target": 2},
            ],
        )
    assert error.value.errors == {
        "title": "is required",
        "weight": "must be greater than 0",
        "key_results.1.title": "is required",
        "key_results.1.start": "must be a number, not 'x'",
    }
    assert not Objective.objects.exists()


def test_create_with_key_results_checks_the_owner(world):
    with pytest.raises(PermissionDenied):
        create_objective_with_key_results(
            actor=world.lena,
            title="Everyone is happy",
            cycle_id=world.cycle.pk,
            owner_team_id=world.company.pk,
            key_results=[{"title": "NPS from 30 to 50", "start": 30, "target": 50}],
        )
    assert not Objective.objects.exists() and not KeyResult.objects.exists()
