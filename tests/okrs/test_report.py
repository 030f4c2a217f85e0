"""The executive report of a cycle: its content, the page, the PDF, and the demo's PDF."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.core import PaceStatus
from headway.core.calibration import CalibrationFlag
from headway.okrs.choices import CycleState
from headway.okrs.models import Cycle, KeyResult
from headway.okrs.report import executive_report, render_pdf
from headway.okrs.scores import recompute_scores
from headway.okrs.services import recompute_objective, recompute_rollups
from headway.orgs.models import Team
from tests.conftest import NOW
from tests.factories import World, make_kpi, make_kr, make_objective
from tests.okrs.test_calibration import graded_cycle, objective_with_scores


def set_progress(kr: KeyResult, progress: float) -> None:
    KeyResult.objects.filter(pk=kr.pk).update(progress=progress)
    recompute_objective(kr.objective)
    recompute_rollups(kr.objective.cycle, [kr.objective.owner_team_id])


@pytest.fixture
def cycle_okrs(world: World, okrs):  # type: ignore[no-untyped-def]
    """On NOW (mid-November) about half of 2026-Q4 has gone by: the visitors at 0.1 are off
    track, the sign-ups at 0.3 at risk, the company's key result at 0.6 on track."""
    set_progress(okrs.visitors, 0.1)
    set_progress(okrs.signups, 0.3)
    company_kr = make_kr(okrs.company, "Paying customers from 100 to 200", "100", "200")
    set_progress(company_kr, 0.6)
    make_kpi(world.org, "nps", name="NPS", health="red", owner_team=world.growth)
    make_kpi(world.org, "cac", name="Customer acquisition cost", health="amber")
    make_kpi(world.org, "dau", name="DAU/MAU", health="green")
    make_kpi(world.org, "churn", name="Churn", health="unknown")
    make_kpi(world.other_org, "nps", name="Their NPS", health="red")
    return okrs


@pytest.mark.usefixtures("frozen")
def test_report_of_a_running_cycle(world, cycle_okrs):
    report = executive_report(world.org, world.cycle, NOW)
    assert report.graded is False
    assert [line.objective.title for line in report.objectives] == ["Grow a loyal customer base"]
    assert report.company_owned is True
    (line,) = report.objectives
    assert line.score is None and line.pace is PaceStatus.ON_TRACK
    assert [(k.name) for k in report.kpis.red] == ["NPS"]
    assert [(k.name) for k in report.kpis.amber] == ["Customer acquisition cost"]
    assert dict((h.value, n) for h, n in report.kpis.counts) == {
        "red": 1,
        "amber": 1,
        "green": 1,
        "stale": 0,
        "unknown": 1,
    }
    assert [(r.key_result.title, r.pace) for r in report.risks] == [
        ("Increase monthly visitors from 3k to 7k", PaceStatus.OFF_TRACK),
        ("Trial sign-ups from 250 to 500", PaceStatus.AT_RISK),
    ]
    assert report.risks_total == 2
    assert 0.5 < report.expected < 0.51


@pytest.mark.usefixtures("frozen")
def test_report_of_a_graded_cycle_shows_scores(world, cycle_okrs):
    Cycle.objects.filter(pk=world.cycle.pk).update(state=CycleState.GRADING)
    world.cycle.refresh_from_db()
    KeyResult.objects.filter(objective=cycle_okrs.company).update(score=0.8)
    recompute_scores(world.cycle)
    report = executive_report(world.org, world.cycle, NOW)
    assert report.graded is True
    assert [(line.score, line.pace) for line in report.objectives] == [(0.8, None)]
    assert report.organization_score is not None


@pytest.mark.usefixtures("frozen")
def test_without_a_company_objective_the_unaligned_team_ones_lead(world):
    growth = make_objective(world.cycle, team=world.growth, title="Bring new inbound leads")
    make_kr(growth, "Visitors from 3k to 7k", "3000", "7000")
    report = executive_report(world.org, world.cycle, NOW)
    assert [line.objective for line in report.objectives] == [growth]
    assert report.company_owned is False


@pytest.mark.usefixtures("frozen")
def test_report_carries_the_calibration(world):
    for i, name in enumerate(["2026-Q2", "2026-Q3"]):
        q = graded_cycle(world.org, name, dt.date(2026, 4 + 3 * i, 1))
        objective_with_scores(q, world.growth, [1.0, 1.0])
    report = executive_report(world.org, world.cycle, NOW)
    assert [c.name for c in report.calibration.cycles] == ["2026-Q2", "2026-Q3"]
    assert [t.flag for t in report.calibration.flagged] == [CalibrationFlag.NOT_AMBITIOUS]
    # A report of an earlier quarter looks only as far as that quarter.
    q2 = Cycle.objects.get(organization=world.org, name="2026-Q2")
    assert [c.name for c in executive_report(world.org, q2, NOW).calibration.cycles] == ["2026-Q2"]


