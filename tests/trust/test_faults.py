"""Faults: nothing Headway acknowledged is lost, and it comes back on its own.

* PostgreSQL restarted under load: a real gunicorn keeps serving once the database is back,
  without being restarted, and every write it answered 2xx is in the database.
* A webhook receiver that is down: the notification waits in the outbox, is retried on its
  schedule and delivered once the receiver is up, exactly once.
* A worker killed with SIGKILL in the middle of a delivery: huey has lost the job it dequeued; the
  periodic sweep of the outbox picks the notification up when its lease ends and the message is
  marked delivered once, with one delivery id however many times it reached the receiver.

The first and last are marked ``fault`` (they restart PostgreSQL or kill processes): CI runs them.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings

from headway.kpis import alert_services, services, tasks
from headway.kpis.models import Kpi, Notification
from tests.factories import World, make_wait_kpi
from tests.trust import faultkit
from tests.trust.faultkit import Hook, Load, Outcome

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


# --- a webhook receiver that is down ------------------------------------------------------------


@pytest.fixture
def kpi(world: World) -> Kpi:
    return make_wait_kpi(world.org, owner=world.mo)


@pytest.fixture
def hook() -> Iterator[Hook]:
    hook = Hook()  # its port is chosen, but nothing listens there yet
    try:
        yield hook
    finally:
        hook.stop()


def _sweep_at(moment: dt.datetime) -> None:
    """The periodic delivery job, run (inline) at ``moment``."""
    with time_machine.travel(moment, tick=False):
        tasks.deliver_due_notifications()


def test_a_receiver_that_is_down_gets_the_message_once_it_is_up(
    world: World, kpi: Kpi, hook: Hook, django_capture_on_commit_callbacks: Any
) -> None:
    alert_services.create_channel(actor=world.alice, name="Ops", kind="webhook", url=hook.url)
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.upsert_measurements(
            actor=world.mo, kpi=kpi, rows=[{"period": "2026-03-01", "value": 150}]
        )
    notification = Notification.objects.get(kpi=kpi)
    # The attempt right after the commit found nothing listening.
    assert (notification.status, notification.attempts) == ("pending", 1)
    assert notification.last_error.startswith(f"could not reach 127.0.0.1:{hook.port}")
    assert "refused" in notification.last_error.lower()

    _sweep_at(T0 + MINUTE)  # attempt 2: still down
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 2)
    assert notification.next_attempt_at == T0 + 6 * MINUTE

    hook.start()
    _sweep_at(T0 + 5 * MINUTE)  # up now, but the retry is not due: nothing is sent early
    assert hook.hits == []
    _sweep_at(T0 + 6 * MINUTE)  # attempt 3 gets through
    for later in (7, 60, 24 * 60):
        _sweep_at(T0 + later * MINUTE)  # and it is never sent again

    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 3)
    assert (notification.delivered_at, notification.last_error) == (T0 + 6 * MINUTE, "")
    [hit] = hook.hits
    assert hit.json["headway"]["event"] == "firing"
    assert hit.headers["X-Headway-Delivery"] == f"notification-{notification.pk}"
    assert Notification.objects.count() == 1


# --- a worker killed mid-job --------------------------------------------------------------------

# Runs in another process against the SQLite file of the data folder: a KPI critical for its last
# three closed months, whose alert's notification is queued for the worker when the write commits.
PRODUCER = """
import datetime as dt, json
from huey.contrib.djhuey import HUEY
from headway.core.periods import add_months, period_start, Cadence
from headway.kpis import services
from headway.kpis.models import AlertChannel, Notification
from headway.orgs.models import Membership, Organization, User

