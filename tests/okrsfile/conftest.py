"""Shared pieces for the OKR file tests: the command line, a small file, the demo's export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import transaction
from typer.testing import CliRunner, Result

from headway.cli.main import app
from headway.demo import load_demo
from headway.okrsfile.export import export_text
from headway.orgs.models import Membership, Organization
from headway.orgs.services import add_member, create_organization

DEMO_DAY = dt.date(2026, 11, 22)

# A plan for the factories' world (tests/factories.py): Acme, its Growth team, cycle 2026-Q4.
WORLD_FILE = """\
headway: 1
organization: acme
teams:
  - key: company
    name: Acme
  - key: growth
    name: Growth
    parent: company
cycles:
  - name: 2026-Q4
    kind: quarter
    start: 2026-10-01
    end: 2026-12-31
    state: active
    objectives:
      - key: grow-a-loyal-customer-base
        title: Grow a loyal customer base
        owner: {team: company}
        key_results:
          - key: paying-customers
            title: Grow paying customers from 480 to 650
            from: 480
            to: 650
            unit: customers
          - key: net-revenue-retention
            title: Raise net revenue retention from 101% to 108%
            kind: percentage
            from: 101
            to: 108
            unit: '%'
      - key: onboarding
        title: Our customers love our onboarding
        owner: {team: growth}
        supports: [grow-a-loyal-customer-base]
        key_results:
          - key: onboarding-nps
            title: Onboarding NPS rises from 32 to 55
            from: 32
            to: 55
            owner: mo
          - key: time-to-value
            title: Cut the time to first value from 14 to 5 days
            from: 14
            to: 5
            unit: days
            direction: decrease
"""


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.delenv("HEADWAY_USER", raising=False)
    monkeypatch.delenv("HEADWAY_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """Write text to a file under tmp_path; returns its path."""

    def make(text: str, name: str = "okrs.yaml") -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return make


@pytest.fixture
def demo(db: None) -> Organization:
    return load_demo(today=DEMO_DAY)


_DEMO_TEXT: list[str] = []


@pytest.fixture
def demo_text(db: None) -> str:
    """The demo's export, for the tests that only read the text: built once per run, in a
    transaction that is rolled back, so the test's own database stays empty."""
    if not _DEMO_TEXT:
        with transaction.atomic():
            _DEMO_TEXT.append(export_text(load_demo(today=DEMO_DAY)))
            transaction.set_rollback(True)
    return _DEMO_TEXT[0]


def empty_copy(source: Organization, slug: str = "copy") -> Organization:
    """A new organization with the same people (and roles) as ``source``, and nothing else."""
    org = create_organization(name="Copy", slug=slug)
    for membership in Membership.objects.filter(organization=source).select_related("user"):
        add_member(organization=org, user=membership.user, role=membership.role)
    return org


def line_of(text: str, needle: str, start: str = "") -> int:
    """The 1-based line of the first ``needle`` after the first ``start``."""
    offset = text.index(start) if start else 0
    return text[: text.index(needle, offset)].count("\n") + 1
