"""Schemathesis over the OpenAPI document: every operation, generated input, no 5xx, and every
answer (status, content type, body) as the document describes it.

The requests go in process to the WSGI application, as a write-scoped token of the demo
organization, so generated ids sometimes name real objects and writes really happen.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from ninja import Schema

import headway.api.main  # noqa: F401 - every router imported, so every schema class exists
from headway.demo import load_demo
from headway.demo.builder import demo_now
from headway.orgs.choices import Role
from headway.orgs.models import Membership
from headway.orgs.services import create_token
from headway.wsgi import application

TODAY = dt.date(2026, 11, 16)

# Generated examples per operation in the fuzzing phase (the examples and coverage phases add
# their own, deterministic cases). 100 operations x 15 keeps the module near a minute in each of
# CI's two runs; HEADWAY_FUZZ_EXAMPLES=200 explores further.
MAX_EXAMPLES = int(os.environ.get("HEADWAY_FUZZ_EXAMPLES", "15"))

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # Schema-valid input may still break a business rule (a reference to another
            # organization's objective, an end before a start): the API answers 422 naming the
            # field, which this check would count as a failure.
            "positive_data_acceptance": {"enabled": False},
        },
        "generation": {"max-examples": MAX_EXAMPLES},
        # CI sends the same cases on every run (as the "ci" hypothesis profile does), so a red
        # build reproduces; a developer's run explores new ones.
        **({"seed": 0} if os.environ.get("CI") else {}),
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

CASES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def token(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """A write token of the demo organization's admin, built once for the module and rolled
    back at its end."""
    # The clock starts where the demo's history ends and runs on.
    with django_db_blocker.unblock(), time_machine.travel(demo_now(TODAY), tick=True):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            org = load_demo(today=TODAY)
            admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
            assert admin is not None
            _, secret = create_token(membership=admin, name="schemathesis", scope="write")
            yield secret
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(scope="module", autouse=True)
def _report_counts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print how many cases schemathesis sent, in total and per operation."""
    yield
    if not CASES:
        return
    lines = [f"schemathesis: {sum(CASES.values())} generated cases over {len(CASES)} operations"]
    lines += [f"  {count:4d}  {label}" for label, count in sorted(CASES.items())]
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print("\n" + "\n".join(lines))
    CASES.clear()  # schemathesis's items may close the module scope early: print once


@pytest.fixture
def same_connection() -> Iterator[None]:
    """Keep the test's database connection open across requests, as Django's test client does:
    the WSGI handler would otherwise close it at the end of each request, inside the test's
    transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any, token: str, db: None, same_connection: None) -> None:
    CASES[case.operation.label] += 1
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


# --- what the fuzzing found, pinned ------------------------------------------------------------


def _send(token: str, method: str, path: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(Client(), method)(f"/api/v1{path}", **kwargs)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        # ninja read fields off any value: a list was an empty patch, "AAA" an objective "Aaa".
        ("patch", "/me/reminders", [None, None], ["body", "payload"]),
        ("post", "/lint", {"objective": "AAA"}, ["body", "payload", "objective"]),
        ("post", "/lint", {"objective": {"title": "x", "key_results": ["q"]}}, None),
        # pydantic read false as 0 (Monday) and 0 as false.
        ("patch", "/organization/rhythm", {"reminder_weekday": False}, None),
        ("patch", "/me/reminders", {"checkin_reminders": 0}, None),
        ("patch", "/me/reminders", {"checkin_reminders": "yes"}, None),
    ],
)
def test_bodies_of_the_wrong_shape_are_422_naming_the_field(
    token: str, db: None, method: str, path: str, body: Any, field: Any
) -> None:
    response = _send(token, method, path, body)
    assert response.status_code == 422, response.content
    errors = response.json()["detail"]
    assert errors and all(e["loc"][0] == "body" and e["msg"] for e in errors)
    if field is not None:
        assert errors[0]["loc"] == field


@pytest.mark.parametrize(
    "path",
    [
        f"/kpis/{2**70}/xmr/baselines/1",
        f"/kpis/{2**70}/sources/1",
        f"/canvases/{2**70}/factors/1",
    ],
)
def test_an_id_beyond_64_bits_in_a_nested_path_is_404(token: str, db: None, path: str) -> None:
    # The outer id went to the database unchecked and overflowed the driver: a 500.
    response = _send(token, "delete", path)
    assert response.status_code == 404, response.content
    assert response.json()["detail"]


def test_schema_names_are_unique() -> None:
    """Three response classes were all called FindingOut: the OpenAPI document kept one of them,
    so two operations were documented with another's findings."""

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = Counter(
        c.__name__ for c in set(subclasses(Schema)) if c.__module__.startswith("headway.api.")
    )
    assert [name for name, n in ours.items() if n > 1] == []


def test_every_operation_documents_its_errors() -> None:
    document = schema.raw_schema
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(map(str, operation["responses"]))
            assert {"401", "403", "422"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= codes, (method, path)
