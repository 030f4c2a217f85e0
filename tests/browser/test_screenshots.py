"""Screenshots of the main pages at desktop and phone widths, for people to look at.

They land in artifacts/screenshots/ (a CI artifact, never committed). The test also checks that
nothing on the page is wider than the viewport, so a 390 px phone never scrolls sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import Page

from headway.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from headway.kpis.models import Kpi
from headway.okrs.models import Objective
from tests.browser.conftest import DESKTOP, PHONE, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 11, 22)

# Every visible form control needs a name a screen reader can read out.
UNLABELLED = """
[...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.textContent || '').trim()
                && !(el.type === 'submit' && el.value))
  .map(el => el.outerHTML.slice(0, 120))
"""


@pytest.fixture
def demo(db: None):  # type: ignore[no-untyped-def]
    # The demo's history ends "today"; the pages must see the same day.
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=True):
        yield load_demo(today=TODAY)


def _pages(demo) -> dict[str, str]:  # type: ignore[no-untyped-def]
    objective = Objective.objects.get(
        organization=demo, title="Bring new inbound leads to the website", cycle__name="2026-Q4"
    )
    kpi = Kpi.objects.get(organization=demo, key="cac")
    return {
        "home": "/",
        "board": "/okrs/",
        "objective": f"/objectives/{objective.pk}/",
        "kpi": f"/kpis/{kpi.pk}/",
        "kpis": "/kpis/",
    }


@pytest.mark.parametrize(("width", "viewport"), [("1280", DESKTOP), ("390", PHONE)])
def test_screenshots_of_the_main_pages(page: Page, demo, width: str, viewport) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size(viewport)
    sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)

    for name, url in _pages(demo).items():
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        page.wait_for_load_state("networkidle")
        charts = page.locator("[data-chart]")
        for i in range(charts.count()):
            charts.nth(i).locator("svg, canvas").first.wait_for()
        path = screenshot(page, f"{name}-{width}")
        assert path.stat().st_size > 10_000
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} is {overflow}px wider than a {width}px screen"
        assert page.evaluate(UNLABELLED) == [], f"{name} has form controls without a label"
        assert page.locator("h1").count() == 1, f"{name} needs exactly one h1"
