"""Test data built in code: a small organization with named people in every role.

alice is an admin, lena leads the Growth team, mo is a member of Growth, vic is a viewer, and
oscar belongs to another organization entirely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from headway.kpis.models import Kpi
from headway.okrs.choices import CycleState
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.okrs.services import recompute_rollups
from headway.orgs.choices import Role
from headway.orgs.models import Membership, Organization, Team, TeamMember, User

PASSWORD = "correct horse battery staple"


def make_user(username: str) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.com",
        full_name=username.capitalize(),
    )
    return user


def make_member(org: Organization, username: str, role: str) -> Membership:
    return Membership.objects.create(organization=org, user=make_user(username), role=role)


@dataclass
class World:
    org: Organization
    company: Team
    growth: Team
    cycle: Cycle
    alice: Membership
    lena: Membership
    mo: Membership
    vic: Membership
    other_org: Organization
    oscar: Membership
    other_cycle: Cycle
    other_team: Team


def make_world() -> World:
    org = Organization.objects.create(name="Acme", slug="acme")
    company = Team.objects.create(organization=org, name="Acme", slug="company")
    growth = Team.objects.create(organization=org, name="Growth", slug="growth", parent=company)
    alice = make_member(org, "alice", Role.ADMIN)
    lena = make_member(org, "lena", Role.LEAD)
    mo = make_member(org, "mo", Role.MEMBER)
    vic = make_member(org, "vic", Role.VIEWER)
    TeamMember.objects.create(organization=org, team=growth, membership=lena, is_lead=True)
    TeamMember.objects.create(organization=org, team=growth, membership=mo)
    cycle = Cycle.objects.create(
        organization=org,
        name="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        state=CycleState.ACTIVE,
    )
    other = Organization.objects.create(name="Globex", slug="globex")
    oscar = make_member(other, "oscar", Role.ADMIN)
    other_cycle = Cycle.objects.create(
        organization=other,
        name="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        state=CycleState.ACTIVE,
    )
    other_team = Team.objects.create(organization=other, name="Globex", slug="company")
    return World(
        org, company, growth, cycle, alice, lena, mo, vic, other, oscar, other_cycle, other_team
    )


def make_objective(
    cycle: Cycle,
    team: Team | None = None,
    person: Membership | None = None,
    title: str = "Our customers love our onboarding",
    **extra: Any,
) -> Objective:
    objective = Objective.objects.create(
        organization_id=cycle.organization_id,
        cycle=cycle,
        title=title,
        owner_team=team,
        owner_person=person if team is None else None,
        **extra,
    )
    return objective


def make_kr(
    objective: Objective,
    title: str = "Onboarding NPS rises from 32 to 55",
    start: str = "32",
    target: str = "55",
    owner: Membership | None = None,
    **extra: Any,
) -> KeyResult:
    kr = KeyResult.objects.create(
        organization_id=objective.organization_id,
        objective=objective,
        title=title,
        start=Decimal(start),
        target=Decimal(target),
        owner=owner,
        **extra,
    )
    recompute_rollups(objective.cycle, [objective.owner_team_id])
    return kr


def make_kpi(org: Organization, key: str = "nps", **extra: Any) -> Kpi:
    extra.setdefault("name", key.upper())
    return Kpi.objects.create(organization=org, key=key, **extra)


def make_wait_kpi(org: Organization, **extra: Any) -> Kpi:
    """The support wait in minutes: lower is better, critical beyond 120 (the alert tests' KPI)."""
    fields = {"name": "Support wait", "unit": "min", "direction": "lower", "cadence": "day"}
    return make_kpi(org, "wait", **{**fields, "critical_threshold": 120, **extra})


def login(client: Any, who: Membership) -> Any:
    """Sign ``who`` in on a Django test client and return the client."""
    assert client.login(username=who.user.username, password=PASSWORD)
    return client
