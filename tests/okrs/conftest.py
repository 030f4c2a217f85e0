from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client

from headway.demo import load_demo
from headway.okrs.models import Alignment, KeyResult, Objective
from headway.orgs.models import Organization
from tests.factories import PASSWORD, World, make_kr, make_objective


@pytest.fixture
def demo() -> Iterator[Organization]:
    """The demo organization as loaded on 2026-11-22 (the clock held at noon meanwhile)."""
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=False):
        yield load_demo(today=dt.date(2026, 11, 22))


@dataclass
class Okrs:
    company: Objective
    growth: Objective
    visitors: KeyResult  # owned by mo
    signups: KeyResult  # owned by lena
    personal: Objective  # mo's


@pytest.fixture
def okrs(world: World) -> Okrs:
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    growth = make_objective(
        world.cycle, team=world.growth, title="Bring new inbound leads to the website"
    )
    Alignment.objects.create(organization=world.org, child=growth, parent=company)
    visitors = make_kr(
        growth,
        "Increase monthly visitors from 3k to 7k",
        "3000",
        "7000",
        owner=world.mo,
        unit="visitors",
    )
    signups = make_kr(growth, "Trial sign-ups from 250 to 500", "250", "500", owner=world.lena)
    personal = make_objective(world.cycle, person=world.mo, title="Run a marathon in good shape")
    return Okrs(company, growth, visitors, signups, personal)


@pytest.fixture
def client_for(db: None) -> Callable[[str], Client]:
    """A test client signed in as one of the world's people."""

    def make(username: str, **kwargs: object) -> Client:
        client = Client(**kwargs)
        assert client.login(username=username, password=PASSWORD)
        return client

    return make
