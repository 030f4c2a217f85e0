from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from headway.okrs.models import Alignment, KeyResult, Objective
from tests.factories import PASSWORD, World, make_kr, make_objective


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
