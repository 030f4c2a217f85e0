"""The alert pages: admins manage channels, everyone reads a KPI's alerts, and the KPI form edits
the alert policy. alice is the admin, lena a lead, mo owns the KPI, vic a viewer, oscar elsewhere.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.kpis import alert_services, services
from headway.kpis.models import AlertChannel, Kpi
from tests.conftest import NOW
from tests.factories import World, login, make_kpi
from tests.kpis.webhooks import receiver

pytestmark = pytest.mark.usefixtures("frozen")


def page(response: Any) -> str:
    return response.content.decode()


def error_beside(content: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{field_id}_error">(.*?)</p>', content)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


def typed(content: str, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', content)
    assert tag, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def textarea(content: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', content, re.S)
    assert found, f"no textarea {field_id}"
    return html.unescape(found.group(1)).strip()


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def nps(world: World) -> Kpi:
    return make_kpi(
        world.org, "nps", name="NPS", cadence="month", owner=world.mo, critical_threshold=20
    )


@pytest.fixture
def ops(world: World) -> AlertChannel:
    return alert_services.create_channel(
        actor=world.alice, name="Ops", kind="email", recipients="ops@example.com"
    )


# --- who may see the channels -----------------------------------------------------------------


def test_only_admins_manage_channels(client: Client, world: World, ops: AlertChannel) -> None:
    urls = [
        "/kpis/alerts/",
        "/kpis/alerts/new/",
        f"/kpis/alerts/{ops.pk}/",
        f"/kpis/alerts/{ops.pk}/delete/",
    ]
    posts = [f"/kpis/alerts/{ops.pk}/{action}/" for action in ("toggle", "test", "delete")]
    assert client.get(urls[0])["Location"].startswith("/sign-in/")
    for who in (world.lena, world.mo, world.vic):
        login(client, who)
        for url in urls:
            assert client.get(url).status_code == 403, (who, url)
        for url in posts:
            assert client.post(url).status_code == 403, (who, url)
    ops.refresh_from_db()
    assert ops.enabled
    # Another organization's admin does not find it.
    login(client, world.oscar)
    assert client.get("/kpis/alerts/").status_code == 200
    for url in urls[2:]:
        assert client.get(url).status_code == 404, url
    assert client.post(posts[0]).status_code == 404
    assert "Ops" not in page(client.get("/kpis/alerts/"))


def test_the_dashboard_links_admins_to_the_channels(client: Client, world: World) -> None:
    assert 'href="/kpis/alerts/"' in page(login(client, world.alice).get("/kpis/"))
    assert 'href="/kpis/alerts/"' not in page(login(client, world.mo).get("/kpis/"))


# --- adding and changing channels -------------------------------------------------------------


def test_add_a_webhook_for_chosen_kpis_and_see_its_secret(
    client: Client, world: World, nps: Kpi
) -> None:
    login(client, world.alice)
    other = make_kpi(world.org, "churn", name="Churn")
    response = client.post(
        "/kpis/alerts/new/",
        {
            "name": "Slack #growth",
            "kind": "webhook",
            "url": "https://hooks.example.com/T1/B2",
            "kpis": [str(nps.pk)],
            "enabled": "on",
        },
    )
    channel = AlertChannel.objects.get(name="Slack #growth")
    assert response.status_code == 302 and response["Location"] == f"/kpis/alerts/{channel.pk}/"
    assert channel.secret.startswith("hws_") and len(channel.secret) > 40
    assert list(channel.kpis.all()) == [nps]

    content = page(client.get(response["Location"]))
    assert f'<code data-testid="secret">{channel.secret}</code>' in content
    listing = page(client.get("/kpis/alerts/"))
    assert "<code>https://hooks.example.com/T1/B2</code>" in listing
    assert "<td>NPS</td>" in listing and other.name not in listing
    event = AuditEvent.objects.get(action="alert_channel.create")
    assert event.after is not None and event.after["kpi_ids"] == [nps.pk]
    assert channel.secret not in str(event.after)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "Ops"}, "name", "a channel named 'Ops' already exists"),
        (
            {"recipients": "ops@example.com, not-an-address"},
            "recipients",
            "'not-an-address' is not an e-mail address",
        ),
        ({"recipients": " "}, "recipients", "is required: at least one e-mail address"),
        (
            {"kind": "webhook", "url": "ftp://files.example.com/"},
            "url",
            "must be an http:// or https:// URL",
        ),
        ({"kind": "webhook", "url": ""}, "url", "is required"),
        ({"kind": "pager"}, "kind", "Select a valid choice. pager is not one of the available"),
    ],
)
def test_bad_channels_are_refused_beside_the_field_keeping_what_was_typed(
    client: Client,
    world: World,
    ops: AlertChannel,
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    login(client, world.alice)
    sent = {"name": "Growth leads", "kind": "email", "recipients": "a@example.com", **data}
    response = client.post("/kpis/alerts/new/", sent)
    assert response.status_code == 422
    content = page(response)
    assert error_beside(content, f"id_{field}").startswith(message)
    assert typed(content, "id_name") == sent["name"]
    assert textarea(content, "id_recipients") == sent["recipients"].strip()
    assert AlertChannel.objects.count() == 1


def test_edit_switch_off_test_and_delete_a_channel(
    client: Client, world: World, nps: Kpi, ops: AlertChannel
) -> None:
    login(client, world.alice)
    edit = page(client.get(f"/kpis/alerts/{ops.pk}/"))
    assert textarea(edit, "id_recipients") == "ops@example.com"
    assert 'id="id_url"' not in edit  # an e-mail channel has no URL to edit
    assert 'name="kind"' in edit and "disabled" in re.search(r"<select[^>]*kind[^>]*>", edit)[0]

    refused = client.post(f"/kpis/alerts/{ops.pk}/", {"name": "Ops", "recipients": "nope"})
    assert refused.status_code == 422
    assert error_beside(page(refused), "id_recipients") == "'nope' is not an e-mail address"

    saved = client.post(
        f"/kpis/alerts/{ops.pk}/",
        follow=True,
        data={
            "name": "Ops team",
            "recipients": "a@example.com\nb@example.com",
            "kpis": [nps.pk],
            "enabled": "on",
            "kind": "webhook",
        },  # the kind cannot change: a disabled field
    )
    assert messages_of(saved) == ["Channel Ops team saved."]
    ops.refresh_from_db()
    assert (ops.name, ops.kind, ops.recipients) == (
        "Ops team",
        "email",
        "a@example.com, b@example.com",
    )
    assert list(ops.kpis.all()) == [nps]

    toggled = client.post(f"/kpis/alerts/{ops.pk}/toggle/", follow=True)
    assert messages_of(toggled) == ["Channel Ops team disabled."]
    ops.refresh_from_db()
    assert not ops.enabled

    tested = client.post(f"/kpis/alerts/{ops.pk}/test/", follow=True)
    assert messages_of(tested) == ["A test message went to Ops team."]
    [message] = mail.outbox
    assert message.subject == "[Acme] Test message for Ops team"
    assert message.to == ["a@example.com", "b@example.com"]

    assert "Delete the channel Ops team?" in page(client.get(f"/kpis/alerts/{ops.pk}/delete/"))
    client.post(f"/kpis/alerts/{ops.pk}/delete/")
    assert not AlertChannel.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="alert_channel.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "alert_channel.create",
        "alert_channel.update",
        "alert_channel.update",
        "alert_channel.delete",
    ]


def test_a_webhook_test_reports_the_receivers_answer_and_a_new_secret_replaces_the_old(
    client: Client, world: World
) -> None:
    login(client, world.alice)
    with receiver(500) as hook:
        channel = alert_services.create_channel(
            actor=world.alice, name="Hook", kind="webhook", url=hook.url
        )
        failed = client.post(f"/kpis/alerts/{channel.pk}/test/", follow=True)
        assert messages_of(failed) == [
            "The test to Hook failed: HTTP 500 Internal Server Error: receiver says no"
        ]
        old = channel.secret
        rotated = client.post(f"/kpis/alerts/{channel.pk}/secret/", follow=True)
        assert messages_of(rotated) == [
            "New secret made: the receiver needs it to check signatures."
        ]
        channel.refresh_from_db()
        assert channel.secret != old and channel.secret.startswith("hws_")
        hook.secret = channel.secret
        passed = client.post(f"/kpis/alerts/{channel.pk}/test/", follow=True)
        assert messages_of(passed) == ["A test message went to Hook."]
    assert [r.verified for r in hook.requests] == [False, True]  # signed with the new secret


def test_the_channels_page_reads_in_a_fixed_number_of_queries(client: Client, world: World) -> None:
    def count(channels: int) -> int:
        kpis = [make_kpi(world.org, f"k{len(AlertChannel.objects.all())}-{i}") for i in range(3)]
        for _ in range(channels):
            alert_services.create_channel(
                actor=world.alice,
                name=f"C{AlertChannel.objects.count()}",
                kind="email",
                recipients="a@example.com",
                kpi_ids=[k.pk for k in kpis],
            )
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/kpis/alerts/").status_code == 200
        return len(captured.captured_queries)

    login(client, world.alice)
    # session, user, membership; the channels, their KPIs; the latest notifications.
    assert count(2) == count(12) == 6


# --- the KPI page -----------------------------------------------------------------------------


def test_the_kpi_page_shows_state_policy_health_history_and_deliveries(
    client: Client, world: World, nps: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver(500) as hook:
        alert_services.create_channel(actor=world.alice, name="Hook", kind="webhook", url=hook.url)
        with django_capture_on_commit_callbacks(execute=True):
            services.upsert_measurements(
                actor=world.mo, kpi=nps, rows=[{"period": "2026-10-01", "value": 12}]
            )
    content = page(login(client, world.vic).get(f"/kpis/{nps.pk}/"))
    section = content[content.index('id="alerts"') : content.index('id="chart-h"')]
    assert '<span class="badge health-red" data-testid="alert-state">Alerting</span>' in section
    assert f'since <time datetime="{NOW.isoformat()}">16 Nov 2026, 09:00</time>' in section
    assert "An alert fires when the KPI is critical (red) for 1 month, counting" in section
    assert "While it fires, it is repeated every week." in section
    history = " ".join(section[section.index('data-testid="health-history"') :].split())
    assert 'No status</span> → <span class="badge health-red">Critical</span>' in history
    assert "Oct 2026" in history and ">12</td>" in history
    log = section[section.index('data-testid="notifications"') :]
    assert "Firing" in log and "Hook" in log
    assert "Pending <small>after 1 attempt</small>" in log
    assert "next try <time" in log and "16 Nov, 09:01" in log
    assert "HTTP 500 Internal Server Error: receiver says no" in log
    # Only admins get the way to the channels from here.
    assert 'href="/kpis/alerts/"' not in section
    admin = page(login(client, world.alice).get(f"/kpis/{nps.pk}/"))
    assert 'href="/kpis/alerts/"' in admin[admin.index('id="alerts"') :]


def test_a_kpi_never_checked_says_so(client: Client, world: World, nps: Kpi) -> None:
    content = page(login(client, world.vic).get(f"/kpis/{nps.pk}/"))
    assert "not checked yet" in content
    assert "No status changes recorded yet." in content
    assert "No notifications sent for this KPI yet." in content


# --- the alert policy on the KPI form ---------------------------------------------------------


FORM = {
    "name": "NPS",
    "key": "nps",
    "direction": "higher",
    "cadence": "month",
    "aggregation": "last",
    "critical_threshold": "20",
}


@pytest.fixture
def form(world: World) -> dict[str, str]:
    return {**FORM, "owner": str(world.mo.pk)}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"alert_after": "0"}, "alert_after", "must be at least 1"),
        ({"resolve_after": "two"}, "resolve_after", "must be a whole number, not 'two'"),
        ({"repeat_hours": "-1"}, "repeat_hours", "must be at least 0"),
        ({"repeat_hours": "10000"}, "repeat_hours", "must be at most 8760"),
        ({"alert_level": "always"}, "alert_level", "Select a valid choice."),
    ],
)
def test_bad_alert_policies_are_refused_beside_the_field(
    client: Client,
    world: World,
    nps: Kpi,
    form: dict[str, str],
    data: dict[str, str],
    field: str,
    message: str,
) -> None:
    login(client, world.mo)
    response = client.post(f"/kpis/{nps.pk}/edit/", {**form, **data})
    assert response.status_code == 422
    content = page(response)
    assert error_beside(content, f"id_{field}").startswith(message)
    if field != "alert_level":
        assert typed(content, f"id_{field}") == data[field]
    nps.refresh_from_db()
    assert (nps.alert_after, nps.resolve_after, nps.repeat_hours) == (1, 1, 168)


def test_the_kpi_form_edits_the_alert_policy(
    client: Client, world: World, nps: Kpi, form: dict[str, str]
) -> None:
    login(client, world.mo)
    assert typed(page(client.get(f"/kpis/{nps.pk}/edit/")), "id_repeat_hours") == "168"
    response = client.post(
        f"/kpis/{nps.pk}/edit/",
        {
            **form,
            "alert_level": "warning",
            "alert_after": "3",
            "resolve_after": "2",
            "repeat_hours": "0",
            "notify_no_data": "no",
        },
    )
    assert response.status_code == 302
    nps.refresh_from_db()
    assert (nps.alert_level, nps.alert_after, nps.resolve_after, nps.repeat_hours) == (
        "warning",
        3,
        2,
        0,
    )
    assert nps.notify_no_data is False
    event = AuditEvent.objects.filter(action="kpi.update").latest("id")
    assert event.before is not None and event.after is not None
    assert (event.before["alert_after"], event.after["alert_after"]) == (1, 3)
    # A form without the policy (an older page, a script) leaves it as it is.
    assert client.post(f"/kpis/{nps.pk}/edit/", form).status_code == 302
    nps.refresh_from_db()
    assert (nps.alert_after, nps.notify_no_data) == (3, False)
