"""The executive report at size: the summary with the departments as rows that load their part
(?team=), the calibration chart counted by the database, the PDF per department; driven on
small data with the bounds lowered."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from headway.okrs import report_at_size
from headway.okrs.calibration import calibration, counted_chart
from headway.okrs.models import Cycle
from headway.orgs.models import Team
from tests.factories import World, make_kpi, make_kr, make_objective
from tests.okrs.test_calibration import graded_cycle, objective_with_scores
from tests.okrs.test_report import set_progress

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def cycle_okrs(world: World, okrs):  # type: ignore[no-untyped-def]
    """As in test_report: the visitors off track, the sign-ups at risk, KPIs of each health."""
    set_progress(okrs.visitors, 0.1)
    set_progress(okrs.signups, 0.3)
    make_kpi(world.org, "nps", name="NPS", health="red", owner_team=world.growth)
    make_kpi(world.org, "cac", name="Customer acquisition cost", health="amber")
    make_kpi(world.other_org, "nps", name="Their NPS", health="red")
    return okrs


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any organization counts as large: the report at size on the small world."""
    monkeypatch.setattr(report_at_size, "LAZY_REPORT_TEAMS", 0)


def add_departments(world: World, n: int) -> list[Team]:
    """``n`` departments under the company, each with a team below it, an objective with a key
    result behind pace in each, and a critical KPI."""
    departments = []
    for i in range(n):
        department = Team.objects.create(
            organization=world.org, name=f"Dept {i:02}", slug=f"d-{i}", parent=world.company
        )
        below = Team.objects.create(
            organization=world.org, name=f"Squad {i:02}", slug=f"s-{i}", parent=department
        )
        for team in (department, below):
            objective = make_objective(world.cycle, team=team, title=f"{team.name} objective")
            make_kr(objective, f"{team.name} KR", "0", "10", progress=0.0)
        make_kpi(world.org, f"kpi-{i}", name=f"KPI {i:02}", health="red", owner_team=below)
        departments.append(department)
    return departments


def objectives_table(html: str) -> str:
    return html.split('data-testid="report-objectives"')[1].split("</table>")[0]


def count_queries(client: Any, url: str, **headers: str) -> int:
    client.get(url, **headers)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **headers).status_code == 200
    return len(captured.captured_queries)


def test_a_small_organization_keeps_the_whole_report(world, cycle_okrs, client_for):
    html = client_for("vic").get(f"/okrs/cycle/{world.cycle.pk}/report/").content.decode()
    assert 'data-testid="report-at-size"' not in html
    assert 'data-testid="report-team-row"' not in html
    assert "Increase monthly visitors from 3k to 7k" in html and "KPI NPS" in html
    assert not report_at_size.size(world.org.pk, world.cycle).large


@pytest.mark.django_db
def test_the_demo_is_below_the_bounds():
    from headway.demo import load_demo

    org = load_demo(today=dt.date(2026, 11, 16))
    cycle = Cycle.objects.get(organization=org, name="2026-Q4")
    assert not report_at_size.size(org.pk, cycle).large


@pytest.mark.usefixtures("large")
def test_at_size_the_departments_are_rows_that_load_their_part(world, cycle_okrs, client_for):
    departments = add_departments(world, 3)
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"
    html = client.get(url).content.decode()
    assert 'data-testid="report-at-size"' in html
    assert "Grow a loyal customer base" in html  # the company's objective
    assert html.count('data-testid="report-team-row"') == 4  # Growth and the three
    for department in departments:
        assert f'hx-get="{url}?team={department.pk}"' in html
    assert "Dept 00" in html and "2 teams · 2 objectives" in html
    # No team objective and no squad row in the summary: they load with their department.
    assert objectives_table(html).count("<tr><td>") == 1
    assert 'data-testid="report-team-row"' in html and "Squad 00</span>" not in html
    # The organization's counts still cover everything.
    assert "5 critical" not in html  # three departments' KPIs plus NPS
    assert "4 critical" in html

    part = client.get(f"{url}?team={departments[0].pk}", HTTP_HX_REQUEST="true")
    fragment = part.content.decode()
    assert part.status_code == 200 and "<html" not in fragment
    assert "Dept 00 objective" in fragment and "Squad 00" in fragment
    assert "Dept 01" not in fragment and "KPI 00" in fragment and "KPI 01" not in fragment
    assert "Squad 00 KR" in fragment  # its subtree's risks

    alone = client.get(f"{url}?team={departments[0].pk}").content.decode()
    assert "<html" in alone and "Dept 00 objective" in alone
    assert 'data-testid="report-whole"' in alone


