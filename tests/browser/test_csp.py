"""The main pages, served with their Content-Security-Policy, break none of it in Chromium.

The policy allows no inline script or style and no eval: the charts must draw with Vega's
expression interpreter and htmx must not add its indicator styles. Chromium reports every refusal
as a ``securitypolicyviolation`` event and a console error; both are collected on every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from headway.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from headway.kpis.models import Kpi
from headway.okrs.models import Objective
from headway.strategy.models import StrategyCanvas, XMatrix
from headway.web.security import CONTENT_SECURITY_POLICY
from tests.browser.conftest import sign_in

COLLECT = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI + " " +
    (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


@pytest.fixture
def demo_pages(db: None) -> list[tuple[str, str]]:
    org = load_demo(today=dt.date.today())
    objective = Objective.objects.filter(organization=org).order_by("pk").first()
    kpi = Kpi.objects.filter(organization=org, measurements__isnull=False).order_by("pk").first()
    matrix = XMatrix.objects.filter(organization=org).order_by("pk").first()
    canvas = StrategyCanvas.objects.filter(organization=org).order_by("pk").first()
    assert objective and kpi and matrix and canvas
    return [
        ("home", reverse("web:home")),
        ("board", reverse("okrs:board")),
        ("objective", reverse("okrs:objective", args=[objective.pk])),
        ("kpis", reverse("kpis:dashboard")),
        ("kpi", reverse("kpis:kpi", args=[kpi.pk])),
        ("xmatrix", reverse("strategy:xmatrix", args=[matrix.pk])),
        ("xmatrix page", reverse("strategy:xmatrix-page", args=[matrix.pk])),
        ("canvas", reverse("strategy:canvas", args=[canvas.pk])),
        ("report", reverse("okrs:report")),
        ("coach settings", reverse("okrs:coach-settings")),
        ("password", reverse("web:password-change")),
        ("alignment", reverse("okrs:alignment")),
    ]


def test_the_main_pages_keep_to_the_policy(page: Page, demo_pages: list[tuple[str, str]]) -> None:
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # No favicon is served (a 404 the browser asks for on its own, not a policy matter).
        if message.type == "error" and "favicon" not in (message.location.get("url") or ""):
            console.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.add_init_script(COLLECT)
    sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
    charts = 0
    for name, path in demo_pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, name
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        page.wait_for_load_state("networkidle")
        for chart in page.locator("[data-chart]").all():
            expect(chart).to_have_attribute("data-rendered", "1")
            expect(chart.locator("svg, canvas").first).to_be_visible()
            charts += 1
        violations: Any = page.evaluate("window.__violations")
        assert violations == [], (name, violations)
    assert console == []
    # The KPI page and the board draw charts: the interpreter really ran.
    assert charts >= 2


def test_a_chart_tooltip_shows_without_injected_styles(
    page: Page, demo_pages: list[tuple[str, str]]
) -> None:
    page.add_init_script(COLLECT)
    sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
    kpi = dict(demo_pages)["kpi"]
    page.goto(kpi)
    chart = page.locator("[data-chart][data-rendered='1']").first
    expect(chart.locator("svg").first).to_be_visible()
    box = chart.locator("svg").first.bounding_box()
    assert box is not None
    # Sweep the pointer over the chart so Vega's tooltip handler runs on the marks it crosses.
    for step in range(1, 20):
        for row in (0.3, 0.5, 0.7):
            page.mouse.move(box["x"] + box["width"] * step / 20, box["y"] + box["height"] * row)
    # vega-tooltip adds no <style> of its own (the policy would refuse it); headway.css has it.
    assert page.evaluate("document.querySelectorAll('head style').length") == 0
    assert page.evaluate("window.__violations") == []
