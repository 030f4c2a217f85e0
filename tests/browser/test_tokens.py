"""A person makes an API token in the browser, uses it against the API, and revokes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.factories import World


def test_make_use_and_revoke_a_token(page: Page, world: World) -> None:
    sign_in(page, "mo")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("warehouse sync")
    page.get_by_label("Access").select_option("write")
    page.get_by_role("button", name="Make token").click()

    secret = page.get_by_label("Secret of warehouse sync").input_value()
    used = page.request.get(
        "/api/v1/cycles", headers={"Authorization": f"Bearer {secret}", "Cookie": ""}
    )
    assert secret.startswith("hw_") and used.status == 200

    page.goto("/account/tokens/")
    expect(page.get_by_label("Secret of warehouse sync")).to_have_count(0)  # shown once only
    page.get_by_role("link", name="Revoke warehouse sync").click()
    page.get_by_role("button", name="Revoke").click()

    expect(page.get_by_role("status")).to_contain_text("Token warehouse sync revoked")
    expect(page.get_by_role("table")).to_contain_text("Revoked")
    refused = page.request.get(
        "/api/v1/cycles", headers={"Authorization": f"Bearer {secret}", "Cookie": ""}
    )
    assert refused.status == 401
