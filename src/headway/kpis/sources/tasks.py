"""The periodic job that runs due data sources (discovered through ``headway.kpis.tasks``)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from headway.kpis.sources.runner import run_due


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def pull_due_sources() -> None:
    """Every minute: each enabled source whose next run has come (a run never raises)."""
    run_due(timezone.now())
