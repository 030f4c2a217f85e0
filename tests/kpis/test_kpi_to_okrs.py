"""From the KPI page to the OKRs: make a KPI a key result, close a benchmark gap, fix a red KPI.

lena leads Growth, mo is a member, vic a viewer, oscar is in another organization.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.kpis import services
from headway.kpis.models import Benchmark, Kpi
from headway.kpis.proposals import objective_proposal, red_streak
from headway.okrs.models import CheckIn, KeyResult, Objective
from tests.factories import World, login, make_kpi, make_objective

pytestmark = pytest.mark.usefixtures("frozen")  # 16 Nov 2026: October is the last closed month


def page(response: Any) -> str:
    return html.unescape(response.content.decode())


def words(response: Any) -> str:
    """The page's text without tags, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page(response)).split())


@pytest.fixture
def nps(world: World) -> Kpi:
    kpi = make_kpi(
        world.org, "nps", name="NPS", owner_team=world.growth, target=45, warning_threshold=25
    )
    services.upsert_measurements(
        actor=world.alice,
        kpi=kpi,
        rows=[{"period": "2026-09-01", "value": 30}, {"period": "2026-10-01", "value": 32}],
    )
    Benchmark.objects.create(organization=world.org, kpi=kpi, name="Competitor NPS", value=50)
    return kpi


@pytest.fixture
def cac(world: World) -> Kpi:
    """Lower is better, critical above 260: red for August, September and October."""
    kpi = make_kpi(
        world.org,
        "cac",
        name="Customer acquisition cost",
        unit="$",
        direction="lower",
        owner_team=world.growth,
        target=180,
        warning_threshold=220,
        critical_threshold=260,
    )
    values = {"2026-06-01": 210, "2026-07-01": 250, "2026-08-01": 262, "2026-09-01": 268}
    values["2026-10-01"] = 272
    services.upsert_measurements(
        actor=world.alice,
        kpi=kpi,
        rows=[{"period": p, "value": v} for p, v in values.items()],
    )
    return kpi


@pytest.fixture
def growth(world: World) -> Objective:
    return make_objective(world.cycle, team=world.growth, title="Customers recommend us")


