"""The coach report of a large cycle shows a kept count (``okrs.coach_report``): counted on the
first view, recounted in the background once stale or at once on request, never linted per view."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.okrs import coach_report
from headway.okrs.models import CoachTally, Objective
from headway.okrs.views import coach as coach_views
from headway.orgs.models import Team
from headway.orgs.services import set_coach_disabled_rules
from tests.conftest import NOW
from tests.factories import World, login, make_kr, make_objective

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'hx-get="[^"]*\?(team|person)=(\d+)".*?<small class="counts">(\d+) notes?</small>', re.S
)


@pytest.fixture
def large(world: World, monkeypatch: Any) -> list[Team]:
    """Four squads below Growth, each with an objective made of numbers (two notes each); the
    report's size limit lowered so that this cycle counts as large."""
    monkeypatch.setattr(coach_views, "LAZY_REPORT_OBJECTIVES", 2)
    teams = []
    for i in range(4):
        team = Team.objects.create(
            organization=world.org, name=f"Squad {i}", slug=f"squad-{i}", parent=world.growth
        )
        objective = make_objective(world.cycle, team=team, title=f"Grow revenue by {10 + i}%")
        make_kr(objective, f"Revenue to {100 + i}k", "0", str(100 + i))
        teams.append(team)
    return teams


def rows(page: str) -> dict[str, int]:
    return {f"{kind}={ident}": int(n) for kind, ident, n in ROW.findall(page)}


def objective_reads(queries: list[dict[str, Any]]) -> list[str]:
    table = Objective._meta.db_table
    return [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]
    ]


def test_the_first_view_counts_and_keeps_the_count_later_views_read_it(world, large):
    client = login(Client(), world.vic)
    with time_machine.travel(NOW, tick=False):
        first = client.get("/okrs/coach/").content.decode()
        tally = CoachTally.objects.get(cycle=world.cycle)
        assert tally.counted_at == NOW and tally.checked == 4 and tally.flagged == 4
        assert set(rows(first)) == {f"team={t.pk}" for t in large}
        assert all(n > 0 for n in rows(first).values())
        assert 'data-testid="coach-tally"' in first
        # A new objective with notes: the kept count is shown until it is recounted.
        make_kr(make_objective(world.cycle, team=large[0], title="Grow revenue by 50%"))
        with CaptureQueriesContext(connection) as queries:
            again = client.get("/okrs/coach/").content.decode()
    assert rows(again) == rows(first)
    # Only the count of active objectives (whether the cycle is large): none read to lint.
    assert len(objective_reads(queries.captured_queries)) == 1
    assert "COUNT(" in objective_reads(queries.captured_queries)[0]


def test_a_stale_count_is_shown_and_recounted_once_in_the_background(
    world, large, django_capture_on_commit_callbacks
):
    client = login(Client(), world.vic)
    with time_machine.travel(NOW, tick=False):
        client.get("/okrs/coach/")
    before = CoachTally.objects.get(cycle=world.cycle).sections
    make_objective(world.cycle, team=large[1], title="Grow revenue by 60%")
    later = NOW + coach_report.TALLY_MAX_AGE + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        # The jobs run inline in tests; the recount is queued after the view's transaction.
        with django_capture_on_commit_callbacks(execute=False) as queued:
            stale = client.get("/okrs/coach/").content.decode()
            client.get("/okrs/coach/")  # a second viewer meanwhile queues nothing more
        assert rows(stale) == dict(before)  # the stale count, shown at once
        assert len(queued) == 1
        queued[0]()
        tally = CoachTally.objects.get(cycle=world.cycle)
        assert tally.counted_at == later and tally.requested_at is None
        fresh = client.get("/okrs/coach/").content.decode()
    assert rows(fresh)[f"team={large[1].pk}"] > dict(before)[f"team={large[1].pk}"]


def test_count_again_now_recounts_at_once(world, large):
    client = login(Client(), world.vic)
    before = rows(client.get("/okrs/coach/").content.decode())
    make_objective(world.cycle, team=large[2], title="Grow revenue by 70%")
    url = f"/okrs/cycle/{world.cycle.pk}/coach/recount/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    after = rows(client.get(response["Location"]).content.decode())
    assert after[f"team={large[2].pk}"] > before[f"team={large[2].pk}"]


def test_another_organizations_cycle_is_not_found_and_not_counted(world, large):
    client = login(Client(), world.oscar)
    assert client.post(f"/okrs/cycle/{world.cycle.pk}/coach/recount/").status_code == 404
    assert not CoachTally.objects.exists()


def test_switching_a_rule_off_is_counted_at_once(world, large):
    client = login(Client(), world.vic)
    before = rows(client.get("/okrs/coach/").content.decode())
    set_coach_disabled_rules(world.alice, ["objective-has-number"])
    after = client.get("/okrs/coach/").content.decode()
    assert {q: n + 1 for q, n in rows(after).items()} == before  # one note less each
    assert CoachTally.objects.get(cycle=world.cycle).disabled_rules == ["objective-has-number"]


def test_a_row_of_a_person_or_a_team_gone_since_the_count_is_left_out(world, large):
    from headway.okrs.selectors import team_tree

    kept = [[f"team={large[0].pk}", 2], ["team=999999", 1], [f"person={world.mo.pk}", 1]]
    kept.append(["person=999999", 3])
    shown = coach_report.tally_rows(world.org, team_tree(world.org.pk), kept)
    assert [(r.name, r.query, r.count) for r in shown] == [
        ("Squad 0", f"team={large[0].pk}", 2),
        (f"{world.mo.display_name} (personal)", f"person={world.mo.pk}", 1),
    ]
    assert shown[0].path == ["Acme", "Growth"]


def test_the_report_at_size_reads_as_many_queries_whatever_the_cycle_holds(
    world, large, django_assert_num_queries
):
    client = login(Client(), world.vic)
    client.get("/okrs/coach/")
    # session, user, membership, current cycle, teams, active objectives counted, the kept
    # count, the cycle picker
    with django_assert_num_queries(8):
        client.get("/okrs/coach/")
    for i in range(10):
        make_kr(make_objective(world.cycle, team=large[i % 4], title=f"Grow sales by {i}%"))
    coach_report.recount(world.org, world.cycle)
    with django_assert_num_queries(8):
        assert client.get("/okrs/coach/").status_code == 200
