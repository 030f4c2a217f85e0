"""The OKR pages in a real browser: checking in without a reload, creating an objective."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from headway.audit.models import AuditEvent
from headway.okrs.models import Alignment, CheckIn, KeyResult, Objective
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.factories import World, make_kr, make_objective

# The live server runs in another thread: the data must be committed for it to see.
pytestmark = pytest.mark.django_db(transaction=True)

# Set before an action and read after it: still there means the page was not reloaded.
MARK = "window.__marker = 1"
MARKED = "window.__marker === 1"


def growth_okr(world: World) -> tuple[Objective, KeyResult, KeyResult]:
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    objective = make_objective(
        world.cycle, team=world.growth, title="Bring new inbound leads to the website"
    )
    Alignment.objects.create(organization=world.org, child=objective, parent=company)
    visitors = make_kr(
        objective,
        "Increase monthly visitors from 3k to 7k",
        "3000",
        "7000",
        owner=world.mo,
        unit="visitors",
    )
    signups = make_kr(objective, "Trial sign-ups from 250 to 500", "250", "500", owner=world.lena)
    return objective, visitors, signups


def test_member_checks_in_and_progress_moves_without_a_reload(page: Page, world: World) -> None:
    objective, visitors, _ = growth_okr(world)
    sign_in(page, "mo")
    page.goto(f"/objectives/{objective.pk}/")
    objective_pct = page.get_by_test_id("objective-progress").locator(".pct")
    team_pct = page.get_by_test_id("team-progress").locator(".pct")
    expect(objective_pct).to_have_text("0%")
    expect(team_pct).to_have_text("0%")
    page.evaluate(MARK)

    row = page.locator(f"#kr-{visitors.pk}")
    row.get_by_label("Value now").fill("5000")
    row.get_by_label("Confidence (0-10)").fill("7")
    row.get_by_label("Note").fill("New landing pages are live")
    row.get_by_role("button", name="Save check-in").click()

    expect(objective_pct).to_have_text("25%")
    expect(team_pct).to_have_text("25%")
    row = page.locator(f"#kr-{visitors.pk}")
    expect(row.get_by_role("status")).to_contain_text("Check-in saved")
    expect(row.get_by_test_id("kr-progress")).to_contain_text("50%")
    expect(row.get_by_role("table")).to_contain_text("New landing pages are live")
    expect(row.get_by_label("Value now")).to_have_value("")  # ready for next week
    assert page.evaluate(MARKED), "the page was reloaded"
    assert page.url.endswith(f"/objectives/{objective.pk}/")
    # The chart of the swapped-in row is drawn again.
    row.locator("[data-chart] svg").first.wait_for()
    checkin = CheckIn.objects.get()
    assert (checkin.value, checkin.confidence, checkin.author_id) == (5000, 7, world.mo.pk)
    screenshot(page, "objective-after-checkin-1280")


def test_viewer_gets_no_form_and_a_forged_check_in_is_refused(page: Page, world: World) -> None:
    objective, visitors, _ = growth_okr(world)
    sign_in(page, "vic")
    page.goto(f"/objectives/{objective.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(objective.title)
    expect(page.get_by_role("button", name="Save check-in")).to_have_count(0)
    expect(page.get_by_label("Value now")).to_have_count(0)
    # (vega draws an empty form.vega-bindings inside each chart; no form of ours is there.)
    expect(page.locator("main form[method]")).to_have_count(0)
    expect(page.locator("main button")).to_have_count(0)
    events = AuditEvent.objects.count()

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    prefix = f"kr-{visitors.pk}"
    forged = page.request.post(
        f"/key-results/{visitors.pk}/check-in/",
        form={f"{prefix}-value": "7000", f"{prefix}-confidence": "10", f"{prefix}-note": "x"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )

    assert forged.status == 403
    assert not CheckIn.objects.exists()
    visitors.refresh_from_db()
    assert visitors.current is None
    assert AuditEvent.objects.count() == events


def test_lead_creates_an_objective_with_two_key_results(page: Page, world: World) -> None:
    sign_in(page, "lena")
    page.goto("/okrs/")
    page.get_by_role("link", name="New objective").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New objective")

    page.get_by_label("Title").first.fill("Our customers love our onboarding")
    page.get_by_label("Owner").first.select_option(label="Growth")
    page.get_by_label("Kind").first.select_option("committed")
    first = page.get_by_role("group", name="Key result 1")
    first.get_by_label("Title").fill("Onboarding NPS rises from 32 to 55")
    first.get_by_label("Start (baseline)").fill("32")
    first.get_by_label("Target").fill("55")
    first.get_by_label("Unit").fill("NPS")
    second = page.get_by_role("group", name="Key result 2")
    second.get_by_label("Title").fill("Week-one activation from 40% to 60%")
    second.get_by_label("Kind").select_option("percentage")
    second.get_by_label("Start (baseline)").fill("40")
    second.get_by_label("Target").fill("60")
    second.get_by_label("Owner").select_option(label="Mo")
    page.get_by_role("button", name="Create objective").click()

    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Our customers love our onboarding")
    expect(page.get_by_role("heading", name="Onboarding NPS rises from 32 to 55")).to_be_visible()
    expect(page.get_by_role("heading", name="Week-one activation from 40% to 60%")).to_be_visible()
    objective = Objective.objects.get(title="Our customers love our onboarding")
    assert (objective.owner_team_id, objective.kind) == (world.growth.pk, "committed")
    assert objective.key_results.count() == 2


def test_confidence_eleven_is_shown_beside_the_field_with_the_value_kept(
    page: Page, world: World
) -> None:
    objective, visitors, _ = growth_okr(world)
    page.set_viewport_size(PHONE)
    sign_in(page, "mo")
    page.goto(f"/objectives/{objective.pk}/")
    page.evaluate(MARK)

    row = page.locator(f"#kr-{visitors.pk}")
    row.get_by_label("Value now").fill("4000")
    row.get_by_label("Confidence (0-10)").fill("11")
    row.get_by_label("Note").fill("Almost there")
    row.get_by_role("button", name="Save check-in").click()

    error = page.locator(f"#id_kr-{visitors.pk}-confidence_error")
    expect(error).to_have_text("must be between 0 and 10, got 11")
    confidence = page.locator(f"#kr-{visitors.pk}").get_by_label("Confidence (0-10)")
    expect(confidence).to_have_value("11")
    expect(confidence).to_have_attribute("aria-invalid", "true")
    # Beside the field: in the same field block, right below the input.
    field = page.locator(".field.has-error", has=page.locator(f"#id_kr-{visitors.pk}-confidence"))
    expect(field.locator(".error")).to_have_text("must be between 0 and 10, got 11")
    row = page.locator(f"#kr-{visitors.pk}")
    expect(row.get_by_label("Value now")).to_have_value("4000")
    expect(row.get_by_label("Note")).to_have_value("Almost there")
    expect(page.get_by_test_id("objective-progress").locator(".pct")).to_have_text("0%")
    assert page.evaluate(MARKED), "the page was reloaded"
    assert not CheckIn.objects.exists()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the objective page is {overflow}px wider than a phone"
    screenshot(page, "objective-checkin-error-390")


# Every visible form control needs a name a screen reader can read out (as in test_screenshots).
UNLABELLED = """
[...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.textContent || '').trim())
  .map(el => el.outerHTML.slice(0, 120))
"""


def test_okr_pages_are_labelled_and_fit_a_phone(page: Page, world: World) -> None:
    objective, visitors, _ = growth_okr(world)
    page.set_viewport_size(PHONE)
    sign_in(page, "lena")
    urls = [
        "/okrs/",
        "/okrs/alignment/",
        f"/objectives/{objective.pk}/",
        "/objectives/new/",
        f"/objectives/{objective.pk}/edit/",
        f"/objectives/{objective.pk}/move/",
        f"/objectives/{objective.pk}/key-results/new/",
        f"/key-results/{visitors.pk}/edit/",
        f"/key-results/{visitors.pk}/move/",
        f"/key-results/{visitors.pk}/delete/",
    ]
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.evaluate(UNLABELLED) == [], f"{url} has form controls without a label"
        assert page.locator("h1").count() == 1, f"{url} needs exactly one h1"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{url} is {overflow}px wider than a phone"
    page.goto("/objectives/new/")
    screenshot(page, "objective-new-390")