org = Organization.objects.create(name="Kill", slug="kill")
admin = Membership.objects.create(
    organization=org, user=User.objects.create_user("kill"), role="admin"
)
AlertChannel.objects.create(organization=org, name="hook", kind="webhook", url=os.environ["HOOK"])
kpi = services.create_kpi(
    actor=admin, name="Churn", key="churn", direction="lower", cadence="month",
    warning_threshold=4, critical_threshold=5,
)
this_month = period_start(dt.date.today(), Cadence.MONTH)
rows = [{"period": add_months(this_month, -n).isoformat(), "value": 7} for n in (1, 2, 3)]
services.upsert_measurements(actor=admin, kpi=kpi, rows=rows)
print(json.dumps({"notification": Notification.objects.get().pk, "queued": HUEY.pending_count()}))
"""

PENDING_JOBS = """
import json
from huey.contrib.djhuey import HUEY
print(json.dumps(HUEY.pending_count()))
"""


def _notification(data_dir: Path) -> tuple[str, int, str | None]:
    with sqlite3.connect(data_dir / "headway.sqlite3") as db:
        row = db.execute(
            "SELECT status, attempts, next_attempt_at FROM kpis_notification"
        ).fetchone()
    return row[0], row[1], row[2]


def _counts(data_dir: Path) -> tuple[int, int]:
    with sqlite3.connect(data_dir / "headway.sqlite3") as db:
        notifications = db.execute("SELECT count(*) FROM kpis_notification").fetchone()[0]
        measurements = db.execute("SELECT count(*) FROM kpis_measurement").fetchone()[0]
    return notifications, measurements


@pytest.mark.fault
@pytest.mark.slow
def test_a_worker_killed_mid_delivery_leaves_the_job_to_the_sweep(
    tmp_path: Path, hook: Hook
) -> None:
    from headway.kpis import notify

    env = faultkit.headway_env(None, tmp_path)
    faultkit.migrate(env)
    hook.delay = 120  # the receiver reads the message, then takes its time to answer
    hook.start()
    produced = faultkit.run_script(PRODUCER, {**env, "HOOK": hook.url})
    assert produced["queued"] == 1
    log = tmp_path / "worker.log"

    first = faultkit.start_worker(env, log, periodic=False)
    try:
        hook.wait_for_hit(timeout=60)
        # The worker is inside the delivery: the message is out, the answer has not come.
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
    finally:
        faultkit.stop(first)

    status, attempts, lease = _notification(tmp_path)
    assert (status, attempts) == ("pending", 0)  # no outcome recorded
    assert lease is not None  # claimed: nobody else sends it before the lease ends
    assert faultkit.run_script(PENDING_JOBS, env) == 0  # huey dropped the job it had dequeued
    assert len(hook.hits) == 1

    hook.delay = 0
    # A new worker, whose clock is past the lease: its periodic sweep finds the notification.
    second = faultkit.start_worker(
        env, log, periodic=True, clock_ahead=notify.LEASE + dt.timedelta(seconds=5)
    )
    try:
        faultkit.wait_for(
            lambda: _notification(tmp_path)[0] == "sent",
            timeout=90,
            what="the sweep to deliver the notification",
        )
    finally:
        faultkit.stop(second)

    status, attempts, _ = _notification(tmp_path)
    assert (status, attempts) == ("sent", 1)
    # The message reached the receiver twice (the first copy's answer was never read), under one
    # delivery id: a receiver that drops repeats acts on it once.
    deliveries = Counter(hit.headers["X-Headway-Delivery"] for hit in hook.hits)
    assert deliveries == {f"notification-{produced['notification']}": 2}, log.read_text()
    assert len({hit.body for hit in hook.hits}) == 1
    assert _counts(tmp_path) == (1, 3)  # no second notification, no value written twice


# --- PostgreSQL restarted under load ------------------------------------------------------------

SEED = """
import datetime as dt, json
from headway.kpis import services as kpis
from headway.okrs import services as okrs
from headway.okrs.models import Cycle
from headway.orgs.models import Membership, Organization, Team, User
from headway.orgs.services import create_token

