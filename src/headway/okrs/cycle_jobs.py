"""Periodic OKR jobs of the cycles: the next quarter is ready before the current one ends."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from headway.okrs.cycles import ensure_next_quarters


@db_periodic_task(crontab(minute="15", hour="2"))  # type: ignore[untyped-decorator]
def prepare_next_quarters() -> None:
    """Daily: each organization gets its next fiscal quarter (in planning) 30 days ahead."""
    ensure_next_quarters(timezone.localdate())
