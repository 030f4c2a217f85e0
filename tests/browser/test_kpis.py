"""The KPI pages in a real browser: charts drawn by vega-embed, a value added through the form,
and the team and people pages readable on a 390 px phone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from headway.kpis.models import Benchmark, Kpi, Measurement
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.factories import World, make_kpi, make_kr, make_objective

pytestmark = pytest.mark.django_db(transaction=True)

MONTHS = [dt.date(2026, m, 1) for m in range(4, 11)]


def _kpi(world: World, key: str, values: list[str], **extra: object) -> Kpi:
    kpi = make_kpi(world.org, key, owner=world.mo, owner_team=world.growth, **extra)
    Measurement.objects.bulk_create(
        Measurement(
            organization=world.org,
            kpi=kpi,
            period=period,
            value=Decimal(value),
            recorded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
        for period, value in zip(MONTHS, values, strict=False)
    )
    return kpi


@pytest.fixture
def nps(world: World) -> Kpi:
    kpi = _kpi(
        world,
        "nps",
        ["24", "26", "27", "29", "30", "32", "33"],
        name="NPS",
        target=45,
        warning_threshold=25,
        critical_threshold=15,
    )
    Benchmark.objects.create(organization=world.org, kpi=kpi, name="Competitor NPS", value=50)
    return kpi


def _drawn(chart: Locator, mark: str) -> Locator:
    """The chart's SVG once vega-embed has drawn it, checked to have visible marks."""
    svg = chart.locator("svg").first
    svg.wait_for()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 20
    paths = svg.locator(f"g.mark-{mark}.role-mark path")
    expect(paths.first).to_be_attached()
    return paths


def test_kpi_page_draws_the_chart_with_values_target_and_bands(page: Page, nps: Kpi) -> None:
    sign_in(page, "vic")
    page.goto(f"/kpis/{nps.pk}/")

    chart = page.locator(f'[data-chart="chart-kpi-{nps.pk}"]')
    line = _drawn(chart, "line")
    assert "M" in (line.first.get_attribute("d") or "")  # a drawn path, not an empty one
    # One point per value, the target and benchmark rules, the warning and critical bands.
    expect(chart.locator("g.mark-symbol.role-mark path")).to_have_count(7)
    expect(chart.locator("g.mark-rule.role-mark line")).to_have_count(2)
    expect(chart.locator("g.mark-rect.role-mark path")).to_have_count(2)
    # vega-embed makes the element a graphics document labelled with the text alternative.
    expect(chart).to_have_attribute(
        "aria-label",
        "Chart of NPS, 7 values from 24 in Apr 2026 to 33 in Oct 2026; target 45. "
        "Every value is in the table below.",
    )
    expect(page.get_by_test_id("health-explanation")).to_contain_text("Healthy: 33 (Oct 2026)")


def test_dashboard_draws_a_sparkline_per_kpi(page: Page, world: World, nps: Kpi) -> None:
    cac = _kpi(world, "cac", ["200", "210", "250", "270"], name="CAC", unit="$", direction="lower")
    sign_in(page, "vic")
    page.goto("/kpis/")

    for kpi in (nps, cac):
        sparkline = page.locator(f'[data-chart="spark-kpi-{kpi.pk}"]')
        _drawn(sparkline, "line")
        expect(sparkline.locator("g.mark-symbol.role-mark")).to_have_count(0)  # a line, no points
    expect(page.get_by_test_id("kpi-card")).to_have_count(2)
    expect(page.get_by_test_id("gap")).to_have_text("\u221217 (\u221234%), behind")


def test_adding_a_value_through_the_form_updates_the_table(page: Page, nps: Kpi) -> None:
    sign_in(page, "mo")
    page.goto(f"/kpis/{nps.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Save value"))
    table = page.get_by_test_id("measurements")
    expect(table.locator("tbody tr")).to_have_count(7)

    form.get_by_label("Period").fill("2026-11-14")
    form.get_by_label("Value").fill("35")
    form.get_by_label("Value").press("Enter")  # the keyboard submits it

    expect(page.get_by_role("status")).to_contain_text("Recorded 35 for Nov 2026.")
    expect(table.locator("tbody tr")).to_have_count(8)
    expect(table.locator("tbody tr").first).to_contain_text("Nov 2026")
    expect(table.locator("tbody tr").first).to_contain_text("35")
    chart = page.locator(f'[data-chart="chart-kpi-{nps.pk}"]')
    _drawn(chart, "line")
    expect(chart.locator("g.mark-symbol.role-mark path")).to_have_count(8)
    expect(page.get_by_test_id("history")).to_contain_text("Nov 2026: 35 (new)")


def test_a_wrong_value_is_answered_beside_the_field(page: Page, nps: Kpi) -> None:
    sign_in(page, "mo")
    page.goto(f"/kpis/{nps.pk}/")
    form = page.locator("form", has=page.get_by_role("button", name="Save value"))
    form.get_by_label("Value").fill("abc")
    form.get_by_role("button", name="Save value").click()

    form = page.locator("form", has=page.get_by_role("button", name="Save value"))
    expect(form.locator(".field.has-error")).to_contain_text("must be a number, not 'abc'")
    expect(form.get_by_label("Value")).to_have_value("abc")


@pytest.mark.parametrize("width", ["1280", "390"])
def test_kpi_team_and_people_pages_fit_the_screen(
    page: Page, world: World, nps: Kpi, width: str
) -> None:
    objective = make_objective(world.cycle, team=world.growth, title="Our customers love us")
    make_kr(objective, owner=world.mo)
    if width == "390":
        page.set_viewport_size(PHONE)
    sign_in(page, "lena")

    pages = {
        "kpi-dashboard": "/kpis/",
        "kpi-page": f"/kpis/{nps.pk}/",
        "kpi-new": "/kpis/new/",
        "teams": "/teams/",
        "team": f"/teams/{world.growth.pk}/",
        "people": "/people/",
        "person": f"/people/{world.mo.pk}/",
    }
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        charts = page.locator("[data-chart]")
        for i in range(charts.count()):
            charts.nth(i).locator("svg").first.wait_for()
        screenshot(page, f"{name}-{width}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a {width}px screen"
