"""The Strategy Canvas in a real browser: build a canvas with 6 factors and 3 players through the
pages, set levels in the table, see the value curves drawn, and turn a "raise" factor into an
objective that links back to it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from headway.okrs.models import Objective
from headway.strategy.models import CanvasFactor, CanvasLevel
from tests.browser.conftest import screenshot, sign_in
from tests.factories import World

pytestmark = pytest.mark.django_db(transaction=True)

FACTORS = ["Price", "Wine jargon", "Ageing", "Range", "Easy drinking", "Fun and adventure"]
PLAYERS = [
    ("Premium wines", "Competitor"),
    ("Budget wines", "Industry"),
    ("Yellow tail", "Our new curve"),
]
LEVELS = {
    "Premium wines": [9, 9, 8, 8, 3, 2],
    "Budget wines": [3, 5, 3, 6, 4, 3],
    "Yellow tail": [4, 1, 1, 2, 9, 10],
}


def test_build_a_canvas_and_make_a_raise_factor_an_objective(page: Page, world: World) -> None:
    sign_in(page, "alice")
    page.goto("/strategy/canvases/")
    page.get_by_label("Title").fill("Wine for everyone")
    page.get_by_label("Tagline").fill("Fun and simple wine to enjoy every day")
    page.get_by_role("button", name="Create canvas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wine for everyone")

    add_factor = page.get_by_role("form", name="Add a factor")
    for name in FACTORS:
        add_factor.get_by_label("Factor").fill(name)
        add_factor.get_by_role("button", name="Add factor").click()
        expect(page.get_by_test_id("factor").last).to_have_attribute("data-factor", name)
    add_player = page.get_by_role("form", name="Add a player")
    for name, kind in PLAYERS:
        add_player.get_by_label("Player").fill(name)
        add_player.get_by_label("Kind").select_option(label=kind)
        add_player.get_by_role("button", name="Add player").click()
        expect(page.get_by_test_id("players")).to_contain_text(name)

    # Each change is saved as it is made, and the chart and indicators are redrawn.
    for player, values in LEVELS.items():
        for factor, value in zip(FACTORS, values, strict=True):
            cell = page.get_by_label(f"Level of {player} on {factor}", exact=True)
            cell.fill(str(value))
            cell.press("Tab")
    expect(page.get_by_test_id("divergence")).to_contain_text("Divergent", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert CanvasLevel.objects.filter(canvas__title="Wine for everyone").count() == 18

    page.reload()
    chart = page.get_by_test_id("canvas-chart")
    svg = chart.locator("svg").first
    svg.wait_for()
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    lines = chart.locator("g.mark-line.role-mark path")
    expect(lines).to_have_count(3)  # one value curve per player
    for i in range(3):
        assert (lines.nth(i).get_attribute("d") or "").startswith("M")
    expect(chart.locator("g.mark-symbol.role-mark path")).to_have_count(18)
    expect(page.get_by_test_id("focus")).to_contain_text("Focused")
    expect(page.get_by_test_id("divergence")).to_contain_text("Divergent")

    # "Easy drinking": raise it, say why, and make it an objective.
    ease = page.locator('[data-factor="Easy drinking"]')
    ease.get_by_label("Action").select_option("raise")
    ease.get_by_label("Rationale").fill("Most buyers find wine intimidating; make it easy.")
    ease.get_by_role("button", name="Save factor").click()
    expect(page.get_by_role("status")).to_contain_text("Factor “Easy drinking” saved.")
    raise_box = page.locator('[data-errc="raise"]')
    expect(raise_box).to_contain_text("Easy drinking")
    expect(raise_box).to_contain_text("Most buyers find wine intimidating")
    screenshot(page, "strategy-canvas")

    ease = page.locator('[data-factor="Easy drinking"]')
    ease.get_by_role("link", name="Make it an objective").click()
    expect(page.get_by_label("Title")).to_have_value("Stand out on Easy drinking")
    page.get_by_label("Title").fill("The easiest wine to pick and enjoy")
    page.get_by_role("button", name="Create objective").click()

    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("The easiest wine to pick and enjoy")
    origin = page.get_by_test_id("canvas-origin")
    expect(origin).to_contain_text("From the strategy canvas: Wine for everyone / Easy drinking")
    objective = Objective.objects.get(title="The easiest wine to pick and enjoy")
    assert objective.owner_team_id == world.company.pk
    assert CanvasFactor.objects.get(name="Easy drinking").objective_id == objective.pk

    origin.get_by_role("link", name="Easy drinking").click()
    page.wait_for_url(re.compile(r"/strategy/canvases/\d+/#factor-\d+$"))
    link = page.locator('[data-factor="Easy drinking"]').get_by_test_id("factor-objective")
    expect(link).to_have_text("The easiest wine to pick and enjoy")
    expect(link).to_have_attribute("href", f"/objectives/{objective.pk}/")
