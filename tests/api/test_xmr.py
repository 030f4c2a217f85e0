"""A KPI's XmR chart through the API: GET /kpis/{id}/xmr, and re-baselining it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.kpis.models import Kpi, Measurement, XmrBaseline
from tests.conftest import NOW
from tests.factories import World, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")

WHEELER = [5045, 4350, 4350, 3975, 4290, 4430, 4485, 4285,
           3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]  # fmt: skip
MONTHS = [dt.date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(16)]


@pytest.fixture
def orders(world: World) -> Kpi:
    kpi = make_kpi(world.org, "orders", name="Orders", owner=world.mo, owner_team=world.growth)
    Measurement.objects.bulk_create(
        Measurement(organization=world.org, kpi=kpi, period=p, value=Decimal(v), recorded_at=NOW)
        for p, v in zip(MONTHS, WHEELER, strict=True)
    )
    return kpi


def test_the_chart_gives_wheelers_figures_and_every_point(
    world: World, orders: Kpi, api_as: Any
) -> None:
    response = api_as(world.vic, scope="read").get(f"/kpis/{orders.pk}/xmr")

    assert response.status_code == 200
    data = response.json()
    assert (data["kpi_id"], data["kpi_key"], data["direction"]) == (orders.pk, "orders", "higher")
    figures = {k: round(data[k], 2) for k in ("centre_line", "mr_bar", "unpl", "lnpl", "url")}
    assert figures == {
        "centre_line": 4135.50,
        "mr_bar": 355.93,
        "unpl": 5082.28,
        "lnpl": 3188.72,
        "url": 1163.19,
    }
    assert round(data["upper_halfway"], 2) == round(4135.5 + 1.33 * 355.9333, 2)
    assert round(data["lower_halfway"], 2) == round(4135.5 - 1.33 * 355.9333, 2)
    assert len(data["points"]) == 16
    assert data["points"][0] == {
        "period": "2025-07-01",
        "value": 5045.0,
        "moving_range": None,
        "rules": [],
        "signal": None,
        "segment": 0,
    }
    assert data["points"][1]["moving_range"] == 695.0
    assert [p["period"] for p in data["points"] if p["rules"]] == ["2026-10-01"]
    assert data["points"][-1]["rules"] == [1] and data["points"][-1]["signal"] == "improvement"
    assert data["baseline"] == {
        "id": None,
        "starts_on": "2025-07-01",
        "size": 20,
        "points": 16,
        "ends_on": "2026-10-01",
        "provisional": True,
        "locked_since": None,
        "note": "",
        "created_by_id": None,
        "created_by": None,
        "created_at": None,
    }
    assert [s["starts_on"] for s in data["segments"]] == ["2025-07-01"]
    assert data["signals"] == {"improvement": 1, "concern": 0}


def test_rebaseline_answers_with_the_new_segments(world: World, orders: Kpi, api_as: Any) -> None:
    client = api_as(world.mo)

    response = client.post(
        f"/kpis/{orders.pk}/xmr/baselines",
        {"starts_on": "2026-01-15", "size": 4, "note": "new supplier"},
    )

    assert response.status_code == 201
    data = response.json()
    first, second = data["segments"]
    assert (first["starts_on"], first["ends_on"]) == ("2025-07-01", "2025-12-01")
    assert second["starts_on"] == "2026-01-01"
    row = XmrBaseline.objects.get()
    assert second["baseline"] == {
        "id": row.pk,
        "starts_on": "2026-01-01",
        "size": 4,
        "points": 4,
        "ends_on": "2026-04-01",
        "provisional": False,
        "locked_since": "2026-04-01",
        "note": "new supplier",
        "created_by_id": world.mo.pk,
        "created_by": "Mo",
        "created_at": "2026-11-16T09:00:00Z",
    }
    # The current limits are the new segment's.
    assert data["baseline"] == second["baseline"]
    assert data["centre_line"] == second["centre_line"] == sum(WHEELER[6:10]) / 4
    assert data["points"][6]["moving_range"] is None and data["points"][6]["segment"] == 1
    assert client.get(f"/kpis/{orders.pk}/xmr").json() == data
    assert AuditEvent.objects.filter(action="xmr_baseline.create").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2027-01-01"}, "starts_on"),
        ({"starts_on": "next week"}, "starts_on"),
        ({"starts_on": "2026-01-01", "size": 1}, "size"),
        ({"starts_on": "2026-01-01", "size": 1000}, "size"),
        ({"starts_on": "2026-01-01", "size": "lots"}, "size"),
        ({"starts_on": "2026-01-01", "size": 2**70}, "size"),
        ({"starts_on": "2026-01-01", "note": "x" * 3000}, "note"),
        ({"starts_on": "2026-01-01", "note": "nul \x00"}, "note"),
        ({"size": 5}, "starts_on"),
        ({"starts_on": ["2026-01-01"]}, "starts_on"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    world: World, orders: Kpi, api_as: Any, body: dict[str, Any], field: str
) -> None:
    response = api_as(world.mo).post(f"/kpis/{orders.pk}/xmr/baselines", body)

    assert response.status_code == 422, response.content
    assert field in response.json()["detail"][0]["loc"]
    assert not XmrBaseline.objects.exists()


def test_a_second_baseline_in_the_same_period_is_refused(
    world: World, orders: Kpi, api_as: Any
) -> None:
    client = api_as(world.mo)
    url = f"/kpis/{orders.pk}/xmr/baselines"
    assert client.post(url, {"starts_on": "2026-01-01"}).status_code == 201

    again = client.post(url, {"starts_on": "2026-01-31", "size": "5"})

    assert again.status_code == 422
    assert again.json()["detail"] == [
        {
            "loc": ["body", "starts_on"],
            "msg": "a baseline already starts in Jan 2026",
            "type": "value_error",
        }
    ]


def test_who_may_read_and_who_may_rebaseline(world: World, orders: Kpi, api_as: Any) -> None:
    body = {"starts_on": "2026-01-01"}
    url = f"/kpis/{orders.pk}/xmr"

    assert api_as(world.oscar).get(url).status_code == 404
    assert api_as(world.oscar).post(f"{url}/baselines", body).status_code == 404
    assert api_as(world.mo).get("/kpis/999999/xmr").status_code == 404
    assert api_as(world.mo, scope="read").post(f"{url}/baselines", body).status_code == 403
    assert api_as(world.vic).post(f"{url}/baselines", body).status_code == 403
    assert not XmrBaseline.objects.exists()


def test_undo_a_rebaseline(world: World, orders: Kpi, api_as: Any) -> None:
    client = api_as(world.mo)
    client.post(f"/kpis/{orders.pk}/xmr/baselines", {"starts_on": "2026-01-01"})
    row = XmrBaseline.objects.get()
    other = make_kpi(world.org, "other", owner=world.mo)

    assert (
        api_as(world.oscar).delete(f"/kpis/{orders.pk}/xmr/baselines/{row.pk}").status_code == 404
    )
    assert client.delete(f"/kpis/{other.pk}/xmr/baselines/{row.pk}").status_code == 404
    assert api_as(world.vic).delete(f"/kpis/{orders.pk}/xmr/baselines/{row.pk}").status_code == 403
    assert client.delete(f"/kpis/{orders.pk}/xmr/baselines/{row.pk}").status_code == 204

    assert not XmrBaseline.objects.exists()
    assert len(client.get(f"/kpis/{orders.pk}/xmr").json()["segments"]) == 1


@pytest.mark.parametrize("size", [3, 300])
def test_the_chart_takes_the_same_queries_whatever_the_history(
    world: World, api_as: Any, size: int
) -> None:
    kpi = make_kpi(world.org, "daily", cadence="day")
    start = dt.date(2026, 1, 1)
    Measurement.objects.bulk_create(
        Measurement(
            organization=world.org,
            kpi=kpi,
            period=start + dt.timedelta(days=i),
            value=Decimal(i % 7),
            recorded_at=NOW,
        )
        for i in range(size)
    )
    XmrBaseline.objects.create(
        organization=world.org, kpi=kpi, starts_on=start, size=2, created_by=world.mo,
        created_at=NOW,
    )  # fmt: skip
    client = api_as(world.vic)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/kpis/{kpi.pk}/xmr").status_code == 200
    # The token and its last use; the KPI; its values; its re-baselines with who made them.
    assert len(captured.captured_queries) == 5


def test_the_openapi_document_still_builds(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "get" in paths["/api/v1/kpis/{kpi_id}/xmr"]
    assert "post" in paths["/api/v1/kpis/{kpi_id}/xmr/baselines"]
    assert "delete" in paths["/api/v1/kpis/{kpi_id}/xmr/baselines/{baseline_id}"]
    # The KPI routes of the other router on the same prefix are all still there.
    assert "/api/v1/kpis/{kpi_id}/measurements" in paths
