from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from tests.factories import World, make_world

# CI explores the same examples on every run, so a red build always reproduces; developers'
# runs stay random and find new cases.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    # Real hashing costs ~100 ms per user; tests create dozens.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()