def test_the_kpi_page_offers_to_make_it_a_key_result(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    text = words(login(client, world.lena).get(f"/kpis/{nps.pk}/"))
    assert "Make this a key result" in text
    assert "No key result follows NPS" in text
    viewer = page(login(Client(), world.vic).get(f"/kpis/{nps.pk}/"))
    assert "Make this a key result" not in viewer and "Propose this key result" not in viewer


def test_a_benchmark_gap_proposes_its_key_result_prefilled(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    login(client, world.lena)
    assert "Gap worth a key result: Raise NPS from 32 to 50" in words(
        client.get(f"/kpis/{nps.pk}/")
    )
    text = page(client.get(f"/kpis/{nps.pk}/"))
    start = text.index("Propose this key result")
    href = text[
        text.rindex('href="', 0, start) + 6 : text.index('"', text.rindex('href="', 0, start) + 6)
    ]
    query = parse_qs(urlsplit(href).query)
    assert query == {"target": ["50"], "title": ["Raise NPS from 32 to 50"]}
    form = page(client.get(href))
    assert 'value="50"' in form and 'value="Raise NPS from 32 to 50"' in form
    assert 'data-testid="baseline">32</strong> (Oct 2026)' in form  # where it will start


def test_making_a_key_result_links_it_to_the_kpi(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    response = login(client, world.lena).post(
        f"/kpis/{nps.pk}/key-result/",
        {"objective": growth.pk, "title": "", "target": "50", "confidence": "6"},
    )
    assert response.status_code == 302 and response["Location"] == f"/objectives/{growth.pk}/"
    kr = KeyResult.objects.get(objective=growth)
    assert (kr.title, kr.start, kr.follows_kpi, kr.confidence) == (
        "Raise NPS from 32 to 50",
        Decimal(32),
        True,
        6,
    )
    # The next value moves it without anyone checking in.
    services.upsert_measurements(
        actor=world.alice, kpi=nps, rows=[{"period": "2026-11-01", "value": 41}]
    )
    kr.refresh_from_db()
    assert kr.current == Decimal(41) and kr.progress == pytest.approx(0.5)
    assert Objective.objects.get(pk=growth.pk).progress == pytest.approx(0.5)
    followers = words(client.get(f"/kpis/{nps.pk}/"))
    assert "Key results that follow NPS" in followers and "Raise NPS from 32 to 50" in followers


def test_a_bad_target_is_shown_beside_the_field_and_kept(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    response = login(client, world.lena).post(
        f"/kpis/{nps.pk}/key-result/",
        {"objective": growth.pk, "title": "My words", "target": "20", "confidence": "6"},
    )
    assert response.status_code == 422
    text = page(response)
    assert "must be above the KPI's current value 32" in text
    assert 'value="20"' in text and 'value="My words"' in text
    assert not KeyResult.objects.exists()


def test_only_objectives_the_person_may_edit_are_offered(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal base")
    text = page(login(client, world.lena).get(f"/kpis/{nps.pk}/key-result/"))
    assert growth.title in text and company.title not in text
    # Posting another team's objective anyway is refused beside the field.
    response = client.post(
        f"/kpis/{nps.pk}/key-result/",
        {"objective": company.pk, "target": "50", "confidence": "5"},
    )
    assert response.status_code == 422
    assert not KeyResult.objects.filter(objective=company).exists()


def test_viewers_and_other_organizations_cannot(
    client: Client, world: World, nps: Kpi, growth: Objective
):
    login(client, world.vic)
    for url in (f"/kpis/{nps.pk}/key-result/", f"/kpis/{nps.pk}/objective/"):
        assert client.get(url).status_code == 403
        assert client.post(url, {"target": "50"}).status_code == 403
    other = login(Client(), world.oscar)
    for url in (f"/kpis/{nps.pk}/key-result/", f"/kpis/{nps.pk}/objective/"):
        assert other.get(url).status_code == 404
        assert other.post(url, {"target": "50"}).status_code == 404
    assert not KeyResult.objects.exists()


def test_a_kpi_red_for_three_months_proposes_an_objective(client: Client, world: World, cac: Kpi):
    points = list(cac.measurements.values_list("period", "value"))
    assert [p.month for p, _ in red_streak(cac, points, dt.date(2026, 11, 16))] == [8, 9, 10]
    proposal = objective_proposal(cac, points, dt.date(2026, 11, 16))
    assert proposal is not None and proposal.target == Decimal(180)

    login(client, world.lena)
    text = words(client.get(f"/kpis/{cac.pk}/"))
    assert (
        "Customer acquisition cost has been critical for 3 months in a row (since Aug 2026)."
        in text
    )
    form = page(client.get(f"/kpis/{cac.pk}/objective/"))
    assert 'value="Get customer acquisition cost back under control"' in form
    assert 'value="180"' in form and f'value="team:{world.growth.pk}" selected' in form

    response = client.post(
        f"/kpis/{cac.pk}/objective/",
        {
            "title": "Get customer acquisition cost back under control",
            "cycle": world.cycle.pk,
            "owner": f"team:{world.growth.pk}",
            "kind": "committed",
            "key_result_title": "",
            "target": "180",
            "confidence": "4",
        },
    )
    objective = Objective.objects.get(title="Get customer acquisition cost back under control")
    assert response.status_code == 302 and response["Location"] == f"/objectives/{objective.pk}/"
    (kr,) = objective.key_results.all()
    assert (kr.title, kr.follows_kpi, kr.direction) == (
        "Lower Customer acquisition cost from $272 to $180",
        True,
        "decrease",
    )
    assert CheckIn.objects.filter(key_result=kr).count() == 1


def test_one_red_month_proposes_nothing(world: World, cac: Kpi):
    # Without September and October, the streak is August alone.
    points = [(p, v) for p, v in cac.measurements.values_list("period", "value") if p.month < 9]
    assert objective_proposal(cac, points, dt.date(2026, 11, 16)) is None
    two = [(p, v) for p, v in cac.measurements.values_list("period", "value") if p.month < 10]
    proposal = objective_proposal(cac, two, dt.date(2026, 11, 16))
    assert proposal is not None and proposal.periods == 2


def test_a_daily_kpi_needs_two_red_weeks(world: World):
    pulse = make_kpi(
        world.org, "pulse", name="Resting pulse", cadence="day", direction="lower",
        critical_threshold=70,
    )  # fmt: skip
    days = [dt.date(2026, 11, 15) - dt.timedelta(days=n) for n in range(20)]
    red = [(day, Decimal(75)) for day in days[:13]] + [(day, Decimal(60)) for day in days[13:]]
    assert objective_proposal(pulse, red, dt.date(2026, 11, 16)) is None
    red = [(day, Decimal(75)) for day in days[:14]] + [(day, Decimal(60)) for day in days[14:]]
    proposal = objective_proposal(pulse, red, dt.date(2026, 11, 16))
    assert proposal is not None and proposal.reason.startswith(
        "Resting pulse has been critical for 14 days in a row"
    )


def test_the_objective_form_keeps_what_was_typed_on_error(client: Client, world: World, cac: Kpi):
    response = login(client, world.lena).post(
        f"/kpis/{cac.pk}/objective/",
        {
            "title": "Fix acquisition",
            "cycle": world.cycle.pk,
            "owner": f"team:{world.growth.pk}",
            "kind": "committed",
            "target": "300",
            "confidence": "4",
        },
    )
    assert response.status_code == 422
    text = page(response)
    assert "must be below the KPI's current value $272" in text
    assert 'value="Fix acquisition"' in text and 'value="300"' in text
    assert not Objective.objects.filter(title="Fix acquisition").exists()


@pytest.mark.parametrize("objectives", [1, 12])
# key-result: the objectives are read once (a ModelChoiceField read them again for its
# required attribute).
@pytest.mark.parametrize(("path", "expected"), [("key-result", 8), ("objective", 11)])
def test_form_page_queries_are_pinned(
    client: Client, world: World, cac: Kpi, path: str, expected: int, objectives: int
):
    login(client, world.lena)
    for i in range(objectives):
        make_objective(world.cycle, team=world.growth, title=f"Objective {i}")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/kpis/{cac.pk}/{path}/").status_code == 200
    assert len(captured.captured_queries) == expected
