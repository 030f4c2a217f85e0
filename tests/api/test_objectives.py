"""Objectives, key results, cycles, teams and tokens through the API."""

from __future__ import annotations

import pytest

from headway.audit.models import AuditEvent
from headway.okrs.models import Objective, Rollup
from tests.factories import make_kr, make_objective


def test_create_objective_with_parents_and_key_results(world, api_as):
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    client = api_as(world.lena)

    created = client.post(
        "/objectives",
        {
            "title": "Bring new inbound leads to the website",
            "cycle_id": world.cycle.pk,
            "owner_team_id": world.growth.pk,
            "parent_ids": [company.pk],
            "weight": 2,
        },
    )
    assert created.status_code == 201, created.json()
    objective = created.json()
    assert objective["parent_ids"] == [company.pk]
    assert (objective["weight"], objective["kind"], objective["progress"]) == (2, "aspirational", 0)

    kr = client.post(
        "/key-results",
        {
            "objective_id": objective["id"],
            "title": "Increase monthly visitors from 3k to 7k",
            "start": 3000,
            "target": 7000,
            "unit": "visitors",
            "owner_id": world.mo.pk,
        },
    )
    assert kr.status_code == 201, kr.json()
    checked = api_as(world.mo).post(
        f"/key-results/{kr.json()['id']}/check-ins", {"value": 5000, "confidence": 7}
    )
    assert checked.json()["objective_progress"] == pytest.approx(0.5)
    fetched = client.get(f"/objectives/{objective['id']}").json()
    assert fetched["key_result_ids"] == [kr.json()["id"]]
    assert fetched["progress"] == pytest.approx(0.5)
    # The organization's roll-up weighs the 0.5 objective (weight 2) against the company one (0).
    assert Rollup.objects.get(cycle=world.cycle, team=None).progress == pytest.approx(1 / 3)
    listed = client.get(f"/objectives?team_id={world.growth.pk}").json()
    assert [o["id"] for o in listed["items"]] == [objective["id"]]
    assert {e.action for e in AuditEvent.objects.all()} >= {
        "objective.create",
        "key_result.create",
        "checkin.create",
    }


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": "", "cycle_id": 999999}, {"title", "cycle_id"}),
        ({"title": "Delight customers", "cycle_id": 0}, {"cycle_id"}),
        ({"title": "Delight customers", "cycle_id": 2**70}, {"cycle_id"}),
        ({"title": "Delight customers", "cycle_id": "{cycle}", "weight": 0}, {"weight"}),
        ({"title": "Delight customers", "cycle_id": "{cycle}", "weight": -1}, {"weight"}),
        ({"title": "Delight customers", "cycle_id": "{cycle}", "kind": "maybe"}, {"kind"}),
        (
            {"title": "Delight customers", "cycle_id": "{cycle}", "owner_team_id": 999999},
            {"owner_team_id"},
        ),
        (
            {"title": "Delight customers", "cycle_id": "{cycle}", "parent_ids": [999999]},
            {"parent_ids"},
        ),
        ({"title": "Delight customers", "cycle_id": "{cycle}", "weight": "heavy"}, {"weight"}),
    ],
)
def test_bad_objective_is_422_naming_fields(world, api_as, body, fields):
    body = {k: world.cycle.pk if v == "{cycle}" else v for k, v in body.items()}
    response = api_as(world.alice).post("/objectives", body)

    assert response.status_code == 422, response.json()
    assert {d["loc"][-1] for d in response.json()["detail"]} == fields
    assert Objective.objects.count() == 0


def test_objective_of_another_organization_cannot_be_a_parent_or_seen(world, api_as):
    theirs = make_objective(world.other_cycle, team=world.other_team)
    client = api_as(world.alice)

    assert client.get(f"/objectives/{theirs.pk}").status_code == 404
    assert client.patch(f"/objectives/{theirs.pk}", {"title": "Mine now"}).status_code == 404
    response = client.post(
        "/objectives",
        {"title": "Delight customers", "cycle_id": world.cycle.pk, "parent_ids": [theirs.pk]},
    )
    assert response.status_code == 422
    other_cycle = client.post("/objectives", {"title": "Delight", "cycle_id": world.other_cycle.pk})
    assert other_cycle.json()["detail"][0]["loc"][-1] == "cycle_id"


def test_alignment_cannot_loop(world, api_as):
    top = make_objective(world.cycle, team=world.company, title="Top")
    middle = make_objective(world.cycle, team=world.growth, title="Middle")
    client = api_as(world.alice)
    assert client.patch(f"/objectives/{middle.pk}", {"parent_ids": [top.pk]}).status_code == 200

    looped = client.patch(f"/objectives/{top.pk}", {"parent_ids": [middle.pk]})
    itself = client.patch(f"/objectives/{top.pk}", {"parent_ids": [top.pk]})

    assert looped.status_code == 422 and "loop" in looped.json()["detail"][0]["msg"]
    assert itself.status_code == 422
    assert list(top.parents.all()) == []


