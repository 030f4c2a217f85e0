from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from tests.factories import World, make_world

# CI explores the same examples on every run, so a red build always reproduces; developers'
# runs stay random and find new cases.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_inline() -> None:
    """Background jobs run in the calling thread, so tests see their effects at once."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    # Real hashing costs ~100 ms per user; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _webhooks_to_this_machine(settings) -> None:  # type: ignore[no-untyped-def]
    # Webhook tests post to a real HTTP server on 127.0.0.1, an address the default ("*": public
    # addresses only) refuses; tests/kpis/test_notify.py checks that refusal with the default.
    settings.HEADWAY_WEBHOOK_HOSTS = ["*", "127.0.0.1", "::1"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


# Mid-November: about half of the world's 2026-Q4 cycle has gone by.
NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    """The clock stopped at NOW, for pages that compute pace and health from today."""
    with time_machine.travel(NOW, tick=False):
        yield