@pytest.mark.usefixtures("frozen")
def test_page_shows_the_report(world, cycle_okrs, client_for):
    response = client_for("vic").get(f"/okrs/cycle/{world.cycle.pk}/report/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Executive report · 2026-Q4" in html
    assert "Grow a loyal customer base" in html
    assert "Increase monthly visitors from 3k to 7k" in html
    assert "KPI NPS" in html and "Customer acquisition cost" in html
    assert f"/okrs/cycle/{world.cycle.pk}/report.pdf" in html
    # The current cycle by default, from the nav link; the board links to the report.
    assert client_for("vic").get("/okrs/report/").content.decode().count("2026-Q4") >= 1
    board = client_for("vic").get("/okrs/").content.decode()
    assert f"/okrs/cycle/{world.cycle.pk}/report/" in board
    other = client_for("vic").get(f"/okrs/cycle/{world.other_cycle.pk}/report/")
    assert other.status_code == 404


@pytest.mark.usefixtures("frozen")
def test_pdf_download(world, cycle_okrs, client_for):
    client = client_for("vic")
    response = client.get(f"/okrs/cycle/{world.cycle.pk}/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="acme-2026-q4-report.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert client.get(f"/okrs/cycle/{world.other_cycle.pk}/report.pdf").status_code == 404


def add_rows(world: World, n: int) -> None:
    for i in range(n):
        team = Team.objects.create(
            organization=world.org, name=f"Team {i}", slug=f"t-{i}", parent=world.company
        )
        objective = make_objective(world.cycle, team=team, title=f"Team objective {i}")
        make_kr(objective, f"KR {i}", "0", "10", progress=0.0)
        make_objective(world.cycle, team=world.company, title=f"Company {i}")
        make_kpi(world.org, f"kpi-{i}", health="red" if i % 2 else "amber")


@pytest.mark.usefixtures("frozen")
def test_page_query_count_is_pinned(world, cycle_okrs, client_for):
    graded = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(graded, world.growth, [1.0, 0.5])
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    # session, user, membership, the cycle; the organization's roll-up, company objectives,
    # key results behind pace, KPIs, graded cycles with their objectives and key results (3),
    # the cycle picker
    assert queries() == 12
    add_rows(world, 15)
    assert queries() == 12


# --- the demo's PDF, page by page -------------------------------------------------------------


def pgm_pixels(path: Path) -> bytes:
    """The grey levels of a binary PGM (P5) file."""
    data = path.read_bytes()
    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:  # magic, width, height, maxval; comments start with #
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] == b"P5" and int(fields[3]) < 256
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1 : pos + 1 + width * height]
    assert len(pixels) == width * height
    return pixels


@pytest.mark.django_db
def test_the_demo_report_pdf_has_real_pages(tmp_path):
    from headway.demo import load_demo

    now = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        org = load_demo(today=now.date())
        cycle = Cycle.objects.get(organization=org, name="2026-Q4")
        report = executive_report(org, cycle, now)
        pdf = render_pdf(report)
    assert report.objectives and report.calibration.points and report.kpis.total
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(  # noqa: S603 - fixed tool, our own file
        ["/usr/bin/pdfinfo", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert "A4" in info
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])
    assert 1 <= pages <= 4
    subprocess.run(  # noqa: S603
        ["/usr/bin/pdftoppm", "-gray", "-r", "40", str(path), str(tmp_path / "page")], check=True
    )
    images = sorted(tmp_path.glob("page*.pgm"))
    assert len(images) == pages
    inked = []
    for image in images:
        pixels = pgm_pixels(image)
        inked.append(sum(1 for p in pixels if p < 240) / len(pixels))
    # Text, tables, badges and the chart: a blank page sits at 0, the footer alone near 0.002.
    assert all(share > 0.01 for share in inked), inked
    assert inked[0] > 0.04, inked


# --- drawing the PDF once per content ---------------------------------------------------------


@pytest.fixture
def drawings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The HTML of every PDF WeasyPrint really draws (it still draws them)."""
    import weasyprint
    from django.core.cache import cache

    cache.clear()
    drawn: list[str] = []
    real = weasyprint.HTML

    def spy(*args: object, string: str, **kwargs: object) -> weasyprint.HTML:
        drawn.append(string)
        return real(*args, string=string, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    return drawn


@pytest.mark.usefixtures("frozen")
def test_the_same_report_is_drawn_once_and_a_change_draws_it_again(
    world, cycle_okrs, client_for, drawings
):
    graded = graded_cycle(world.org, "2026-Q3", dt.date(2026, 7, 1))
    objective_with_scores(graded, world.growth, [1.0, 0.5])
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report.pdf"
    first = client.get(url).content
    # The chart is drawn as vector graphics, in the document's own font.
    assert len(drawings) == 1 and "data:image/svg+xml;base64," in drawings[0]
    assert "headway:chart-slot" not in drawings[0]
    again = client_for("alice").get(url).content
    assert again == first and len(drawings) == 1
    # A figure the report prints moves: another PDF, drawn afresh.
    set_progress(cycle_okrs.visitors, 0.9)
    changed = client.get(url).content
    assert len(drawings) == 2 and changed != first
    assert drawings[1] != drawings[0]


@pytest.mark.usefixtures("frozen")
def test_no_pdf_is_kept_when_the_setting_is_zero(world, cycle_okrs, client_for, drawings, settings):
    settings.HEADWAY_PDF_CACHE_SECONDS = 0
    client = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/report.pdf"
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200
    assert len(drawings) == 2


@pytest.mark.usefixtures("frozen")
def test_a_cache_that_is_down_costs_the_drawing_not_the_pdf(
    world, cycle_okrs, client_for, drawings, settings, caplog
):
    # A Redis nobody listens on: every get and set fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = client_for("vic")
    response = client.get(f"/okrs/cycle/{world.cycle.pk}/report.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert len(drawings) == 1
    assert "report PDF cache unavailable" in caplog.text
