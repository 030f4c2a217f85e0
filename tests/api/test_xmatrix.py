"""X-Matrices through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Measurement
from headway.strategy import services
from headway.strategy.models import Correlation, XMatrix, XMatrixItem
from tests.factories import World, make_kpi, make_objective


def test_build_a_matrix_through_the_api(world: World, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(world.lena)
    objective = make_objective(world.cycle, team=world.company, progress=0.25)
    kpi = make_kpi(world.org, "nps", name="NPS", health="green")
    Measurement.objects.create(
        organization=world.org,
        kpi=kpi,
        period=dt.date(2026, 10, 1),
        value=Decimal("41"),
        recorded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    created = client.post("/xmatrices", {"year": 2026, "title": "Acme"})
    assert created.status_code == 201, created.json()
    matrix_id = created.json()["id"]
    assert created.json()["items"] == [] and created.json()["findings"] == []

    items = f"/xmatrices/{matrix_id}/items"
    b = client.post(items, {"kind": "breakthrough", "title": "Lead the market"}).json()
    a = client.post(
        items, {"kind": "annual", "title": "Win 50", "objective_ids": [objective.pk]}
    ).json()
    m = client.post(
        items,
        {"kind": "metric", "title": "NPS", "kpi_id": kpi.pk, "baseline": 32, "target": "55"},
    ).json()
    assert a["objectives"] == [
        {"id": objective.pk, "title": objective.title, "cycle": "2026-Q4", "progress": 0.25}
    ]
    assert (m["kpi_value"], m["kpi_period"], m["kpi_health"], m["baseline"], m["target"]) == (
        41.0,
        "2026-10-01",
        "green",
        32.0,
        55.0,
    )
    p = client.post(items, {"kind": "priority", "title": "Onboarding"}).json()
    resource = client.post(f"/xmatrices/{matrix_id}/resources", {"person_id": world.mo.pk})
    assert resource.status_code == 201 and resource.json()["name"] == "Mo"

    mark = client.put(
        f"/xmatrices/{matrix_id}/correlations",
        {"row_id": a["id"], "column_id": b["id"], "strength": "moderate"},
    )
    assert mark.json() == {"row_id": b["id"], "column_id": a["id"], "strength": "moderate"}
    duty = client.put(
        f"/xmatrices/{matrix_id}/assignments",
        {"priority_id": p["id"], "resource_id": resource.json()["id"], "responsibility": "primary"},
    )
    assert duty.status_code == 200 and duty.json()["responsibility"] == "primary"

    whole = client.get(f"/xmatrices/{matrix_id}").json()
    assert [i["title"] for i in whole["items"]] == [
        "Lead the market",
        "Win 50",
        "Onboarding",
        "NPS",
    ]
    assert whole["correlations"] == [
        {"row_id": b["id"], "column_id": a["id"], "strength": "moderate"}
    ]
    assert [f["id"] for f in whole["findings"]] == [
        f"orphan-priority:{p['id']}",
        f"metric-without-owner:{m['id']}",
    ]

    patched = client.patch(f"{items}/{m['id']}", {"owner_id": world.mo.pk, "target": None})
    assert patched.status_code == 200
    assert (patched.json()["owner_id"], patched.json()["target"]) == (world.mo.pk, None)
    cleared = client.put(
        f"/xmatrices/{matrix_id}/correlations",
        {"row_id": b["id"], "column_id": a["id"], "strength": None},
    )
    assert cleared.json()["strength"] == "" and not Correlation.objects.exists()
    assert client.delete(f"{items}/{p['id']}").status_code == 204
    assert not XMatrixItem.objects.filter(pk=p["id"]).exists()
    renamed = client.patch(f"/xmatrices/{matrix_id}", {"title": "Acme strategy"})
    assert renamed.json()["title"] == "Acme strategy"
    assert client.delete(f"/xmatrices/{matrix_id}").status_code == 204
    assert not XMatrix.objects.exists()


def test_bad_input_is_a_4xx_naming_the_field(world: World, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(world.alice)
    matrix = services.create_xmatrix(actor=world.alice, year=2026)
    annual = services.add_item(actor=world.alice, matrix=matrix, kind="annual", title="a")
    metric = services.add_item(actor=world.alice, matrix=matrix, kind="metric", title="m")
    other = make_objective(world.other_cycle, team=world.other_team)

    def fields(response) -> set[str]:  # type: ignore[no-untyped-def]
        assert response.status_code == 422, response.content
        return {d["loc"][-1] for d in response.json()["detail"]}

    assert fields(client.post("/xmatrices", {"year": 2026})) == {"year"}
    items = f"/xmatrices/{matrix.pk}/items"
    assert fields(client.post(items, {"kind": "vision", "title": "x"})) == {"kind"}
    assert fields(client.post(items, {"kind": "metric", "title": "x", "target": "lots"})) == {
        "target"
    }
    assert fields(
        client.post(items, {"kind": "annual", "title": "x", "objective_ids": [other.pk]})
    ) == {"objective_ids"}
    assert fields(
        client.put(
            f"/xmatrices/{matrix.pk}/correlations",
            {"row_id": annual.pk, "column_id": metric.pk, "strength": "strong"},
        )
    ) == {"column_id"}
    assert fields(
        client.put(
            f"/xmatrices/{matrix.pk}/correlations",
            {"row_id": annual.pk, "column_id": metric.pk, "strength": "huge"},
        )
    ) == {"strength"}


def test_permissions_and_other_organizations(world: World, api_as) -> None:  # type: ignore[no-untyped-def]
    matrix = services.create_xmatrix(actor=world.alice, year=2026)
    assert api_as(world.vic).get(f"/xmatrices/{matrix.pk}").status_code == 200
    assert api_as(world.mo).post("/xmatrices", {"year": 2027}).status_code == 403
    assert (
        api_as(world.vic).post(f"/xmatrices/{matrix.pk}/items", {"kind": "metric", "title": "x"})
    ).status_code == 403
    outsider = api_as(world.oscar)
    assert outsider.get(f"/xmatrices/{matrix.pk}").status_code == 404
    assert outsider.delete(f"/xmatrices/{matrix.pk}").status_code == 404
    assert outsider.get("/xmatrices").json()["items"] == []


def test_list_and_detail_query_counts_do_not_grow(world: World, api_as) -> None:  # type: ignore[no-untyped-def]
    client = api_as(world.alice)
    client.get("/xmatrices")  # the token's first use is recorded once
    counts = []
    for year, n in ((2026, 1), (2027, 6)):
        matrix = services.create_xmatrix(actor=world.alice, year=year)
        for i in range(n):
            for kind in ("breakthrough", "annual", "priority", "metric"):
                services.add_item(actor=world.alice, matrix=matrix, kind=kind, title=f"{kind} {i}")
            services.add_resource(actor=world.alice, matrix=matrix, label=f"Group {i}")
        with CaptureQueriesContext(connection) as listing:
            assert client.get("/xmatrices").status_code == 200
        with CaptureQueriesContext(connection) as detail:
            body = client.get(f"/xmatrices/{matrix.pk}").json()
        assert len(body["items"]) == 4 * n
        counts.append((len(listing), len(detail)))
    assert counts[0] == counts[1] == (3, 7), counts
