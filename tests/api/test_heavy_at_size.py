"""The heavy reads of the API at size: at-risk and the cycle's scores paged, the calibration and
the report as the web pages read them past their bounds (a page of rows, capped lists with
their totals, ``team`` for one team's part); driven on small data with the bounds lowered, and
checked against the whole computation."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.api.rhythm import _at_risk_out
from headway.core.calibration import CalibrationFlag
from headway.okrs import at_risk as reads
from headway.okrs import calibration as review
from headway.okrs import report_at_size
from headway.okrs.calibration import calibration
from headway.okrs.models import Cycle
from headway.okrs.report import executive_report, summary
from tests.conftest import NOW
from tests.factories import World, make_kpi
from tests.okrs import test_calibration as base
from tests.okrs.test_at_risk_at_size import _behind
from tests.okrs.test_calibration_at_size import add_teams
from tests.okrs.test_report_at_size import add_departments, capture_pdf

pytestmark = pytest.mark.usefixtures("frozen")

# Three graded quarters: Growth too easy, Sales overreaching, the company about right.
history = base.history


def queries(client: Any, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def every_page(client: Any, path: str) -> list[dict[str, Any]]:
    """Each page of ``path``, following ``next`` from the first."""
    pages = [client.get(path).json()]
    while pages[-1]["next"]:
        assert pages[-1]["next"].startswith("/api/v1/")
        pages.append(client.get(pages[-1]["next"].removeprefix("/api/v1")).json())
    return pages


# --- at-risk ------------------------------------------------------------------------------------


def test_at_risk_pages_hold_the_whole_list_in_order(world: World, api_as: Any) -> None:
    _behind(world, 4)
    cycle = Cycle.objects.select_related("organization").get(pk=world.cycle.pk)
    whole = _at_risk_out(reads.at_risk(world.org.pk, cycle, NOW), world.org)
    client = api_as(world.vic, scope="read")
    # Below the default limit: the answer of before, with the counts beside it.
    small = client.get("/at-risk").json()
    assert small["groups"] == whole["groups"]
    assert small["count"] == 8 and small["next"] is None
    assert small["key_result_count"] == 4

    pages = every_page(client, "/at-risk?limit=3")
    assert len(pages) == 3 and pages[0]["next"] == "/api/v1/at-risk?limit=3&offset=3"
    listed = [o for p in pages for g in p["groups"] for o in g["objectives"]]
    assert listed == [o for g in whole["groups"] for o in g["objectives"]]
    # An owner whose objectives span two pages heads a group on each.
    assert [g["name"] for g in pages[1]["groups"]] == ["Growth", "Lena"]


def test_at_risk_runs_in_the_same_queries_whatever_the_size(world: World, api_as: Any) -> None:
    client = api_as(world.vic, scope="read")
    _behind(world, 3)
    few = queries(client, "/at-risk?limit=2")
    _behind(world, 27, start=3)
    assert queries(client, "/at-risk?limit=2") == few
    assert queries(client, "/at-risk") == few


# --- scores -------------------------------------------------------------------------------------


def test_scores_pages_hold_every_objective_and_team(world: World, api_as: Any) -> None:
    add_departments(world, 3)
    client = api_as(world.vic, scope="read")
    whole = client.get(f"/cycles/{world.cycle.pk}/scores").json()
    assert whole["next"] is None and whole["objectives_count"] == len(whole["objectives"]) == 6
    assert whole["teams_count"] == len(whole["teams"])
    pages = every_page(client, f"/cycles/{world.cycle.pk}/scores?limit=4")
    assert len(pages) == 2
    assert [o for p in pages for o in p["objectives"]] == whole["objectives"]
    assert [t for p in pages for t in p["teams"]] == whole["teams"]
    assert {p["organization"]["name"] for p in pages} == {"Acme"}


def test_scores_run_in_the_same_queries_whatever_the_size(world: World, api_as: Any) -> None:
    client = api_as(world.vic, scope="read")
    path = f"/cycles/{world.cycle.pk}/scores?limit=2"
    add_departments(world, 2)
    few = queries(client, path)
    _behind(world, 15)
    assert queries(client, path) == few


# --- calibration --------------------------------------------------------------------------------


@pytest.fixture
def calibration_at_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review, "LAZY_CALIBRATION_TEAMS", 0)
    monkeypatch.setattr(review, "CALIBRATION_ROWS_PER_PAGE", 2)


def test_a_small_calibration_is_as_before(world: World, history: Any, api_as: Any) -> None:
    from headway.api.report import _calibration_json

    body = api_as(world.vic, scope="read").get("/calibration").json()
    before = _calibration_json(calibration(world.org.pk))
    assert {k: body[k] for k in before} == before
    assert body["at_size"] is False and body["next"] is None and body["departments"] == []
    assert body["flags"] == {"teams": 3, "not_ambitious": 1, "overreach": 1}
    # ``team`` keeps its subtree at any size.
    growth = api_as(world.vic).get(f"/calibration?team={world.growth.pk}").json()
    assert [t["slug"] for t in growth["teams"]] == ["growth"]


@pytest.mark.usefixtures("calibration_at_size")
def test_calibration_at_size_pages_the_teams_with_exact_flags(
    world: World,
    history: Any,
    api_as: Any,
) -> None:
    add_teams(world, 5)
    whole = calibration(world.org.pk)
    client = api_as(world.vic, scope="read")
    pages = every_page(client, "/calibration")
    assert pages[0]["at_size"] is True and len(pages) == 4
    teams = {t["slug"]: t for p in pages for t in p["teams"]}
    assert len(teams) == pages[0]["team_count"] == len(whole.teams) == 8
    assert {s: t["flag"] for s, t in teams.items() if t["flag"]} == {
        t.team.slug: t.flag.value for t in whole.flagged if t.flag
    }
    assert {s: [x["score"] for x in t["scores"]] for s, t in teams.items()} == {
        t.team.slug: [round(h.score, 4) for h in t.history] for t in whole.teams
    }
    assert pages[0]["flags"] == {
        "teams": 8,
        "not_ambitious": sum(t.flag is CalibrationFlag.NOT_AMBITIOUS for t in whole.teams),
        "overreach": 1,
    }
    assert pages[0]["spread"]["organization"] == whole.organization.as_dict()
    assert [d["name"] for d in pages[0]["departments"]] == [
        "Above the departments",
        "Growth",
        "Sales",
    ]
    below = client.get(f"/calibration?team={world.growth.pk}").json()
    assert below["team_count"] == 6


@pytest.mark.usefixtures("calibration_at_size")
def test_calibration_at_size_runs_in_the_same_queries(
    world: World, history: Any, api_as: Any
) -> None:
    client = api_as(world.vic, scope="read")
    add_teams(world, 3)
    few = queries(client, "/calibration")
    add_teams(world, 12, start=3)
    # The same, and pinned: a change in the number is a change to look at.
    assert queries(client, "/calibration") == few == 10


# --- the report ---------------------------------------------------------------------------------


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_at_size, "LAZY_REPORT_TEAMS", 0)
    monkeypatch.setattr(report_at_size, "REPORT_ROWS_PER_PAGE", 2)


def test_a_small_report_is_as_before(world: World, history: Any, api_as: Any) -> None:
    add_departments(world, 2)
    q3 = history.q3
    body = api_as(world.vic, scope="read").get(f"/cycles/{q3.pk}/report").json()
    before = summary(executive_report(world.org, q3, NOW))
    before["calibration"]["flagged_total"] = 2
    assert {k: body[k] for k in before} == before
    assert body["at_size"] is False and body["departments"] == [] and body["next"] is None


@pytest.mark.usefixtures("large")
def test_the_report_at_size_is_the_summary_with_departments_as_rows(
    world: World,
    history: Any,
    api_as: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    departments = add_departments(world, 3)
    make_kpi(world.org, "cac", name="CAC", health="amber")
    client = api_as(world.vic, scope="read")
    whole = summary(executive_report(world.org, world.cycle, NOW))
    pages = every_page(client, f"/cycles/{world.cycle.pk}/report")
    body = pages[0]
    assert body["at_size"] is True and len(pages) == 3
    rows = [r for p in pages for r in p["departments"]]
    assert [r["name"] for r in rows] == ["Dept 00", "Dept 01", "Dept 02", "Growth", "Sales"]
    assert body["departments_total"] == 5
    assert rows[0] == {
        "id": departments[0].pk,
        "name": "Dept 00",
        "slug": "d-0",
        "path": ["Acme"],
        "teams": 2,
        "objectives": 2,
        "behind": 2,
        "progress": 0.0,
        "score": None,
    }
    for key in ("cycle", "organization", "kpis", "risks"):
        assert body[key] == whole[key], key
    assert body["objectives"] == whole["objectives"]

    # The flagged teams are calibration's, capped with their total.
    q3 = client.get(f"/cycles/{history.q3.pk}/report").json()
    flagged = calibration(world.org.pk, until=history.q3, last=6).flagged
    assert q3["calibration"]["flagged"] == [
        {"team": t.team.name, "flag": t.flag.value, "reason": t.reason}  # type: ignore[union-attr]
        for t in flagged
    ]
    monkeypatch.setattr(review, "REPORT_FLAGGED", 1)
    capped = client.get(f"/cycles/{history.q3.pk}/report").json()["calibration"]
    assert len(capped["flagged"]) == 1 and capped["flagged_total"] == 2

    # One department's part: its own objectives, its teams as rows, its subtree's KPIs.
    part = client.get(f"/cycles/{world.cycle.pk}/report?team={departments[0].pk}").json()
    assert part["team"]["name"] == "Dept 00" and part["team"]["objectives"] == 2
    assert [o["title"] for o in part["objectives"]] == ["Dept 00 objective"]
    assert [r["name"] for r in part["departments"]] == ["Squad 00"]
    assert [k["name"] for k in part["kpis"]["red"]] == ["KPI 00"]
    assert part["risks"]["total"] == 2
    other = api_as(world.oscar).get(f"/cycles/{world.other_cycle.pk}/report?team={world.growth.pk}")
    assert other.status_code == 422 and other.json()["detail"][0]["loc"][-1] == "team"


@pytest.mark.usefixtures("large")
def test_the_report_at_size_runs_in_the_same_queries(
    world: World, history: Any, api_as: Any
) -> None:
    client = api_as(world.vic, scope="read")
    add_departments(world, 2)
    paths = [
        f"/cycles/{history.q3.pk}/report",
        f"/cycles/{world.cycle.pk}/report?team={world.company.pk}",
    ]
    few = [queries(client, p) for p in paths]
    add_teams(world, 6)
    for i in range(6):
        make_kpi(world.org, f"more-{i}", health="red")
    # The same, and pinned: a change in the number is a change to look at.
    assert [queries(client, p) for p in paths] == few == [17, 17]


@pytest.mark.usefixtures("large")
def test_the_pdf_at_size_is_the_web_pages(
    world: World, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = capture_pdf(monkeypatch)
    departments = add_departments(world, 3)
    client = api_as(world.vic, scope="read")
    response = client.get(f"/cycles/{world.cycle.pk}/report.pdf")
    assert response.status_code == 200 and response.content == b"%PDF-fake"
    assert drawn[-1]["at_size"] is True
    response = client.get(f"/cycles/{world.cycle.pk}/report.pdf?team={departments[0].pk}")
    assert response["Content-Disposition"] == 'attachment; filename="acme-d-0-2026-q4-report.pdf"'
    assert drawn[-1]["part"].team == departments[0]