org = Organization.objects.create(name="Load", slug="load")
admin = Membership.objects.create(
    organization=org, user=User.objects.create_user("load"), role="admin"
)
team = Team.objects.create(organization=org, name="Load", slug="load")
today = dt.date.today()
cycle = Cycle.objects.create(
    organization=org, name="Now", start=today - dt.timedelta(days=30),
    end=today + dt.timedelta(days=60), state="active",
)
objective = okrs.create_objective(
    actor=admin, title="Stay up", cycle_id=cycle.pk, owner_team_id=team.pk
)
kr = okrs.create_key_result(
    actor=admin, objective=objective, title="Requests kept", start=0, target=100000
)
kpi = kpis.create_kpi(actor=admin, name="Load", key="load", cadence="day")
token = create_token(membership=admin, name="load")[1]
print(json.dumps({"token": token, "kr": kr.pk, "kpi": kpi.pk}))
"""

SETTINGS = """
import json
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps([db["CONN_HEALTH_CHECKS"], db["CONN_MAX_AGE"]]))
"""


@pytest.fixture
def load_database() -> Iterator[str]:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    name = "fault_load"
    url = faultkit.recreate_database(name)
    try:
        yield url
    finally:
        faultkit.wait_for(faultkit.postgres_ready, timeout=60, what="PostgreSQL")
        faultkit.drop_database(name)


def _summary(label: str, outcomes: list[Outcome]) -> str:
    kinds = Counter(
        str(o.status) if o.status is not None else o.error.split(":")[0] for o in outcomes
    )
    return f"{label}: {len(outcomes)} requests {dict(kinds)}"


@pytest.mark.fault
@pytest.mark.postgres
@pytest.mark.slow
def test_postgresql_restarted_under_load_loses_nothing_acknowledged(
    tmp_path: Path, load_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    env = faultkit.headway_env(load_database, tmp_path)
    faultkit.migrate(env)
    health_checks, max_age = faultkit.run_script(SETTINGS, env)
    # Connections outlive requests, so after a restart each is checked before it is used.
    assert health_checks is True and max_age > 0
    seed = faultkit.run_script(SEED, env)

    with faultkit.gunicorn(env, seed["token"]) as server:
        load = Load(server.port, seed["token"], seed["kr"], seed["kpi"], threads=4)
        with load.running():
            faultkit.wait_for(
                lambda: sum(o.acknowledged for o in load.since(0)) >= 40,
                timeout=60,
                what="the load to get going",
            )
            down = time.monotonic()
            faultkit.restart_postgres()
            ready = time.monotonic()
            faultkit.wait_for(
                lambda: sum(o.acknowledged for o in load.since(ready)) >= 40,
                timeout=90,
                what="acknowledged writes after the restart",
            )
        assert server.process.poll() is None  # the same gunicorn all along
        boots = server.output().count("Booting worker")

    outcomes = load.outcomes
    before = [o for o in outcomes if o.started < down]
    during = [o for o in outcomes if down <= o.started < ready]
    after = [o for o in outcomes if o.started >= ready]
    failed = [o for o in outcomes if not o.acknowledged]
    first_back = min(o.started + o.seconds for o in after if o.acknowledged)
    figures = [
        _summary(label, group)
        for label, group in (("before", before), ("outage", during), ("after", after))
    ]
    figures.append(
        f"restart took {ready - down:.1f} s; first 2xx {first_back - ready:.2f} s after ready"
    )

    # Whatever failed failed cleanly and quickly: a JSON 503 to retry on, or a refused or reset
    # connection; never a hang.
    for outcome in failed:
        assert outcome.status in (None, 503), outcome
        assert outcome.status is None or "try again" in outcome.answer["detail"], outcome
        assert outcome.seconds < 15, outcome
    # Back without a restart: the workers gunicorn booted at the start are still the ones serving.
    assert boots == 2
    assert after[-10:] and all(o.acknowledged for o in after[-10:])

    acknowledged_checkins = {
        o.answer["checkin"]["id"]: o.sent["value"]
        for o in outcomes
        if o.acknowledged and o.kind == "checkin"
    }
    stored_checkins = dict(
        faultkit.query(
            load_database,
            "SELECT id, value::int FROM okrs_checkin WHERE key_result_id = %s",
            seed["kr"],
        )
    )
    acknowledged_values = {
        o.sent["measurements"][0]["period"]: o.sent["measurements"][0]["value"]
        for o in outcomes
        if o.acknowledged and o.kind == "measurement"
    }
    stored_values = {
        period.isoformat(): value
        for period, value in faultkit.query(
            load_database,
            "SELECT period, value::int FROM kpis_measurement WHERE kpi_id = %s",
            seed["kpi"],
        )
    }
    figures.append(
        f"check-ins acknowledged {len(acknowledged_checkins)}, stored {len(stored_checkins)}; "
        f"values acknowledged {len(acknowledged_values)}, stored {len(stored_values)}"
    )
    with capsys.disabled():  # the figures, in every run's output (CI's log included)
        print("\nPostgreSQL restarted under load:\n  " + "\n  ".join(figures))
    # Every acknowledged write is there, as sent, and nothing that was refused: an error answer
    # means "not stored, send it again" (the answers are read before the commit).
    assert stored_checkins == acknowledged_checkins
    assert stored_values == acknowledged_values
