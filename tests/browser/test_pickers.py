"""The edit forms at size in a real browser: typing part of a name fills the suggestion list
under the field (htmx, from /pick/<kind>/), and a suggested key saves like a typed one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from headway.kpis import alert_forms
from headway.okrs import forms as okr_forms
from headway.okrs.models import Objective
from tests.browser.conftest import sign_in
from tests.factories import World

# The live server runs in another thread: the data must be committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def at_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small world "at size": every choice past one is typed (the live server shares
    this process, so it sees the lowered limits)."""
    for name in ("OWNER_CHOICES_LIMIT", "TEAM_CHOICES_LIMIT", "OBJECTIVE_CHOICES_LIMIT"):
        monkeypatch.setattr(okr_forms, name, 1)
    monkeypatch.setattr(alert_forms, "KPI_CHOICES_LIMIT", 1)


@pytest.mark.usefixtures("at_size")
def test_typing_suggests_keys_and_a_suggested_key_saves(page: Page, world: World) -> None:
    sign_in(page, "alice")
    page.goto("/objectives/new/")
    owner = page.locator("#id_owner")
    expect(owner).to_have_attribute("list", "id_owner_suggestions")
    suggestions = page.locator("#id_owner_suggestions option")
    expect(suggestions).to_have_count(0)

    owner.press_sequentially("gro")
    expect(page.locator('#id_owner_suggestions option[value="growth"]')).to_have_count(1)
    expect(page.locator('#id_owner_suggestions option[value="growth"]')).to_have_text("Growth")
    # Another team or a person that does not match is not suggested.
    expect(page.locator('#id_owner_suggestions option[value="alice"]')).to_have_count(0)

    # A key result's owner is a person: "le" suggests lena by username.
    kr_owner = page.locator("#id_kr-0-owner")
    kr_owner.press_sequentially("le")
    expect(page.locator('#id_kr-0-owner_suggestions option[value="lena"]')).to_have_count(1)

    owner.fill("growth")
    page.locator("#id_title").fill("Grow where people type")
    page.locator("#id_kr-0-title").fill("Typed keys saved")
    page.locator("#id_kr-0-start").fill("0")
    page.locator("#id_kr-0-target").fill("10")
    kr_owner.fill("lena")
    page.get_by_role("button", name="Create objective").click()
    expect(page.get_by_role("heading", name="Grow where people type")).to_be_visible()
    created = Objective.objects.get(title="Grow where people type")
    assert created.owner_team == world.growth
    assert created.key_results.get().owner == world.lena
