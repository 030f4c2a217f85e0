"""Each OKR page loads in a fixed number of queries, whatever the size of the organization.

The counts are pinned at a small organization and at one ten times larger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.okrs.models import Alignment, CheckIn, KeyResult, Objective
from headway.orgs.models import Membership, Team, TeamMember, User
from tests.factories import PASSWORD, World, make_objective

pytestmark = pytest.mark.usefixtures("frozen")

SMALL, LARGE = 10, 100


def populate(world: World, n: int) -> Objective:
    """``n`` teams, people, team and personal objectives, key results and check-ins.

    Returns the objective whose page is measured: ``n`` key results with 3 check-ins each,
    ``n`` objectives supporting it and two it supports.
    """
    org, cycle = world.org, world.cycle
    users = User.objects.bulk_create(User(username=f"user{i}") for i in range(n))
    people = Membership.objects.bulk_create(Membership(organization=org, user=u) for u in users)
    teams = Team.objects.bulk_create(
        Team(organization=org, name=f"Team {i}", slug=f"team-{i}", parent=world.company)
        for i in range(n)
    )
    TeamMember.objects.bulk_create(
        TeamMember(organization=org, team=t, membership=p, is_lead=i % 2 == 0)
        for i, (t, p) in enumerate(zip(teams, people, strict=True))
    )
    TeamMember.objects.create(organization=org, team=teams[0], membership=world.lena, is_lead=True)
    focus = make_objective(cycle, team=world.growth, title="Focus")
    company = [make_objective(cycle, team=world.company, title=f"Company {i}") for i in range(2)]
    objectives = Objective.objects.bulk_create(
        [
            *(
                Objective(organization=org, cycle=cycle, title=f"Team {i}", owner_team=t)
                for i, t in enumerate(teams)
            ),
            *(
                Objective(organization=org, cycle=cycle, title=f"Mine {i}", owner_person=p)
                for i, p in enumerate(people)
            ),
        ]
    )
    Alignment.objects.bulk_create(
        [
            *(Alignment(organization=org, child=focus, parent=c) for c in company),
            *(Alignment(organization=org, child=o, parent=focus) for o in objectives[:n]),
        ]
    )
    krs = KeyResult.objects.bulk_create(
        KeyResult(
            organization=org,
            objective=objective,
            title=f"KR {i}",
            start=Decimal(0),
            target=Decimal(10),
            owner=people[i % n],
            current=Decimal(5),
            progress=0.5,
            confidence=7,
        )
        # The company's objectives have some too: the large board shows them with their KRs.
        for i, objective in enumerate([*[focus] * n, *company, *objectives, *objectives])
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            organization=org,
            key_result=kr,
            value=Decimal(k),
            confidence=7,
            note=f"week {k}",
            author=people[k % n],
            created_at=dt.datetime(2026, 10, 5 + 7 * k, 9, tzinfo=dt.UTC),
        )
        for kr in krs
        for k in range(3)
    )
    return focus


def count(username: str, url: str) -> int:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    assert client.get(url).status_code == 200  # warm: first-request work is not the page's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def counts(world: World, n: int) -> dict[str, int]:
    focus = populate(world, n)
    return {
        "board (viewer)": count("vic", "/okrs/"),
        "board (filtered)": count(
            "lena", f"/okrs/cycle/{world.cycle.pk}/?team={world.company.pk}&status=all"
        ),
        "alignment": count("vic", "/okrs/alignment/"),
        "coach report": count("vic", "/okrs/coach/"),
        "objective (viewer)": count("vic", f"/objectives/{focus.pk}/"),
        "objective (lead)": count("lena", f"/objectives/{focus.pk}/"),
    }


@pytest.mark.parametrize("n", [SMALL, LARGE])
def test_query_counts_are_pinned(world, n):
    # Every page starts with the session, the user and the membership (3 queries).
    assert counts(world, n) == {
        # current cycle, the cycle picker, teams, people (filter), objectives counted by team
        # (small board or large), roll-ups, objectives, KRs, and the KRs' check-ins for the
        # objectives' forecasts; the large board (LARGE: 100 teams) shows teams as rows that
        # load on opening, in as many queries
        "board (viewer)": 12,
        # the cycle from the URL instead of the current one
        "board (filtered)": 12,
        # current cycle, objectives, alignment links (both ends), the cycle picker; LARGE (over
        # 200 objectives) is at size: the cycle picker, teams (filter), objectives counted, top
        # objectives (count, page), what they support, a query per level shown, and a page of
        # those aligned to nothing
        "alignment": 7 if n == SMALL else 14,
        # current cycle, teams, active objectives counted, then for a small cycle objectives,
        # KRs, earlier cycles' scores, the cycle picker; a large one (LARGE: 100 teams) shows
        # the kept count (okrs.coach_report) instead of linting: the count, the cycle picker
        "coach report": 10 if n == SMALL else 7,
        # objective, parents, children, KRs, their check-ins, the team's roll-up, and for the
        # coach card the company's teams, the owner's and the company's objectives of the cycle
        # with their KRs (3), the objectives it was copied from or into (carry over,
        # duplicate), and the strategy canvas factor it was made from
        "objective (viewer)": 14,
        # and the teams the lead leads, for what they may change, and the cycles still open to
        # carry it over or duplicate it into
        "objective (lead)": 16,
    }
