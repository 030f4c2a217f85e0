"""Raw events and data sources through the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from headway.kpis.models import DataSource, Kpi, Measurement, RawEvent
from tests.factories import World, make_kpi


@pytest.fixture
def signups(world: World) -> Kpi:
    return make_kpi(world.org, "signups", owner=world.mo, cadence="day", aggregation="sum")


def test_events_are_aggregated_per_period(world: World, api_as: Any, signups: Kpi) -> None:
    client = api_as(world.mo)
    url = f"/kpis/{signups.pk}/events"
    first = client.post(
        url,
        {
            "events": [
                {"at": "2026-11-02T09:00:00Z", "value": 3},
                {"at": "2026-11-02T17:00:00+01:00", "value": "4.5"},
                {"at": "2026-11-03T08:00:00Z", "value": 1},
            ]
        },
    )
    assert first.status_code == 200, first.content
    assert first.json() == {
        "received": 3,
        "periods": 2,
        "created": 2,
        "replaced": 0,
        "unchanged": 0,
    }

    late = client.post(url, {"events": [{"at": "2026-11-02T23:00:00Z", "value": 2}]})
    assert late.json() == {"received": 1, "periods": 1, "created": 0, "replaced": 1, "unchanged": 0}
    assert dict(Measurement.objects.values_list("period", "value")) == {
        dt.date(2026, 11, 2): Decimal("9.5"),
        dt.date(2026, 11, 3): 1,
    }


def test_bad_events_are_named_by_index(world: World, api_as: Any, signups: Kpi) -> None:
    response = api_as(world.mo).post(
        f"/kpis/{signups.pk}/events",
        {
            "events": [
                {"at": "2026-11-02T09:00:00Z", "value": 1},
                {"at": "last tuesday", "value": 1},
                {"at": "2026-11-02", "value": "a lot"},
            ]
        },
    )
    assert response.status_code == 422
    assert {tuple(d["loc"]) for d in response.json()["detail"]} == {
        ("body", "events[1]", "at"),
        ("body", "events[2]", "value"),
    }
    # A value of the wrong JSON type is caught by the schema, still naming the row.
    typed = api_as(world.mo).post(
        f"/kpis/{signups.pk}/events", {"events": [{"at": "2026-11-02", "value": [1]}]}
    )
    assert typed.status_code == 422
    assert typed.json()["detail"][0]["loc"][:5] == ["body", "payload", "events", 0, "value"]
    assert not RawEvent.objects.exists()


def test_who_may_send_events(world: World, api_as: Any, signups: Kpi) -> None:
    body = {"events": [{"at": "2026-11-02", "value": 1}]}
    url = f"/kpis/{signups.pk}/events"
    assert api_as(world.vic).post(url, body).status_code == 403
    assert api_as(world.mo, scope="read").post(url, body).status_code == 403
    assert api_as(world.oscar).post(url, body).status_code == 404
    assert not RawEvent.objects.exists()


def test_a_body_over_the_limit_is_a_json_413(
    world: World, api_as: Any, signups: Kpi, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    events = [{"at": "2026-11-02", "value": i} for i in range(100)]
    response = api_as(world.mo).post(f"/kpis/{signups.pk}/events", {"events": events})
    assert response.status_code == 413
    assert response.json() == {
        "detail": "the request body is larger than 0.000976562 MB; send smaller batches"
    }


def test_data_sources_are_created_listed_changed_run_and_deleted(
    world: World, api_as: Any, signups: Kpi, settings: Any, tmp_path: Any
) -> None:
    import sqlite3

    database = tmp_path / "dw.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE t (day TEXT, n INTEGER)")
        db.execute("INSERT INTO t VALUES ('2026-11-02', 12)")
    db.close()
    settings.HEADWAY_SQL_SOURCES = {"dw": f"sqlite:///{database}"}
    client = api_as(world.mo)
    url = f"/kpis/{signups.pk}/sources"

    created = client.post(
        url, {"name": "Warehouse", "kind": "sql", "connection": "dw", "query": "SELECT 1, 2, 3"}
    )
    assert created.status_code == 201, created.content
    source = created.json()
    assert (source["kind"], source["every_minutes"], source["last_status"]) == ("sql", 60, "")

    failed = client.post(f"{url}/{source['id']}/run", {})
    assert failed.status_code == 200
    assert failed.json()["last_status"] == "error"
    assert "not 3 columns" in failed.json()["last_message"]

    patched = client.patch(f"{url}/{source['id']}", {"query": "SELECT day, n FROM t"})
    assert patched.status_code == 200
    ran = client.post(f"{url}/{source['id']}/run", {}).json()
    assert (ran["last_status"], ran["last_message"]) == (
        "ok",
        "1 value: 1 new, 0 replaced, 0 unchanged",
    )
    assert Measurement.objects.get(kpi=signups).source == "query"

    listed = api_as(world.vic).get(url).json()
    assert listed["count"] == 1 and listed["items"][0]["name"] == "Warehouse"

    assert api_as(world.vic).delete(f"{url}/{source['id']}").status_code == 403
    assert client.delete(f"{url}/{source['id']}").status_code == 204
    assert not DataSource.objects.exists()


def test_bad_sources_answer_422_naming_the_field(world: World, api_as: Any, signups: Kpi) -> None:
    client = api_as(world.mo)
    url = f"/kpis/{signups.pk}/sources"
    response = client.post(
        url, {"name": "Feed", "kind": "json", "url": "file:///etc/passwd", "every_minutes": 0}
    )
    assert response.status_code == 422
    assert {d["loc"][-1]: d["msg"] for d in response.json()["detail"]} == {
        "url": "must be an http:// or https:// URL",
        "every_minutes": "must be at least 1 minute",
    }
    typed = client.post(url, {"name": "Feed", "kind": "json", "every_minutes": "often"})
    assert typed.status_code == 422
    assert typed.json()["detail"][0]["loc"][-1] == "every_minutes"
    assert not DataSource.objects.exists()


def test_another_organizations_sources_are_not_found(
    world: World, api_as: Any, signups: Kpi
) -> None:
    theirs = make_kpi(world.other_org, "churn", owner=world.oscar)
    source = DataSource.objects.create(
        organization=world.other_org, kpi=theirs, name="x", kind="json", url="https://x.test"
    )
    client = api_as(world.alice)
    assert client.get(f"/kpis/{theirs.pk}/sources").status_code == 404
    # Nor through one of our KPIs: a source belongs to its KPI.
    for kpi in (signups, theirs):
        path = f"/kpis/{kpi.pk}/sources/{source.pk}"
        assert client.delete(path).status_code == 404
        assert client.post(path + "/run", {}).status_code == 404
        assert client.patch(path, json.loads('{"name": "mine"}')).status_code == 404
    assert DataSource.objects.get().name == "x"
