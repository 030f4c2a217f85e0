"""The calibration and the executive report through the API: JSON, the PDF, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.orgs.models import Team
from tests.factories import make_kpi, make_kr, make_objective
from tests.okrs.test_calibration import graded_cycle, objective_with_scores

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def graded(world):  # type: ignore[no-untyped-def]
    q2 = graded_cycle(world.org, "2026-Q2", dt.date(2026, 4, 1))
    q3 = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    for q in (q2, q3):
        objective_with_scores(q, world.growth, [1.0, 0.9])
        objective_with_scores(q, world.company, [0.7, 0.4], kind="committed")
    return q2, q3


def test_calibration_json(world, graded, api_as):
    q2, q3 = graded
    response = api_as(world.vic, scope="read").get("/calibration")
    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["cycles"]] == ["2026-Q2", "2026-Q3"]
    growth = next(t for t in body["teams"] if t["slug"] == "growth")
    assert [s["score"] for s in growth["scores"]] == [0.95, 0.95]
    assert growth["flag"] == "not_ambitious"
    assert "not ambitious enough" in growth["reason"]
    company = next(t for t in body["teams"] if t["slug"] == "company")
    assert company["flag"] is None and company["scores"] == []  # only committed objectives
    assert body["spread"]["cycle_id"] == q3.pk
    assert body["spread"]["organization"] == {
        "committed": {"red": 0, "yellow": 1, "green": 1},
        "aspirational": {"red": 0, "yellow": 0, "green": 2},
    }
    chosen = api_as(world.vic).get(f"/calibration?cycle_id={q2.pk}").json()
    assert chosen["spread"]["cycle_id"] == q2.pk


def test_calibration_bad_cycle_names_the_field(world, graded, api_as):
    client = api_as(world.vic)
    for bad in (world.cycle.pk, world.other_cycle.pk):
        response = client.get(f"/calibration?cycle_id={bad}")
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "cycle_id"
    assert client.get("/calibration?cycle_id=abc").status_code == 422
    assert client.get("/calibration?cycle_id=0").status_code == 422


def test_report_json(world, api_as):
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    make_kr(company, "Paying customers from 100 to 200", "100", "200")
    make_kpi(world.org, "nps", name="NPS", health="red")
    make_kpi(world.org, "cac", name="CAC", health="amber")
    response = api_as(world.vic, scope="read").get(f"/cycles/{world.cycle.pk}/report")
    assert response.status_code == 200
    body = response.json()
    assert body["cycle"]["name"] == "2026-Q4" and body["cycle"]["state"] == "active"
    assert [(o["title"], o["pace"], o["score"]) for o in body["objectives"]] == [
        ("Grow a loyal customer base", "off_track", None)
    ]
    assert body["kpis"]["total"] == 2
    assert body["kpis"]["health"]["red"] == 1 and body["kpis"]["health"]["amber"] == 1
    assert [k["name"] for k in body["risks"]["kpis"]] == ["NPS"]
    assert [r["title"] for r in body["risks"]["key_results"]] == [
        "Paying customers from 100 to 200"
    ]
    assert body["risks"]["key_results"][0]["pace"] == "off_track"


def test_report_pdf(world, api_as):
    make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    response = api_as(world.vic, scope="read").get(f"/cycles/{world.cycle.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_another_organizations_cycle_is_not_found(world, api_as):
    client = api_as(world.vic)
    assert client.get(f"/cycles/{world.other_cycle.pk}/report").status_code == 404
    assert client.get(f"/cycles/{world.other_cycle.pk}/report.pdf").status_code == 404
    assert client.get("/cycles/999999/report").status_code == 404


def test_query_counts_do_not_grow(world, graded, api_as):
    client = api_as(world.vic, scope="read")
    paths = ["/calibration", f"/cycles/{world.cycle.pk}/report"]

    def counts() -> list[int]:
        found = []
        for path in paths:
            client.get(path)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200
            found.append(len(captured.captured_queries))
        return found

    # the token with its membership (1); calibration 3; the report: the cycle, the roll-up,
    # company objectives, key results behind pace, KPIs, calibration (3)
    before = counts()
    assert before == [4, 9]
    for i in range(12):
        team = Team.objects.create(
            organization=world.org, name=f"T{i}", slug=f"t{i}", parent=world.company
        )
        for q in graded:
            objective_with_scores(q, team, [0.5])
        make_kr(make_objective(world.cycle, team=team, title=f"O{i}"), f"K{i}", "0", "1")
        make_kpi(world.org, f"k{i}", health="red")
    assert counts() == before