@pytest.mark.usefixtures("large")
def test_at_size_query_counts_are_fixed(world, cycle_okrs, client_for):
    graded = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(graded, world.growth, [1.0, 0.5])
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"
    add_departments(world, 3)
    first = Team.objects.get(slug="d-0").pk
    counts = (
        count_queries(client, url),
        count_queries(client, f"{url}?team={first}", HTTP_HX_REQUEST="true"),
        count_queries(client, f"{url}?team={first}"),
        count_queries(client, f"{url}?part=calibration", HTTP_HX_REQUEST="true"),
    )
    for i in range(3, 30):  # ten times as many departments
        add_department(world, i)
    assert (
        count_queries(client, url),
        count_queries(client, f"{url}?team={first}", HTTP_HX_REQUEST="true"),
        count_queries(client, f"{url}?team={first}"),
        count_queries(client, f"{url}?part=calibration", HTTP_HX_REQUEST="true"),
    ) == counts
    # session, user, membership, the cycle; the roll-up with the sizes, the team tree, the
    # company objectives counted and listed, the key results behind pace found and read,
    # KPIs counted, critical and warning ones listed, the teams' objectives counted, the cycle
    # picker
    assert counts[0] == 15


def add_department(world: World, i: int) -> None:
    department = Team.objects.create(
        organization=world.org, name=f"Dept {i:02}", slug=f"d-{i}", parent=world.company
    )
    objective = make_objective(world.cycle, team=department, title=f"Dept {i:02} objective")
    make_kr(objective, f"Dept {i:02} KR", "0", "10", progress=0.0)
    make_kpi(world.org, f"kpi-{i}", name=f"KPI {i:02}", health="red", owner_team=department)


@pytest.mark.usefixtures("large")
def test_at_size_rows_and_lists_are_paged_and_counted(world, cycle_okrs, client_for, monkeypatch):
    monkeypatch.setattr(report_at_size, "REPORT_ROWS_PER_PAGE", 2)
    monkeypatch.setattr(report_at_size, "TOP_KPIS", 2)
    monkeypatch.setattr(report_at_size, "TOP_RISKS", 2)
    add_departments(world, 4)
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"
    html = client.get(url).content.decode()
    assert html.count('data-testid="report-team-row"') == 2
    assert "Page 1 of 3" in html and f"{url}?page=2" in html
    assert "showing 1\N{EN DASH}2 of 5" in html
    assert "Showing 2 of 5 critical" in html
    assert "Showing the 2 furthest behind of 10 key results behind pace" in html
    last = client.get(f"{url}?page=3").content.decode()
    assert "Page 3 of 3" in last and last.count('data-testid="report-team-row"') == 1
    for bad in ("zzz", "-1", "999"):
        assert client.get(f"{url}?page={bad}").status_code == 200


def test_a_team_that_is_not_there_is_a_404(world, cycle_okrs, client_for):
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"
    assert client.get(f"{url}?team={world.other_team.pk}").status_code == 404
    assert client.get(f"{url}?team=abc").status_code == 404
    assert client.get(f"{url}?team=").status_code == 404
    pdf = f"/okrs/cycle/{world.cycle.pk}/report.pdf?team={world.other_team.pk}"
    assert client.get(pdf).status_code == 404


