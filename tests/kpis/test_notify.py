"""Delivery: a signed webhook to a real local HTTP server, retried with backoff on the controlled
clock, e-mail through Django's mail, and never the same message twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import socket
from typing import Any

import pytest
import time_machine
from django.core import mail

from headway.kpis import alert_services, alerts, notify, services
from headway.kpis.models import AlertChannel, Kpi, Notification
from tests.factories import World, make_kpi, make_wait_kpi
from tests.kpis.webhooks import Receiver, receiver

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def kpi(world: World) -> Kpi:
    return make_wait_kpi(world.org, owner=world.mo)


def _fire(world: World, kpi: Kpi, capture: Any) -> Notification:
    """Yesterday's wait was 150 minutes: the alert fires now, and is handed to the queue."""
    with time_machine.travel(T0, tick=False), capture(execute=True):
        services.upsert_measurements(
            actor=world.mo, kpi=kpi, rows=[{"period": "2026-03-01", "value": 150}]
        )
    return Notification.objects.get(kpi=kpi)


def _deliver_due_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return notify.deliver_due(moment)


def _webhook(world: World, hook: Receiver) -> AlertChannel:
    channel = alert_services.create_channel(
        actor=world.alice, name="Slack", kind="webhook", url=hook.url
    )
    hook.secret = channel.secret
    return channel


def test_a_failing_webhook_is_retried_with_backoff_until_it_gets_through(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver(500, 500) as hook:
        _webhook(world, hook)
        notification = _fire(world, kpi, django_capture_on_commit_callbacks)

        # Attempt 1 ran right after the commit and failed; the next waits a minute.
        assert [r.status for r in hook.requests] == [500]
        assert (notification.status, notification.attempts) == ("pending", 1)
        assert notification.next_attempt_at == T0 + MINUTE
        assert notification.last_error == "HTTP 500 Internal Server Error: receiver says no"

        assert _deliver_due_at(T0 + 59 * dt.timedelta(seconds=1)) == 0
        assert len(hook.requests) == 1  # not due yet
        assert _deliver_due_at(T0 + MINUTE) == 0  # attempt 2: 500 again
        notification.refresh_from_db()
        assert (notification.attempts, notification.next_attempt_at) == (2, T0 + 6 * MINUTE)
        assert _deliver_due_at(T0 + 5 * MINUTE) == 0
        assert _deliver_due_at(T0 + 6 * MINUTE) == 1  # attempt 3 gets through
        assert _deliver_due_at(T0 + 60 * MINUTE) == 0  # and is not sent again

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 3)
    assert (notification.delivered_at, notification.next_attempt_at) == (T0 + 6 * MINUTE, None)
    assert notification.last_error == ""
    assert [r.status for r in hook.requests] == [500, 500, 200]
    # Each attempt is signed anew at its own time; the receiver checks with the channel's secret.
    assert [r.timestamp for r in hook.requests] == [
        int((T0 + m * MINUTE).timestamp()) for m in (0, 1, 6)
    ]
    assert all(r.verified for r in hook.requests)
    assert len({r.body for r in hook.requests}) == 1  # the same message every time
    assert hook.requests[0].headers["Content-Type"] == "application/json; charset=utf-8"
    assert hook.requests[0].path == "/hook"


def test_a_signature_made_with_another_secret_does_not_verify(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as hook:
        _webhook(world, hook)
        hook.secret = "hws_not-the-channels-secret"
        _fire(world, kpi, django_capture_on_commit_callbacks)
    [request] = hook.requests
    assert not request.verified
    assert request.headers["X-Headway-Signature"].startswith("sha256=")


def test_backoff_grows_to_a_cap() -> None:
    assert [notify.backoff(n) for n in range(1, 7)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=5),
        dt.timedelta(minutes=25),
        dt.timedelta(minutes=125),
        dt.timedelta(hours=6),
        dt.timedelta(hours=6),
    ]


