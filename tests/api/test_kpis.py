"""KPIs, measurements and benchmarks through the API."""

from __future__ import annotations

import pytest

from headway.kpis.models import Measurement
from tests.factories import make_kpi


@pytest.fixture
def nps(world):  # type: ignore[no-untyped-def]
    return make_kpi(world.org, "nps", name="NPS", cadence="month", owner_team=world.growth)


def test_same_period_twice_is_replaced_not_duplicated(world, nps, api_as):
    client = api_as(world.lena)
    url = f"/kpis/{nps.pk}/measurements"

    first = client.post(url, {"measurements": [{"period": "2026-10-01", "value": 31}]})
    # Any day of October names the same monthly period.
    again = client.post(url, {"measurements": [{"period": "2026-10-17", "value": "32.5"}]})
    same = client.post(url, {"measurements": [{"period": "2026-10-01", "value": 32.5}]})

    assert first.json() == {"created": 1, "replaced": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "replaced": 1, "unchanged": 0}
    assert same.json() == {"created": 0, "replaced": 0, "unchanged": 1}
    rows = list(Measurement.objects.filter(kpi=nps).values_list("period", "value"))
    assert [(p.isoformat(), float(v)) for p, v in rows] == [("2026-10-01", 32.5)]
    listed = client.get(url).json()
    assert [(m["period"], m["value"]) for m in listed["items"]] == [("2026-10-01", 32.5)]


def test_one_bad_row_rejects_the_batch_and_names_it(world, nps, api_as):
    response = api_as(world.lena).post(
        f"/kpis/{nps.pk}/measurements",
        {
            "measurements": [
                {"period": "2026-09-01", "value": 30},
                {"period": "2026-10-01", "value": "n/a"},
                {"period": "last month", "value": 3},
            ]
        },
    )

    assert response.status_code == 422
    locs = {tuple(d["loc"]) for d in response.json()["detail"]}
    assert locs == {("body", "measurements[1]", "value"), ("body", "measurements[2]", "period")}
    assert Measurement.objects.count() == 0


def test_bulk_by_key_and_unknown_kpi(world, nps, api_as):
    make_kpi(world.org, "bounce-rate", cadence="week", owner_team=world.growth)
    client = api_as(world.lena)

    ok = client.post(
        "/measurements",
        {
            "measurements": [
                {"kpi": "nps", "period": "2026-10-01", "value": 32},
                {"kpi": "bounce-rate", "period": "2026-10-07", "value": 41.2},
            ]
        },
    )
    unknown = client.post(
        "/measurements",
        {
            "measurements": [
                {"kpi": "nps", "period": "2026-11-01", "value": 33},
                {"kpi": "churn", "period": "2026-11-01", "value": 2},
            ]
        },
    )

    assert ok.json() == {"created": 2, "replaced": 0, "unchanged": 0}
    # Weekly periods start on Monday.
    assert Measurement.objects.get(kpi__key="bounce-rate").period.isoformat() == "2026-10-05"
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "measurements[1]", "kpi"]
    assert "churn" in unknown.json()["detail"][0]["msg"]
    assert Measurement.objects.count() == 2  # all or nothing
    assert client.get("/kpis/999999").status_code == 404
    assert client.post("/kpis/999999/measurements", {"measurements": []}).status_code == 404


def test_kpi_of_another_organization_is_404(world, nps, api_as):
    client = api_as(world.oscar)
    assert client.get(f"/kpis/{nps.pk}").status_code == 404
    body = {"measurements": [{"period": "2026-10-01", "value": 1}]}
    assert client.post(f"/kpis/{nps.pk}/measurements", body).status_code == 404
    assert (
        client.post(
            "/measurements", {"measurements": [{"kpi": "nps", **body["measurements"][0]}]}
        ).status_code
        == 422
    )
    assert Measurement.objects.count() == 0


def test_create_kpi_and_benchmark(world, api_as):
    client = api_as(world.alice)

    created = client.post(
        "/kpis",
        {
            "name": "Customer acquisition cost",
            "unit": "$",
            "direction": "lower",
            "cadence": "month",
            "target": 80,
        },
    )
    assert created.status_code == 201, created.json()
    kpi = created.json()
    assert (kpi["key"], kpi["direction"], kpi["target"]) == (
        "customer-acquisition-cost",
        "lower",
        80,
    )
    bench = client.post(
        f"/kpis/{kpi['id']}/benchmarks",
        {"name": "Competitor CAC", "value": 95, "source": "Survey 2026"},
    )
    assert bench.status_code == 201
    assert client.get(f"/kpis/{kpi['id']}/benchmarks").json()["items"][0]["value"] == 95
    duplicate = client.post("/kpis", {"name": "Customer acquisition cost"})
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["body", "key"]
    bad = client.post("/kpis", {"name": "X", "direction": "sideways", "cadence": "hourly"})
    assert {d["loc"][-1] for d in bad.json()["detail"]} == {"direction", "cadence"}
    patched = client.patch(f"/kpis/{kpi['id']}", {"target": 75, "critical_threshold": 120})
    assert (patched.json()["target"], patched.json()["critical_threshold"]) == (75, 120)


def test_viewer_and_member_cannot_write_kpis(world, nps, api_as):
    body = {"measurements": [{"period": "2026-10-01", "value": 1}]}
    assert api_as(world.vic).post(f"/kpis/{nps.pk}/measurements", body).status_code == 403
    assert api_as(world.mo).post(f"/kpis/{nps.pk}/measurements", body).status_code == 403
    assert api_as(world.vic).get(f"/kpis/{nps.pk}").status_code == 200