def test_the_counted_chart_holds_the_same_scores_as_the_points(world):
    q2 = graded_cycle(world.org, "2026-Q2", dt.date(2026, 4, 1))
    q3 = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(q2, world.growth, [1.0, 0.5, 0.5])
    objective_with_scores(q3, world.growth, [0.3, 0.7], kind="committed")
    ungraded = objective_with_scores(q3, world.company, [0.2])
    # Key results without a grade score by their progress, snapped to tenths, halves up.
    for progress in (0.25, 0.349, 0.05, 0.95, 1.0, 0.0):
        make_kr(ungraded, f"at {progress}", "0", "10", progress=progress)
    expected = Counter(
        (p["cycle"], p["kind"], p["score"])
        for p in calibration(world.org.pk, until=world.cycle, last=6).points
    )
    cycles, points = report_at_size.score_points(world.org.pk, world.cycle)
    assert [c.name for c in cycles] == ["2026-Q2", "2026-Q3"]
    assert {(p["cycle"], p["kind"], p["score"]): p["count"] for p in points} == dict(expected)
    chart = counted_chart(cycles, points)
    assert chart["layer"][0]["encoding"]["size"]["field"] == "count"


@pytest.mark.usefixtures("large")
def test_the_chart_loads_on_its_own_at_size(world, cycle_okrs, client_for):
    graded = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(graded, world.growth, [1.0, 0.5])
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"
    html = client.get(url).content.decode()
    assert f'hx-get="{url}?part=calibration"' in html and "chart-report-calibration" not in html
    part = client.get(f"{url}?part=calibration", HTTP_HX_REQUEST="true").content.decode()
    assert "chart-report-calibration" in part and '"count": 1' in part
    # Without JavaScript, the link shows the page with the chart in place.
    assert "chart-report-calibration" in client.get(f"{url}?part=calibration").content.decode()


def capture_pdf(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The contexts the PDF is drawn from, rendered as HTML rather than through WeasyPrint."""
    drawn: list[dict[str, Any]] = []

    def fake(
        context: dict[str, Any],
        footer: str,
        base_url: str | None = None,
        *,
        chart: dict[str, Any] | None = None,
    ) -> bytes:
        drawn.append({**context, "pdf": True, "footer": footer, "chart_image": bool(chart)})
        return b"%PDF-fake"

    # The report at size calls it by its own import; the small report through its module.
    monkeypatch.setattr("headway.okrs.report.write_pdf", fake)
    monkeypatch.setattr("headway.okrs.report_at_size.write_pdf", fake)
    return drawn


@pytest.mark.usefixtures("large")
def test_the_pdf_at_size_is_the_summary_with_a_section_per_department(
    world, cycle_okrs, client_for, monkeypatch
):
    monkeypatch.setattr(report_at_size, "REPORT_ROWS_PER_PAGE", 2)
    drawn = capture_pdf(monkeypatch)
    departments = add_departments(world, 3)
    client = client_for("vic")
    response = client.get(f"/okrs/cycle/{world.cycle.pk}/report.pdf")
    assert response.status_code == 200
    html = render_to_string("okrs/report_pdf.html", drawn[-1])
    # Every department, unpaged, and no team objective.
    rows = html.split('data-testid="report-team-rows"')[1].split("</table>")[0]
    assert rows.count("<tr><td>") == 4 and "Growth" in rows and "Dept 02" in rows
    assert objectives_table(html).count("<tr><td>") == 1 and "hx-get" not in html

    response = client.get(f"/okrs/cycle/{world.cycle.pk}/report.pdf?team={departments[0].pk}")
    assert response["Content-Disposition"] == 'attachment; filename="acme-d-0-2026-q4-report.pdf"'
    html = render_to_string("okrs/report_pdf.html", drawn[-1])
    assert "Dept 00 objective" in html and "Squad 00" in html and "Dept 01" not in html


def test_the_pdf_of_a_small_organization_is_as_before(world, cycle_okrs, client_for, monkeypatch):
    drawn = capture_pdf(monkeypatch)
    assert client_for("vic").get(f"/okrs/cycle/{world.cycle.pk}/report.pdf").status_code == 200
    html = render_to_string("okrs/report_pdf.html", drawn[-1])
    assert "Increase monthly visitors from 3k to 7k" in html and "Departments" not in html
