"""Evaluating KPIs as the worker and the writes do: stored health and its history, alert states,
and exactly the notifications the transitions call for, with the clock under control.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from headway.kpis import alert_services, alerts, services, tasks
from headway.kpis.models import AlertChannel, HealthChange, Kpi, Measurement, Notification
from tests.factories import World, make_kpi
from tests.kpis.webhooks import Receiver, receiver

START = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _value(period_index: int) -> Decimal | None:
    """The 90 days' story of a daily "uptime score" (higher is better; warning 80, critical 60).

    A month green, a one-day red blip, amber, a week red (one day only just back above the
    critical line, still red by its recovery level 70), amber, green again, and from day 70 on
    nobody records anything.
    """
    if period_index == 30:
        return Decimal(55)
    if period_index in (34, 35, 43):
        return Decimal(75)
    if 36 <= period_index <= 41:
        return Decimal(50)
    if period_index == 42:
        return Decimal(65)
    if period_index >= 70:
        return None
    return Decimal(90 + period_index % 7)


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


@pytest.fixture
def uptime(world: World) -> Kpi:
    return make_kpi(
        world.org,
        "uptime",
        name="Uptime score",
        cadence="day",
        owner=world.mo,
        warning_threshold=80,
        warning_recovery=85,
        critical_threshold=60,
        critical_recovery=70,
        alert_after=2,
        resolve_after=2,
    )


def _channels(world: World, uptime: Kpi, hook: Receiver) -> None:
    alert_services.create_channel(
        actor=world.alice, name="Ops e-mail", kind="email", recipients="ops@example.com"
    )
    webhook = alert_services.create_channel(
        actor=world.alice, name="Slack #kpis", kind="webhook", url=hook.url, kpi_ids=[uptime.pk]
    )
    hook.secret = webhook.secret
    other = make_kpi(world.org, "other", name="Other")
    alert_services.create_channel(
        actor=world.alice,
        name="Other team",
        kind="email",
        recipients="other@example.com",
        kpi_ids=[other.pk],
    )
    alert_services.create_channel(
        actor=world.alice,
        name="Switched off",
        kind="email",
        recipients="off@example.com",
        enabled=False,
    )


def _worker_jobs(capture: Any) -> None:
    """The worker's periodic jobs, as it runs them (the queue runs tasks inline in tests)."""
    with capture(execute=True):
        tasks.evaluate_alerts.call_local()
    tasks.deliver_due_notifications.call_local()


