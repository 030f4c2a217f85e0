"""The board of a large organization in a real browser: opening a department loads its
objectives and its teams in place (htmx), and opening one of those teams loads its own."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import World, make_kr, make_objective
from tests.okrs.test_board_scale import grow

# The live server runs in another thread: the data must be committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)


def test_opening_a_department_shows_its_objectives(page: Page, world: World) -> None:
    make_kr(make_objective(world.cycle, team=world.company, title="Company goal"))
    teams = grow(world, departments=5, teams=10)
    sign_in(page, "vic")
    page.goto("/okrs/")
    expect(page.get_by_test_id("board-at-size")).to_be_visible()
    expect(page.get_by_role("heading", name="Company goal")).to_be_visible()
    page.evaluate("window.__marker = 1")

    dept = page.get_by_test_id(f"team-row-{teams['Dept 1'].pk}")
    expect(dept.get_by_role("heading", name="Goal 0 of Dept 1")).to_have_count(0)
    dept.locator("summary").first.click()
    expect(dept.get_by_role("heading", name="Goal 0 of Dept 1")).to_be_visible()
    expect(dept.get_by_text("KR of Goal 2 of Dept 1")).to_be_visible()

    team = page.get_by_test_id(f"team-row-{teams['Team 1.3'].pk}")
    expect(team).to_be_visible()
    expect(team.get_by_role("heading", name="Goal 1 of Team 1.3")).to_have_count(0)
    team.locator("summary").first.click()
    expect(team.get_by_role("heading", name="Goal 1 of Team 1.3")).to_be_visible()

    # Closing and opening again keeps what was loaded, without asking again.
    dept.locator("summary").first.click()
    dept.locator("summary").first.click()
    expect(dept.get_by_role("heading", name="Goal 0 of Dept 1")).to_be_visible()
    assert page.evaluate("window.__marker === 1"), "the page was reloaded"
