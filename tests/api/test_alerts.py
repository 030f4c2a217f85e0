"""Alerts through the API: the alert policy on KPIs, their notification log and health history,
and the alert channels (admins only; the secret only in the answer that creates it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.kpis import services
from headway.kpis.models import AlertChannel, Kpi
from tests.factories import World, make_kpi

T0 = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def nps(world: World) -> Kpi:
    return make_kpi(
        world.org,
        "nps",
        name="NPS",
        cadence="month",
        owner_team=world.growth,
        critical_threshold=20,
    )


def test_the_alert_policy_is_part_of_a_kpi(world: World, api_as: Any) -> None:
    client = api_as(world.alice)
    created = client.post("/kpis", {"name": "Churn", "direction": "lower", "alert_after": 2})
    assert created.status_code == 201, created.json()
    kpi = created.json()
    assert {
        k: kpi[k]
        for k in (
            "alert_level",
            "alert_after",
            "resolve_after",
            "repeat_hours",
            "notify_no_data",
            "health",
            "alert_state",
        )
    } == {
        "alert_level": "critical",
        "alert_after": 2,
        "resolve_after": 1,
        "repeat_hours": 168,
        "notify_no_data": True,
        "health": "unknown",
        "alert_state": "normal",
    }
    patched = client.patch(
        f"/kpis/{kpi['id']}", {"alert_level": "warning", "repeat_hours": 0, "notify_no_data": False}
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["alert_level"], patched.json()["repeat_hours"]) == ("warning", 0)
    assert patched.json()["alert_after"] == 2  # left as it was


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"alert_after": 0}, "alert_after", "must be at least 1"),
        ({"resolve_after": 1001}, "resolve_after", "must be at most 1000"),
        ({"repeat_hours": -5}, "repeat_hours", "must be at least 0"),
        ({"alert_level": "sometimes"}, "alert_level", "must be one of critical, warning"),
        ({"alert_after": None}, "alert_after", "must be a whole number"),
        ({"notify_no_data": None}, "notify_no_data", "must be true or false"),
        ({"alert_after": "often"}, "alert_after", None),  # the schema refuses it
        ({"repeat_hours": 10**30}, "repeat_hours", "must be at most 8760"),
    ],
)
def test_bad_alert_policies_name_the_field(
    world: World, nps: Kpi, api_as: Any, body: dict[str, Any], field: str, message: str | None
) -> None:
    response = api_as(world.alice).patch(f"/kpis/{nps.pk}", body)
    assert response.status_code == 422, response.json()
    [detail] = response.json()["detail"]
    assert detail["loc"][-1] == field
    if message is not None:
        assert detail["msg"] == message
    nps.refresh_from_db()
    assert (nps.alert_level, nps.alert_after, nps.repeat_hours) == ("critical", 1, 168)


def test_notifications_and_health_changes_of_a_kpi(
    world: World, nps: Kpi, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    api_as(world.alice).post(
        "/alert-channels", {"name": "Ops", "kind": "email", "recipients": "ops@example.com"}
    )
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.upsert_measurements(
            actor=world.lena, kpi=nps, rows=[{"period": "2026-10-01", "value": 12}]
        )
    client = api_as(world.vic)  # everyone reads them

    kpi = client.get(f"/kpis/{nps.pk}").json()
    assert (kpi["health"], kpi["alert_state"]) == ("red", "alerting")
    assert kpi["alert_state_since"] == "2026-11-16T09:00:00Z"
    [notification] = client.get(f"/kpis/{nps.pk}/notifications").json()["items"]
    assert notification | {"id": 0, "payload": {}, "channel_id": 0} == {
        "id": 0,
        "kpi_id": nps.pk,
        "channel_id": 0,
        "channel_name": "Ops",
        "event": "firing",
        "created_at": "2026-11-16T09:00:00Z",
        "subject": "[Acme] Firing: NPS (Critical)",
        "payload": {},
        "status": "sent",
        "attempts": 1,
        "next_attempt_at": None,
        "delivered_at": "2026-11-16T09:00:00Z",
        "last_error": "",
    }
    assert notification["payload"]["headway"]["value"] == 12
    [change] = client.get(f"/kpis/{nps.pk}/health-changes").json()["items"]
    assert {k: change[k] for k in ("before", "after", "period", "value")} == {
        "before": "unknown",
        "after": "red",
        "period": "2026-10-01",
        "value": 12,
    }
    other = api_as(world.oscar)
    assert other.get(f"/kpis/{nps.pk}/notifications").status_code == 404
    assert other.get(f"/kpis/{nps.pk}/health-changes").status_code == 404


def test_channels_crud_for_admins_with_the_secret_shown_once(
    world: World, nps: Kpi, api_as: Any
) -> None:
    client = api_as(world.alice)
    created = client.post(
        "/alert-channels",
        {
            "name": "Slack",
            "kind": "webhook",
            "url": "https://hooks.example.com/x",
            "kpi_ids": [nps.pk],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    channel = AlertChannel.objects.get()
    assert body["secret"] == channel.secret and body["secret"].startswith("hws_")
    assert body["kpi_ids"] == [nps.pk] and body["enabled"] is True

    for answer in (
        client.get(f"/alert-channels/{channel.pk}").json(),
        client.get("/alert-channels").json()["items"][0],
        client.patch(f"/alert-channels/{channel.pk}", {"enabled": False, "kpi_ids": []}).json(),
    ):
        assert "secret" not in answer and channel.secret not in str(answer)
    channel.refresh_from_db()
    assert not channel.enabled and not channel.kpis.exists()

    rotated = client.post(f"/alert-channels/{channel.pk}/secret", {})
    assert rotated.status_code == 200
    channel.refresh_from_db()
    assert rotated.json() == {"secret": channel.secret} and channel.secret != body["secret"]

    assert client.delete(f"/alert-channels/{channel.pk}").status_code == 204
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "E", "kind": "email", "recipients": "nobody"}, "recipients"),
        ({"name": "E", "kind": "email"}, "recipients"),
        ({"name": "W", "kind": "webhook", "url": "javascript:alert(1)"}, "url"),
        ({"name": "W", "kind": "sms"}, "kind"),
        ({"name": "", "kind": "email", "recipients": "a@example.com"}, "name"),
        (
            {"name": "E", "kind": "email", "recipients": "a@example.com", "kpi_ids": [10**9]},
            "kpi_ids",
        ),
        ({"name": "E", "kind": "email", "recipients": "a@example.com", "kpi_ids": [0]}, "0"),
        (
            {"name": "E", "kind": "email", "recipients": "a@example.com", "kpi_ids": "all"},
            "kpi_ids",
        ),
    ],
)
def test_bad_channels_name_the_field(
    world: World, api_as: Any, body: dict[str, Any], field: str
) -> None:
    response = api_as(world.alice).post("/alert-channels", body)
    assert response.status_code == 422, response.json()
    assert field in [str(part) for part in response.json()["detail"][0]["loc"]]
    assert not AlertChannel.objects.exists()


def test_kind_cannot_change_and_another_kpi_is_not_found(
    world: World, nps: Kpi, api_as: Any
) -> None:
    client = api_as(world.alice)
    channel = client.post(
        "/alert-channels", {"name": "Ops", "kind": "email", "recipients": "ops@example.com"}
    ).json()
    changed = client.patch(f"/alert-channels/{channel['id']}", {"kind": "webhook"})
    assert changed.status_code == 422
    assert changed.json()["detail"][0]["msg"] == "cannot be changed; add a new channel instead"
    theirs = make_kpi(world.other_org, "theirs")
    foreign = client.patch(f"/alert-channels/{channel['id']}", {"kpi_ids": [theirs.pk]})
    assert foreign.status_code == 422
    assert foreign.json()["detail"][0]["msg"] == f"no KPI {theirs.pk} in this organization"
    email = client.post(f"/alert-channels/{channel['id']}/secret", {})
    assert email.status_code == 422


def test_only_admins_reach_channels_and_only_their_own(world: World, api_as: Any) -> None:
    channel = (
        api_as(world.alice)
        .post("/alert-channels", {"name": "Ops", "kind": "email", "recipients": "ops@example.com"})
        .json()
    )
    url = f"/alert-channels/{channel['id']}"
    for who in (world.lena, world.mo, world.vic):
        client = api_as(who)
        assert client.get("/alert-channels").status_code == 403
        assert client.get(url).status_code == 403
        assert client.patch(url, {"enabled": False}).status_code == 403
        assert client.delete(url).status_code == 403
        assert client.post("/alert-channels", {"name": "X", "kind": "email"}).status_code == 403
    read_only = api_as(world.alice, scope="read")
    assert read_only.get(url).status_code == 200
    assert read_only.patch(url, {"enabled": False}).status_code == 403
    oscar = api_as(world.oscar)
    assert oscar.get(url).status_code == 404
    assert oscar.delete(url).status_code == 404
    assert oscar.get("/alert-channels").json()["items"] == []
    assert AlertChannel.objects.get().enabled


def test_a_channel_reads_in_a_fixed_number_of_queries(world: World, api_as: Any) -> None:
    kpis = [make_kpi(world.org, f"k{i}") for i in range(5)]
    client = api_as(world.alice)
    channel = client.post(
        "/alert-channels",
        {
            "name": "Ops",
            "kind": "email",
            "recipients": "ops@example.com",
            "kpi_ids": [k.pk for k in kpis],
        },
    ).json()
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/alert-channels/{channel['id']}")
    assert answer.json()["kpi_ids"] == sorted(k.pk for k in kpis)
    # The token (its last use was written a moment ago, by the POST); the channel; its KPIs.
    assert len(captured.captured_queries) == 3
