"""The API of retrospectives, carrying over and duplicating."""

from __future__ import annotations

import datetime as dt

import pytest

from headway.okrs.models import CheckIn, Cycle, Objective
from headway.okrs.services import record_checkin
from tests.factories import World, make_kr, make_objective


@pytest.fixture
def growth(world: World) -> Objective:
    objective = make_objective(
        world.cycle, team=world.growth, title="Bring new inbound leads", key="inbound"
    )
    make_kr(objective, "Monthly visitors from 3k to 7k", "3000", "7000", key="visitors")
    return objective


@pytest.fixture
def q1(world: World) -> Cycle:
    return Cycle.objects.create(
        organization=world.org, name="2027-Q1", start=dt.date(2027, 1, 1), end=dt.date(2027, 3, 31)
    )


def put(api, path: str, body: object):  # type: ignore[no-untyped-def]
    # The shared test client has no put(); its _call sends any method with the token.
    return api._call("put", path, body)


def _fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [".".join(d["loc"][1:]) for d in response.json()["detail"]]


def test_retrospective_is_saved(world, growth, api_as):
    response = put(
        api_as(world.lena),
        f"/objectives/{growth.pk}/retrospective",
        {"worked": "Weekly reviews", "change": "Fewer key results"},
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": growth.pk,
        "worked": "Weekly reviews",
        "change": "Fewer key results",
    }
    growth.refresh_from_db()
    assert growth.retro_change == "Fewer key results"


def test_retrospective_errors_name_the_field(world, growth, api_as):
    lena = api_as(world.lena)
    too_long = put(lena, f"/objectives/{growth.pk}/retrospective", {"change": "x" * 5001})
    assert too_long.status_code == 422
    assert _fields(too_long) == ["change"]
    wrong_type = put(lena, f"/objectives/{growth.pk}/retrospective", {"worked": ["a"]})
    assert wrong_type.status_code == 422
    assert put(api_as(world.vic), f"/objectives/{growth.pk}/retrospective", {}).status_code == 403
    assert put(api_as(world.mo), f"/objectives/{growth.pk}/retrospective", {}).status_code == 403
    assert put(api_as(world.oscar), f"/objectives/{growth.pk}/retrospective", {}).status_code == 404
    growth.refresh_from_db()
    assert growth.retro_change == ""


def test_carry_over_answers_201_with_the_copy(world, growth, q1, api_as):
    record_checkin(
        actor=world.lena, key_result=growth.key_results.get(), value="5000", confidence=6
    )
    response = api_as(world.lena).post(f"/objectives/{growth.pk}/carry-over", {})

    assert response.status_code == 201
    copy = Objective.objects.get(origin=growth)
    assert response.json() == {
        "id": copy.pk,
        "key": "inbound",
        "title": "Bring new inbound leads",
        "cycle_id": q1.pk,
        "origin_id": growth.pk,
        "origin_kind": "carried_over",
    }
    assert copy.progress == pytest.approx(0.5)
    assert not CheckIn.objects.filter(key_result__objective=copy).exists()


def test_duplicate_defaults_to_the_same_cycle_or_takes_one(world, growth, q1, api_as):
    lena = api_as(world.lena)
    same = lena.post(f"/objectives/{growth.pk}/duplicate", {})
    assert same.status_code == 201
    assert same.json()["cycle_id"] == world.cycle.pk
    assert same.json()["key"] == "bring-new-inbound-leads"  # "inbound" is taken in 2026-Q4
    assert same.json()["origin_kind"] == "duplicated"

    other = lena.post(f"/objectives/{growth.pk}/duplicate", {"cycle_id": q1.pk})
    assert other.status_code == 201
    assert (other.json()["cycle_id"], other.json()["key"]) == (q1.pk, "inbound")


def test_refusals_name_the_field(world, growth, q1, api_as):
    lena = api_as(world.lena)
    same = lena.post(f"/objectives/{growth.pk}/carry-over", {"cycle_id": world.cycle.pk})
    assert (same.status_code, _fields(same)) == (422, ["cycle_id"])
    bad_id = lena.post(f"/objectives/{growth.pk}/carry-over", {"cycle_id": "soon"})
    assert bad_id.status_code == 422

    record_checkin(
        actor=world.lena, key_result=growth.key_results.get(), value="7000", confidence=9
    )
    finished = lena.post(f"/objectives/{growth.pk}/carry-over", {"cycle_id": q1.pk})
    assert (finished.status_code, _fields(finished)) == (422, ["objective"])
    assert "finished" in finished.json()["detail"][0]["msg"]

    q1.state = "closed"
    q1.save()
    closed = lena.post(f"/objectives/{growth.pk}/duplicate", {"cycle_id": q1.pk})
    assert (closed.status_code, _fields(closed)) == (422, ["cycle_id"])
    assert not Objective.objects.filter(origin=growth).exists()


def test_permissions_and_other_organizations(world, growth, q1, api_as):
    for who in (world.vic, world.mo):
        for action in ("carry-over", "duplicate"):
            assert api_as(who).post(f"/objectives/{growth.pk}/{action}", {}).status_code == 403
    read_only = api_as(world.alice, scope="read")
    assert read_only.post(f"/objectives/{growth.pk}/duplicate", {}).status_code == 403
    oscar = api_as(world.oscar)
    assert oscar.post(f"/objectives/{growth.pk}/duplicate", {}).status_code == 404
    foreign_cycle = {"cycle_id": world.other_cycle.pk}
    alice = api_as(world.alice)
    assert alice.post(f"/objectives/{growth.pk}/duplicate", foreign_cycle).status_code == 404
    assert alice.post(f"/objectives/{growth.pk}/carry-over", foreign_cycle).status_code == 404
    assert alice.post("/objectives/999999/carry-over", {}).status_code == 404
    assert not Objective.objects.filter(origin=growth).exists()
