"""Jobs travel through a real queue to a real worker: a SQLite file by default, Redis when
``HUEY_REDIS_URL`` is set.

A KPI turns critical in one process; its alert's notification is queued when that write commits;
``headway worker`` (another process, periodic jobs off, so only the queue can bring the job)
delivers it to a webhook receiver on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.kpis.webhooks import receiver

SRC = Path(__file__).resolve().parents[2] / "src"
# A Redis database of its own for each test run, so the SQLite and PostgreSQL runs of `make test`
# can go side by side without taking each other's jobs.
REDIS_URL = "redis://127.0.0.1:6379/" + (
    "14" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "15"
)
SECRET = "queue-test-secret"

# Runs in its own process, against the SQLite file of the data folder: an organization whose KPI
# has been critical for its last three closed months, and a webhook channel for its alerts.
PRODUCER = """
import datetime as dt, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
django.setup()
from headway.core.periods import add_months, period_start, Cadence
from headway.kpis import services
from headway.kpis.models import AlertChannel, Notification
from headway.orgs.models import Membership, Organization, User

org = Organization.objects.create(name="Queue", slug="queue")
admin = Membership.objects.create(
    organization=org, user=User.objects.create_user("queue"), role="admin"
)
AlertChannel.objects.create(
    organization=org, name="hook", kind="webhook", url=os.environ["HOOK_URL"],
    secret=os.environ["HOOK_SECRET"],
)
kpi = services.create_kpi(
    actor=admin, name="Churn", key="churn", direction="lower", cadence="month",
    warning_threshold=4, critical_threshold=5,
)
this_month = period_start(dt.date.today(), Cadence.MONTH)
rows = [{"period": add_months(this_month, -n).isoformat(), "value": 7} for n in (1, 2, 3)]
services.upsert_measurements(actor=admin, kpi=kpi, rows=rows)
print("queued", Notification.objects.count())
"""


def _env(tmp_path: Path, queue: str) -> dict[str, str]:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env["HEADWAY_WEBHOOK_HOSTS"] = "*,127.0.0.1"  # the receiver runs on this machine
    for name in ("DATABASE_URL", "HUEY_REDIS_URL", "HUEY_IMMEDIATE"):
        env.pop(name, None)
    if queue == "redis":
        env["HUEY_REDIS_URL"] = REDIS_URL
    return env


def _redis_or_skip() -> None:
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.flushdb()  # a database of its own: nothing left from an earlier run
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a migrated database, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(
        [sys.executable, "-m", "headway", "migrate"],
        env=_env(folder, "sqlite"),
        check=True,
        capture_output=True,
    )
    return folder / "headway.sqlite3"


@pytest.mark.slow
@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_queued_notification_is_delivered_by_the_worker(
    tmp_path: Path, migrated: Path, queue: str
) -> None:
    if queue == "redis":
        _redis_or_skip()
    env = _env(tmp_path, queue)
    shutil.copy(migrated, tmp_path / migrated.name)
    with receiver(secret=SECRET) as hook:
        produced = subprocess.run(  # noqa: S603 - the producer script is this file's own
            [sys.executable, "-c", PRODUCER],
            env={**env, "HOOK_URL": hook.url, "HOOK_SECRET": SECRET},
            capture_output=True,
            text=True,
            check=True,
        )
        assert "queued 1" in produced.stdout, produced.stderr
        assert not hook.requests  # nothing is sent until a worker takes the job
        worker = subprocess.Popen(
            [sys.executable, "-m", "headway", "worker", "--workers", "1", "--no-periodic"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            # Waiting on another process: poll the receiver, with a deadline.
            deadline = time.monotonic() + 60
            while not hook.requests and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGINT)
            output, _ = worker.communicate(timeout=30)
    assert len(hook.requests) == 1, output
    (request,) = hook.requests
    assert request.verified and request.json["headway"]["event"] == "firing"
    assert request.json["headway"]["kpi"]["key"] == "churn"
    expected = "Redis" if queue == "redis" else "SQLite"
    assert f"queue {expected}" in output, output
