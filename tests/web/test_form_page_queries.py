"""The form and confirmation pages load in a fixed number of queries too.

The pages with data (board, objective, KPI, teams, people) are pinned in their apps' tests; this
covers every other page that answers a GET, at a small organization and one ten times larger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from headway.kpis.models import Benchmark, Measurement
from headway.okrs.models import KeyResult
from tests.factories import World, make_kpi
from tests.okrs.test_query_counts import LARGE, SMALL, count, populate

pytestmark = pytest.mark.usefixtures("frozen")


def form_pages(world: World, n: int) -> dict[str, str]:
    focus = populate(world, n)
    kr = KeyResult.objects.filter(objective=focus).order_by("id").first()
    assert kr is not None
    kpis = [make_kpi(world.org, f"kpi-{i}", owner_team=world.growth) for i in range(n)]
    recorded = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    measurements = Measurement.objects.bulk_create(
        Measurement(
            organization=world.org,
            kpi=kpis[0],
            value=Decimal(i),
            recorded_at=recorded,
            period=dt.date(2026, 11, 1) - dt.timedelta(days=31 * i),
        )
        for i in range(n)
    )
    benchmarks = Benchmark.objects.bulk_create(
        Benchmark(organization=world.org, kpi=kpis[0], name=f"Competitor {i}", value=i)
        for i in range(n)
    )
    kpi, m, b = kpis[0].pk, measurements[0].pk, benchmarks[0].pk
    return {
        "objective-create": "/objectives/new/",
        "objective-edit": f"/objectives/{focus.pk}/edit/",
        "objective-move": f"/objectives/{focus.pk}/move/",
        "key-result-create": f"/objectives/{focus.pk}/key-results/new/",
        "key-result-edit": f"/key-results/{kr.pk}/edit/",
        "key-result-move": f"/key-results/{kr.pk}/move/",
        "key-result-delete": f"/key-results/{kr.pk}/delete/",
        "kpi-create": "/kpis/new/",
        "kpi-edit": f"/kpis/{kpi}/edit/",
        "measurement-edit": f"/kpis/{kpi}/measurements/{m}/",
        "measurement-delete": f"/kpis/{kpi}/measurements/{m}/delete/",
        "benchmark-delete": f"/kpis/{kpi}/benchmarks/{b}/delete/",
        "password-change": "/account/password/",
    }


# Each includes the session, the user and the membership; form pages add their choices
# (cycles, teams, people, objectives) as one query each.
PINNED = {
    # Its five key result rows share one read of the people (they took one each).
    "objective-create": 9,
    "objective-edit": 8,
    "objective-move": 6,
    "key-result-create": 5,
    "key-result-edit": 5,
    "key-result-move": 5,
    "key-result-delete": 5,
    "kpi-create": 5,
    "kpi-edit": 6,
    "measurement-edit": 4,
    "measurement-delete": 4,
    "benchmark-delete": 4,
    "password-change": 3,
}


@pytest.mark.parametrize("n", [SMALL, LARGE])
def test_form_pages_take_a_fixed_number_of_queries(world, n):
    counts = {name: count("alice", url) for name, url in form_pages(world, n).items()}
    assert counts == PINNED
