"""The coach in a real browser: findings appear while the objective is typed, without a submit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from headway.core.coach import RULES
from headway.okrs.models import Objective
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.factories import World, make_kr, make_objective

# The live server runs in another thread: the data must be committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)

MARK = "window.__marker = 1"
MARKED = "window.__marker === 1"
KPI = RULES["kpi-in-okr-format"]


def test_typing_a_kpi_as_an_okr_shows_the_coach_finding(page: Page, world: World) -> None:
    sign_in(page, "lena")
    page.goto("/objectives/new/")
    coach = page.get_by_test_id("coach")
    expect(coach).to_have_attribute("role", "status")
    expect(coach).to_have_attribute("aria-live", "polite")
    expect(coach).to_contain_text("as you type")
    page.evaluate(MARK)

    page.get_by_label("Title").first.fill("Increase revenue")
    page.get_by_role("group", name="Key result 1").get_by_label("Title").fill("10% more revenue")

    finding = coach.locator('[data-rule="kpi-in-okr-format"]')
    expect(finding).to_be_visible()
    expect(finding).to_contain_text(KPI.title)
    expect(finding).to_contain_text("Error")
    expect(finding).to_contain_text("Keep revenue as a KPI")
    assert page.evaluate(MARKED), "the page was reloaded"
    assert not Objective.objects.exists()

    # Rewritten as the seeds' good OKR, the finding goes away as it is typed.
    page.get_by_label("Title").first.fill("Our customers love our onboarding")
    first = page.get_by_role("group", name="Key result 1")
    first.get_by_label("Title").fill("Onboarding NPS rises from 32 to 55")
    first.get_by_label("Start (baseline)").fill("32")
    first.get_by_label("Target").fill("55")
    second = page.get_by_role("group", name="Key result 2")
    second.get_by_label("Title").fill("Cut the time to first value from 14 to 5 days")
    second.get_by_label("Start (baseline)").fill("14")
    second.get_by_label("Target").fill("5")
    second.get_by_label("Direction").select_option("decrease")
    expect(finding).to_have_count(0)
    expect(coach).to_contain_text("Nothing to flag")
    assert not Objective.objects.exists()


def test_badge_on_the_board_leads_to_the_coach_card(page: Page, world: World) -> None:
    objective = make_objective(world.cycle, team=world.growth, title="Increase revenue")
    make_kr(objective, "10% more revenue", "0", "10", kind="percentage", unit="%")
    page.set_viewport_size(PHONE)
    sign_in(page, "vic")
    page.goto("/okrs/")

    badge = page.get_by_test_id("coach-badge")
    expect(badge).to_have_count(1)
    expect(badge).to_have_attribute(
        "aria-label",
        f"3 coach notes: {KPI.title}; Fewer than 2 key results; Key result without a baseline",
    )
    badge.click()

    page.wait_for_url(f"**/objectives/{objective.pk}/#coach")
    card = page.locator("#coach")
    expect(card.get_by_role("heading", name="Coach")).to_be_visible()
    expect(card.locator('[data-rule="kpi-in-okr-format"]')).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the board is {overflow}px wider than a phone"
    screenshot(page, "objective-coach-390")
