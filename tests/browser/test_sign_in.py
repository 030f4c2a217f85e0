from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import World


def test_sign_in_home_and_sign_out(page: Page, world: World) -> None:
    sign_in(page, "mo")

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(page: Page, world: World) -> None:
    sign_in_page = page.goto("/sign-in/")
    assert sign_in_page is not None and sign_in_page.status == 200
    page.get_by_label("Username").fill("mo")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("mo")
