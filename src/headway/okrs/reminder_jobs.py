"""Periodic OKR jobs (reminder_jobs): the weekly check-in digest.

Task bodies stay thin: they read the clock and call ``okrs.reminders``, which tests drive directly.
"""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from headway.okrs import reminders


@db_task(retries=3, retry_delay=300)  # type: ignore[untyped-decorator]
def send_checkin_digest(reminder_id: int, key_result_ids: list[int]) -> None:
    """Queued once a digest is decided and its reminder row committed."""
    reminders.deliver(reminder_id, key_result_ids)


@db_periodic_task(crontab(minute="0"))  # type: ignore[untyped-decorator]
def send_checkin_digests() -> None:
    """Every hour: whoever's day it is, from 09:00 local time, and has not had this week's."""
    reminders.send_due_digests(timezone.now())
