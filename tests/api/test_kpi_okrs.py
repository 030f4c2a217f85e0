"""KPIs to OKRs over the API: follow a KPI, fix a red one, read what a KPI proposes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from headway.kpis import services
from headway.kpis.models import Benchmark, Kpi
from headway.okrs.models import KeyResult, Objective
from tests.factories import World, make_kpi, make_objective

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def nps(world: World) -> Kpi:
    kpi = make_kpi(world.org, "nps", name="NPS", owner_team=world.growth)
    services.upsert_measurements(
        actor=world.alice, kpi=kpi, rows=[{"period": "2026-10-01", "value": 32}]
    )
    Benchmark.objects.create(organization=world.org, kpi=kpi, name="Competitor NPS", value=50)
    return kpi


def test_a_key_result_from_a_kpi_follows_it(world: World, nps: Kpi, api_as: Callable[..., Any]):
    objective = make_objective(world.cycle, team=world.growth)
    api = api_as(world.lena)
    created = api.post(f"/kpis/{nps.pk}/key-results", {"objective_id": objective.pk, "target": 50})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["title"], body["start"], body["current"], body["follows_kpi"]) == (
        "Raise NPS from 32 to 50",
        32,
        32,
        True,
    )
    api.post(
        "/measurements", {"measurements": [{"kpi": "nps", "period": "2026-11-01", "value": 41}]}
    )
    moved = api.get(f"/key-results/{body['id']}").json()
    assert moved["current"] == 41 and moved["progress"] == pytest.approx(0.5)
    assert api.get(f"/objectives/{objective.pk}").json()["progress"] == pytest.approx(0.5)


def test_bad_input_names_the_field(world: World, nps: Kpi, api_as: Callable[..., Any]):
    objective = make_objective(world.cycle, team=world.growth)
    api = api_as(world.lena)
    response = api.post(
        f"/kpis/{nps.pk}/key-results",
        {"objective_id": objective.pk, "target": 10, "confidence": 12},
    )
    assert response.status_code == 422
    fields = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert fields == {("body", "target"), ("body", "confidence")}
    missing = api.post(f"/kpis/{nps.pk}/key-results", {"objective_id": 10**9, "target": 50})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "objective_id"]
    assert not KeyResult.objects.exists()


def test_another_organization_gets_404(world: World, nps: Kpi, api_as: Callable[..., Any]):
    objective = make_objective(world.cycle, team=world.growth)
    api = api_as(world.oscar)
    assert api.get(f"/kpis/{nps.pk}/proposals").status_code == 404
    made = api.post(f"/kpis/{nps.pk}/key-results", {"objective_id": objective.pk, "target": 50})
    assert made.status_code == 404
    # And their own objective cannot take our KPI's values either.
    theirs = make_objective(world.other_cycle, team=world.other_team)
    other_kpi = make_kpi(world.other_org, "nps")
    response = api_as(world.lena).post(
        f"/kpis/{other_kpi.pk}/key-results", {"objective_id": theirs.pk, "target": 50}
    )
    assert response.status_code == 404


def test_a_read_only_token_cannot_create(world: World, nps: Kpi, api_as: Callable[..., Any]):
    objective = make_objective(world.cycle, team=world.growth)
    api = api_as(world.alice, scope="read")
    response = api.post(f"/kpis/{nps.pk}/key-results", {"objective_id": objective.pk, "target": 50})
    assert response.status_code == 403


def test_proposals_name_the_gap_and_its_key_result(
    world: World, nps: Kpi, api_as: Callable[..., Any]
):
    body = api_as(world.vic).get(f"/kpis/{nps.pk}/proposals").json()
    assert body["latest_value"] == 32 and body["objective"] is None
    (gap,) = body["gaps"]
    assert gap["headline"] == "NPS 32, Competitor NPS at 50"
    assert gap["key_result"] == "Raise NPS from 32 to 50" and gap["target"] == 50


def test_an_objective_from_a_red_kpi(world: World, api_as: Callable[..., Any]):
    cac = make_kpi(
        world.org,
        "cac",
        name="CAC",
        unit="$",
        direction="lower",
        target=180,
        warning_threshold=220,
        critical_threshold=260,
    )
    rows = [{"period": f"2026-{m:02d}-01", "value": 262 + m} for m in (8, 9, 10)]
    services.upsert_measurements(actor=world.alice, kpi=cac, rows=rows)
    api = api_as(world.lena)
    proposal = api.get(f"/kpis/{cac.pk}/proposals").json()["objective"]
    assert proposal["critical_periods"] == 3 and proposal["target"] == 180
    response = api.post(
        f"/kpis/{cac.pk}/objectives",
        {
            "title": proposal["title"],
            "cycle_id": world.cycle.pk,
            "owner_team_id": world.growth.pk,
            "key_result": {"target": proposal["target"], "confidence": 4},
        },
    )
    assert response.status_code == 201, response.json()
    objective = Objective.objects.get(pk=response.json()["id"])
    (kr,) = objective.key_results.all()
    assert kr.follows_kpi and kr.title == "Lower CAC from $272 to $180"
    refused = api.post(
        f"/kpis/{cac.pk}/objectives",
        {"title": "", "cycle_id": world.cycle.pk, "key_result": {"target": 900}},
    )
    assert refused.status_code == 422
    fields = {".".join(d["loc"][1:]) for d in refused.json()["detail"]}
    assert {"title", "key_result.target"} <= fields
