"""The OKR jobs the worker runs; importing the modules registers their periodic tasks."""

from headway.okrs import cycle_jobs, reminder_jobs  # noqa: F401