def test_ninety_days_of_a_daily_kpi_announce_each_state_once(
    world: World,
    uptime: Kpi,
    hook: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _channels(world, uptime, hook)
    for day in range(90):
        with time_machine.travel(START + day * DAY, tick=False):
            value = _value(day - 1) if day else None
            if value is not None:
                # Each morning yesterday's value is recorded; delivery follows the commit.
                with django_capture_on_commit_callbacks(execute=True):
                    services.upsert_measurements(
                        actor=world.mo,
                        kpi=uptime,
                        rows=[{"period": (START + (day - 1) * DAY).date(), "value": value}],
                    )
            # The worker runs its jobs every few minutes: twice a day here, and a second run
            # must not announce anything the first one did.
            _worker_jobs(django_capture_on_commit_callbacks)
            _worker_jobs(django_capture_on_commit_callbacks)

    firing, resolved, no_data = START + 38 * DAY, START + 45 * DAY, START + 72 * DAY
    expected = [("firing", firing), ("resolved", resolved), ("no_data", no_data)]
    for channel in ("Ops e-mail", "Slack #kpis"):
        sent = Notification.objects.filter(kpi=uptime, channel_name=channel).order_by("created_at")
        assert [(n.event, n.created_at) for n in sent] == expected, channel
        assert {(n.status, n.attempts) for n in sent} == {("sent", 1)}
        assert [n.delivered_at for n in sent] == [firing, resolved, no_data]
    # Nothing for a channel of another KPI, nothing for a disabled one.
    assert Notification.objects.count() == 6

    assert [m.subject for m in mail.outbox] == [
        "[Acme] Firing: Uptime score (Critical)",
        "[Acme] Resolved: Uptime score (Healthy)",
        "[Acme] No data: Uptime score (Stale)",
    ]
    assert {tuple(m.to) for m in mail.outbox} == {("ops@example.com",)}
    assert "Critical: 50 (7 Feb 2026) is below the critical threshold 60." in mail.outbox[0].body
    assert f"/kpis/{uptime.pk}/#alerts" in mail.outbox[0].body

    assert hook.events == ["firing", "resolved", "no_data"]
    assert all(r.verified for r in hook.requests)
    assert [r.timestamp for r in hook.requests] == [
        int(t.timestamp()) for t in (firing, resolved, no_data)
    ]
    body = hook.requests[0].json
    assert body["text"].startswith("Firing: Uptime score (Critical).")
    assert [block["type"] for block in body["blocks"]] == ["header", "section", "context"]
    assert body["headway"] | {"at": None, "state_since": None} == {
        "event": "firing",
        "headline": "Firing: Uptime score (Critical)",
        "explanation": "Critical: 50 (7 Feb 2026) is below the critical threshold 60.",
        "organization": {"name": "Acme", "slug": "acme"},
        "kpi": {
            "id": uptime.pk,
            "key": "uptime",
            "name": "Uptime score",
            "unit": "",
            "url": f"http://127.0.0.1:8000/kpis/{uptime.pk}/#alerts",
        },
        "state": "alerting",
        "state_since": None,
        "health": "red",
        "value": 50.0,
        "period": "2026-02-07",
        "period_label": "7 Feb 2026",
        "at": None,
    }

    uptime.refresh_from_db()
    assert (uptime.alert_state, uptime.alert_state_since) == ("no_data", no_data)
    assert (uptime.health, uptime.health_since) == ("stale", no_data)
    assert uptime.evaluated_at == START + 89 * DAY
    changes = HealthChange.objects.filter(kpi=uptime).order_by("changed_at")
    assert [(c.changed_at, c.before, c.after, c.period, c.value) for c in changes] == [
        (START + 1 * DAY, "unknown", "green", dt.date(2026, 1, 1), Decimal(90)),
        (START + 31 * DAY, "green", "red", dt.date(2026, 1, 31), Decimal(55)),  # the blip
        (START + 32 * DAY, "red", "green", dt.date(2026, 2, 1), Decimal(93)),
        (START + 35 * DAY, "green", "amber", dt.date(2026, 2, 4), Decimal(75)),
        (START + 37 * DAY, "amber", "red", dt.date(2026, 2, 6), Decimal(50)),
        (START + 44 * DAY, "red", "amber", dt.date(2026, 2, 13), Decimal(75)),
        (START + 45 * DAY, "amber", "green", dt.date(2026, 2, 14), Decimal(92)),
        (no_data, "green", "stale", None, None),
    ]


def _record(world: World, kpi: Kpi, day: int, value: int, capture: Any) -> None:
    with (
        time_machine.travel(START + day * DAY, tick=False),
        capture(execute=True),
    ):
        services.upsert_measurements(
            actor=world.mo,
            kpi=kpi,
            rows=[{"period": (START + (day - 1) * DAY).date(), "value": value}],
        )


def test_a_firing_alert_repeats_at_its_interval_and_only_then(
    world: World, uptime: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    uptime.alert_after, uptime.repeat_hours = 1, 72
    uptime.save()
    alert_services.create_channel(
        actor=world.alice, name="Ops", kind="email", recipients="ops@example.com"
    )
    for day in range(1, 11):
        _record(world, uptime, day, 40, django_capture_on_commit_callbacks)
        for hour in (0, 6, 12):  # the worker, during the day
            with time_machine.travel(START + day * DAY + hour * dt.timedelta(hours=1), tick=False):
                _worker_jobs(django_capture_on_commit_callbacks)

    sent = Notification.objects.filter(kpi=uptime).order_by("created_at")
    assert [(n.event, n.created_at) for n in sent] == [
        ("firing", START + 1 * DAY),
        ("repeat", START + 4 * DAY),
        ("repeat", START + 7 * DAY),
        ("repeat", START + 10 * DAY),
    ]
    assert [n.dedupe_key for n in sent][1:] == [
        f"repeat:{(START + d * DAY).isoformat()}" for d in (1, 4, 7)
    ]
    assert [m.subject for m in mail.outbox][1] == "[Acme] Still firing: Uptime score (Critical)"


def test_values_changed_evaluates_inside_the_write_and_sends_after_commit(
    world: World, uptime: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    uptime.alert_after = 1
    uptime.save()
    alert_services.create_channel(
        actor=world.alice, name="Ops", kind="email", recipients="ops@example.com"
    )
    with time_machine.travel(START + DAY, tick=False):
        # A write that fails after the values are in: nothing is stored, nothing announced.
        with pytest.raises(RuntimeError), transaction.atomic():
            services.upsert_measurements(
                actor=world.mo, kpi=uptime, rows=[{"period": "2026-01-01", "value": 40}]
            )
            raise RuntimeError("the rest of the import failed")
        assert not Notification.objects.exists() and not mail.outbox
        uptime.refresh_from_db()
        assert (uptime.health, uptime.alert_state) == ("unknown", "normal")

        with django_capture_on_commit_callbacks() as callbacks:
            services.upsert_measurements(
                actor=world.mo, kpi=uptime, rows=[{"period": "2026-01-01", "value": 40}]
            )
        # Written with the values, in the same transaction; sent only once it commits.
        assert uptime.alert_state == "alerting"  # the caller's object follows
        [notification] = Notification.objects.all()
        assert (notification.event, notification.status) == ("firing", "pending")
        assert not mail.outbox
        for callback in callbacks:
            callback()
        assert len(mail.outbox) == 1
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == ("sent", 1)

        # Deleting the bad value leaves no data to judge: the alert resolves at once.
        with django_capture_on_commit_callbacks(execute=True):
            services.delete_measurement(actor=world.mo, measurement=Measurement.objects.get())
        uptime.refresh_from_db()
        assert (uptime.health, uptime.alert_state) == ("unknown", "normal")
        assert [m.subject for m in mail.outbox][1] == "[Acme] Resolved: Uptime score (No status)"


def test_editing_the_thresholds_or_policy_reevaluates_at_once(
    world: World, uptime: Kpi, django_capture_on_commit_callbacks: Any
) -> None:
    _record(world, uptime, 1, 75, django_capture_on_commit_callbacks)  # amber: not critical
    uptime.refresh_from_db()
    assert (uptime.health, uptime.alert_state) == ("amber", "normal")
    with time_machine.travel(START + DAY + dt.timedelta(hours=2), tick=False):
        services.update_kpi(actor=world.mo, kpi=uptime, alert_level="warning", alert_after=1)
    uptime.refresh_from_db()
    assert uptime.alert_state == "alerting"
    with time_machine.travel(START + DAY + dt.timedelta(hours=3), tick=False):
        services.update_kpi(actor=world.mo, kpi=uptime, warning_threshold=70, warning_recovery=72)
    uptime.refresh_from_db()
    # Green now, but the policy wants two good closed days before the alert resolves.
    assert (uptime.health, uptime.alert_state) == ("green", "recovering")
    assert list(
        HealthChange.objects.filter(kpi=uptime).order_by("changed_at").values_list("after")
    ) == [("amber",), ("green",)]


def test_data_older_than_the_window_still_reads_stale(world: World, uptime: Kpi) -> None:
    Measurement.objects.create(
        organization=world.org,
        kpi=uptime,
        period=dt.date(2024, 1, 1),
        value=90,
        recorded_at=START,
    )
    alerts.evaluate_all(START)
    uptime.refresh_from_db()
    assert (uptime.health, uptime.alert_state) == ("stale", "no_data")


def _kpis_with_values(world: World, n: int) -> None:
    for i in range(n):
        kpi = make_kpi(world.org, f"k{i}", cadence="day", critical_threshold=10)
        Measurement.objects.bulk_create(
            Measurement(
                organization=world.org,
                kpi=kpi,
                period=(START - d * DAY).date(),
                value=20 + d,
                recorded_at=START,
            )
            for d in range(1, 30)
        )
    make_kpi(world.other_org, "empty")  # no values at all


@pytest.mark.parametrize(
    ("size", "queries"),
    [
        # The KPIs, their values, the latest value of those without any in the window (the
        # empty one), the evaluated_at update; then the empty batch that ends it.
        (5, 5),
        # Two batches of 50; only the second has a KPI without values.
        (60, 8),
    ],
)
def test_the_periodic_evaluation_reads_all_kpis_in_a_fixed_number_of_queries(
    world: World, size: int, queries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kpis_with_values(world, size)
    monkeypatch.setattr(alerts, "BATCH", 50)
    assert alerts.evaluate_all(START) == size + 1  # the first run starts every KPI's clock
    with CaptureQueriesContext(connection) as captured:
        assert alerts.evaluate_all(START + dt.timedelta(minutes=5)) == 0
    assert len(captured.captured_queries) == queries
    assert set(Kpi.objects.values_list("evaluated_at", flat=True)) == {
        START + dt.timedelta(minutes=5)
    }


def test_a_failing_kpi_does_not_stop_the_others(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kpis_with_values(world, 3)
    real = alerts.evaluate_kpi
    broken = Kpi.objects.get(key="k1")

    def evaluate(kpi: Kpi, now: dt.datetime) -> alerts.Evaluation:
        if kpi.pk == broken.pk:
            raise RuntimeError("boom")
        return real(kpi, now)

    monkeypatch.setattr(alerts, "evaluate_kpi", evaluate)
    assert alerts.evaluate_all(START) == 3
    assert Kpi.objects.get(key="k2").health == "green"
    assert Kpi.objects.get(key="k1").health == "unknown"


def test_the_policy_in_words(world: World) -> None:
    kpi = make_kpi(world.org, cadence="week", alert_after=2, repeat_hours=48)
    assert alerts.policy_text(kpi) == [
        "An alert fires when the KPI is critical (red) for 2 weeks in a row, counting closed "
        "periods only.",
        "It resolves after 1 week that is not.",
        "While it fires, it is repeated every 2 days.",
        "No value for two weeks is announced as missing data.",
    ]
    kpi.alert_level, kpi.repeat_hours, kpi.notify_no_data, kpi.resolve_after = (
        "warning",
        0,
        False,
        3,
    )
    assert alerts.policy_text(kpi)[1:] == [
        "It resolves after 3 weeks that are not.",
        "A firing alert is announced once, not repeated.",
        "No value for two weeks sets the state to no data, silently.",
    ]
    assert alerts.policy_text(kpi)[0].startswith("An alert fires when the KPI is warning or")


def _firing_kpi(world: World, key: str) -> Kpi:
    """A daily KPI whose value of yesterday is critical: its next evaluation fires."""
    kpi = make_kpi(world.org, key, cadence="day", critical_threshold=60)
    Measurement.objects.create(
        organization=world.org, kpi=kpi, period=START.date() - DAY, value=40, recorded_at=START
    )
    return kpi


def test_an_announcement_writes_every_channel_in_a_fixed_number_of_queries(world: World) -> None:
    def announce(channels: int) -> int:
        kpi = _firing_kpi(world, f"k{channels}")
        for i in range(channels):
            alert_services.create_channel(
                actor=world.alice, name=f"{kpi.key}-{i}", kind="email", recipients="a@example.com"
            )
        with CaptureQueriesContext(connection) as captured:
            assert alerts.evaluate_kpi(kpi, START).step.event is not None
        assert Notification.objects.filter(kpi=kpi, event="firing").count() == channels
        AlertChannel.objects.all().delete()
        return len(captured.captured_queries)

    assert announce(1) == announce(6)


def test_a_channel_that_already_has_the_announcement_gets_no_other(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    kpi = _firing_kpi(world, "wait")
    ops = alert_services.create_channel(
        actor=world.alice, name="Ops", kind="email", recipients="ops@example.com"
    )
    alert_services.create_channel(
        actor=world.alice, name="Leads", kind="email", recipients="leads@example.com"
    )
    key = f"firing:{START.isoformat()}"  # what the evaluation at START announces
    Notification.objects.create(
        organization=world.org,
        kpi=kpi,
        channel=ops,
        channel_name="Ops",
        event="firing",
        dedupe_key=key,
        created_at=START - DAY,
        subject="imported",
        status="sent",
    )
    with django_capture_on_commit_callbacks(execute=True):
        alerts.evaluate_kpi(kpi, START)

    sent = Notification.objects.filter(kpi=kpi, dedupe_key=key).order_by("channel_name")
    assert [(n.channel_name, n.subject) for n in sent] == [
        ("Leads", "[Acme] Firing: WAIT (Critical)"),
        ("Ops", "imported"),
    ]
    assert [m.to for m in mail.outbox] == [["leads@example.com"]]