def test_moving_an_objective_updates_both_cycles(world, api_as):
    objective = make_objective(world.cycle, team=world.growth)
    kr = make_kr(objective, start="0", target="10")
    kr.current, kr.progress = 5, 0.5
    kr.save()
    client = api_as(world.alice)
    client.patch(f"/objectives/{objective.pk}", {"title": "Renamed"})
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5
    q1 = client.post("/cycles", {"name": "2027-Q1", "start": "2027-01-01", "end": "2027-03-31"})
    assert q1.status_code == 201

    moved = client.patch(f"/objectives/{objective.pk}", {"cycle_id": q1.json()["id"]})

    assert moved.json()["cycle_id"] == q1.json()["id"]
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress is None
    assert Rollup.objects.get(cycle_id=q1.json()["id"], team=world.growth).progress == 0.5


def test_member_edits_only_what_they_own(world, api_as):
    theirs = make_objective(world.cycle, team=world.growth)
    client = api_as(world.mo)

    assert client.patch(f"/objectives/{theirs.pk}", {"title": "Mine"}).status_code == 403
    own = client.post("/objectives", {"title": "Run my first marathon", "cycle_id": world.cycle.pk})
    assert own.status_code == 201 and own.json()["owner_person_id"] == world.mo.pk
    team_owned = client.post(
        "/objectives", {"title": "X", "cycle_id": world.cycle.pk, "owner_team_id": world.growth.pk}
    )
    assert team_owned.status_code == 403
    assert (
        api_as(world.vic)
        .post("/objectives", {"title": "Y", "cycle_id": world.cycle.pk})
        .status_code
        == 403
    )


def test_cycles_and_teams_validation(world, api_as):
    client = api_as(world.alice)

    backwards = client.post("/cycles", {"name": "Q", "start": "2027-03-31", "end": "2027-01-01"})
    not_a_date = client.post("/cycles", {"name": "Q", "start": "soon", "end": "2027-01-01"})
    duplicate = client.post("/teams", {"name": "Growth"})
    orphan = client.post("/teams", {"name": "Sales", "parent_id": 999999})
    lead = api_as(world.lena).post("/teams", {"name": "Sales"})

    assert backwards.status_code == 422 and backwards.json()["detail"][0]["loc"][-1] == "end"
    assert not_a_date.status_code == 422 and not_a_date.json()["detail"][0]["loc"][-1] == "start"
    assert duplicate.status_code == 422 and duplicate.json()["detail"][0]["loc"][-1] == "slug"
    assert orphan.status_code == 422 and orphan.json()["detail"][0]["loc"][-1] == "parent_id"
    assert lead.status_code == 403
    created = client.post("/teams", {"name": "Sales", "parent_id": world.company.pk})
    assert created.status_code == 201 and created.json()["parent_id"] == world.company.pk


def test_key_result_validation(world, api_as):
    objective = make_objective(world.cycle, team=world.growth)
    client = api_as(world.lena)

    bad = client.post(
        "/key-results",
        {
            "objective_id": objective.pk,
            "title": "Raise NPS",
            "target": "lots",
            "direction": "up",
            "kind": "vibe",
        },
    )
    foreign = client.post("/key-results", {"objective_id": 999999, "title": "T", "target": 1})

    assert {d["loc"][-1] for d in bad.json()["detail"]} == {"target", "direction", "kind"}
    assert foreign.status_code == 422 and foreign.json()["detail"][0]["loc"][-1] == "objective_id"
    decrease = client.post(
        "/key-results",
        {
            "objective_id": objective.pk,
            "title": "Cut acquisition cost from 120 to 80",
            "start": 120,
            "target": 80,
            "direction": "decrease",
            "kind": "currency",
            "unit": "$",
        },
    )
    assert decrease.status_code == 201
    patched = client.patch(f"/key-results/{decrease.json()['id']}", {"target": 90})
    assert patched.json()["target"] == 90


def test_tokens_are_shown_once_hashed_and_revocable(world, api_as):
    client = api_as(world.alice)

    created = client.post("/tokens", {"name": "warehouse sync", "scope": "read"})
    secret = created.json()["secret"]
    listed = client.get("/tokens").json()["items"]
    from django.test import Client

    raw = Client()
    ok = raw.get("/api/v1/kpis", HTTP_AUTHORIZATION=f"Bearer {secret}")
    write = raw.post(
        "/api/v1/kpis",
        {"name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    revoked = client.delete(f"/tokens/{created.json()['id']}")
    after = raw.get("/api/v1/kpis", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert created.status_code == 201 and secret.startswith("hw_")
    assert all("secret" not in t for t in listed)
    from headway.orgs.models import ApiToken

    assert not ApiToken.objects.filter(digest=secret).exists()  # only the digest is stored
    assert ok.status_code == 200
    assert write.status_code == 403
    assert revoked.status_code == 204
    assert after.status_code == 401 and "token" in after.json()["detail"].lower()
    assert raw.get("/api/v1/kpis").status_code == 401


def test_openapi_document_and_docs(world, client):
    schema = client.get("/api/v1/openapi.json")
    docs = client.get("/api/v1/docs")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/key-results/{kr_id}/check-ins" in paths
    assert "/api/v1/measurements" in paths
    assert docs.status_code == 200


def test_a_token_name_too_long_for_the_column_is_refused_by_field(world, api_as):
    client = api_as(world.alice)

    refused = client.post("/tokens", {"name": "x" * 101})
    fits = client.post("/tokens", {"name": "x" * 100})

    assert refused.status_code == 422
    assert "name" in refused.content.decode() and "at most 100" in refused.content.decode()
    assert fits.status_code == 201