def test_delivery_gives_up_after_the_last_attempt(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver(*[503] * 10) as hook:
        _webhook(world, hook)
        notification = _fire(world, kpi, django_capture_on_commit_callbacks)
        moments = [T0]
        while notification.status == "pending":
            assert notification.next_attempt_at is not None
            moments.append(notification.next_attempt_at)
            _deliver_due_at(notification.next_attempt_at)
            notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("failed", notify.MAX_ATTEMPTS)
    assert len(hook.requests) == notify.MAX_ATTEMPTS
    assert notification.last_error.startswith("HTTP 503")
    # 1, 5, 25, 125 minutes, then the six-hour cap.
    assert [b - a for a, b in itertools.pairwise(moments)] == [
        dt.timedelta(minutes=m) for m in (1, 5, 25, 125, 360)
    ]


def test_redirects_are_not_followed(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver(302) as hook:
        _webhook(world, hook)
        notification = _fire(world, kpi, django_capture_on_commit_callbacks)
    assert len(hook.requests) == 1
    assert notification.last_error.startswith("HTTP 302")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_webhook_is_an_error_to_retry(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    alert_services.create_channel(
        actor=world.alice, name="Gone", kind="webhook", url=f"http://127.0.0.1:{_closed_port()}/"
    )
    notification = _fire(world, kpi, django_capture_on_commit_callbacks)
    assert notification.status == "pending" and notification.attempts == 1
    assert notification.last_error.startswith("could not reach 127.0.0.1:")


def test_email_goes_through_django_mail(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    alert_services.create_channel(
        actor=world.alice,
        name="Support leads",
        kind="email",
        recipients="ann@example.com,\nbob@example.com",
    )
    notification = _fire(world, kpi, django_capture_on_commit_callbacks)
    assert notification.status == "sent"
    [message] = mail.outbox
    assert message.to == ["ann@example.com", "bob@example.com"]
    assert message.subject == "[Acme] Firing: Support wait (Critical)"
    assert message.from_email == "headway@localhost"
    assert "Critical: 150 min (1 Mar 2026) is above the critical threshold 120 min." in message.body
    assert "Alert state: Alerting since 2026-03-02 09:00 UTC" in message.body
    assert f"http://127.0.0.1:8000/kpis/{kpi.pk}/#alerts" in message.body
    assert "http://127.0.0.1:8000/kpis/alerts/" in message.body


def test_an_smtp_server_that_is_down_is_an_error_to_retry(
    world: World, kpi: Kpi, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        5,
    )
    alert_services.create_channel(
        actor=world.alice, name="Ops", kind="email", recipients="ops@example.com"
    )
    notification = _fire(world, kpi, django_capture_on_commit_callbacks)
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.last_error.startswith("e-mail not sent:")


def test_one_notification_is_never_sent_twice_at_once(world: World, kpi: Kpi) -> None:
    with receiver() as hook:
        _webhook(world, hook)
        with time_machine.travel(T0, tick=False):
            # Written, but the commit's delivery never ran (the test's transaction never ends).
            services.upsert_measurements(
                actor=world.mo, kpi=kpi, rows=[{"period": "2026-03-01", "value": 150}]
            )
            [first] = Notification.objects.all()
            second = Notification.objects.get()  # the periodic job's copy of the same row
            assert notify.deliver(first, T0) is True
            assert notify.deliver(second, T0) is False  # no longer pending
            assert notify.deliver_due(T0) == 0
    assert len(hook.requests) == 1


def test_a_claimed_attempt_blocks_others_until_its_lease_ends(world: World, kpi: Kpi) -> None:
    with receiver() as hook:
        _webhook(world, hook)
        with time_machine.travel(T0, tick=False):
            services.upsert_measurements(
                actor=world.mo, kpi=kpi, rows=[{"period": "2026-03-01", "value": 150}]
            )
        # A worker claimed it and died before recording the outcome.
        Notification.objects.update(next_attempt_at=T0 + notify.LEASE)
        assert _deliver_due_at(T0 + MINUTE) == 0
        assert _deliver_due_at(T0 + notify.LEASE) == 1
    assert len(hook.requests) == 1


def test_disabled_or_deleted_channels_give_up_at_once(
    world: World, kpi: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    with receiver() as hook:
        channel = _webhook(world, hook)
        with time_machine.travel(T0, tick=False):
            services.upsert_measurements(
                actor=world.mo, kpi=kpi, rows=[{"period": "2026-03-01", "value": 150}]
            )
        alert_services.update_channel(actor=world.alice, channel=channel, enabled=False)
        assert _deliver_due_at(T0) == 0
    notification = Notification.objects.get()
    assert (notification.status, notification.last_error) == ("failed", "the channel was disabled")
    assert hook.requests == []


def test_a_test_message_goes_straight_out_signed(world: World, kpi: Kpi) -> None:
    with receiver() as hook:
        channel = _webhook(world, hook)
        with time_machine.travel(T0, tick=False):
            assert notify.send_test(channel, T0) is None
    [request] = hook.requests
    assert request.verified
    assert request.json["headway"]["event"] == "test"
    assert not Notification.objects.exists()
    with receiver(500) as failing:
        channel.url = failing.url
        assert notify.send_test(channel, T0) == "HTTP 500 Internal Server Error: receiver says no"


def test_webhooks_reach_only_the_hosts_the_setting_allows(
    world: World, kpi: Kpi, settings: Any
) -> None:
    settings.HEADWAY_WEBHOOK_HOSTS = ["*"]  # the default: public addresses only
    with receiver() as hook:
        channel = _webhook(world, hook)
        refused = notify.send_test(channel, T0)
        channel.url = hook.url.replace("127.0.0.1", "localhost")
        by_name = notify.send_test(channel, T0)
        settings.HEADWAY_WEBHOOK_HOSTS = ["localhost"]
        named = notify.send_test(channel, T0)
        settings.HEADWAY_WEBHOOK_HOSTS = ["10.0.0.0/8", "*.0.0.1"]
        channel.url = hook.url
        elsewhere = notify.send_test(channel, T0)

    assert refused is not None and "127.0.0.1 is not a host webhooks may reach" in refused
    assert "HEADWAY_WEBHOOK_HOSTS" in refused
    assert by_name is not None and "localhost is not a host webhooks may reach" in by_name
    assert named is None  # named, a loopback host is allowed
    assert elsewhere is not None and "not a host webhooks may reach" in elsewhere
    assert len(hook.requests) == 1  # only the allowed one arrived


def test_the_channel_choice_follows_its_kpis(world: World, kpi: Kpi) -> None:
    other = make_kpi(world.org, "other")
    everything = alert_services.create_channel(
        actor=world.alice, name="All", kind="email", recipients="a@example.com"
    )
    chosen = alert_services.create_channel(
        actor=world.alice,
        name="Wait only",
        kind="email",
        recipients="w@example.com",
        kpi_ids=[kpi.pk],
    )
    alert_services.create_channel(
        actor=world.alice, name="Off", kind="email", recipients="o@example.com", enabled=False
    )
    assert alerts.channels_for(kpi) == [everything, chosen]
    assert alerts.channels_for(other) == [everything]
