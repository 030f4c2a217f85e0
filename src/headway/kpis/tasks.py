"""Background jobs of the KPIs, run by the worker (``headway worker``, huey).

Task bodies stay thin: they read the clock and call the functions that tests drive directly.
"""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from headway.kpis import alerts, notify
from headway.kpis.sources import tasks as _source_tasks  # noqa: F401


@db_task()  # type: ignore[untyped-decorator]
def deliver_notification(notification_id: int) -> None:
    """Enqueued when a notification is committed, so it goes out at once."""
    notify.deliver_one(notification_id, timezone.now())


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]
def evaluate_alerts() -> None:
    """Health and alert state of every KPI: stale data and repeats happen without any write."""
    alerts.evaluate_all(timezone.now())


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def deliver_due_notifications() -> None:
    """Retries whose pause is over, and anything the immediate delivery missed."""
    notify.deliver_due(timezone.now())
