"""The X-Matrix built in a real browser through the editor, then its one-page render, PDF
and PNG."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from headway.strategy.models import Correlation, XMatrix
from tests.browser.conftest import screenshot, sign_in
from tests.factories import World

pytestmark = pytest.mark.django_db(transaction=True)

BREAKTHROUGHS = ["Lead the market", "Go global", "Zero churn"]
ANNUALS = ["Win 50 clients", "Launch in Spain", "Halve losses"]
PRIORITIES = [
    "Self-serve onboarding",
    "Partner channel",
    "Spanish site",
    "Support playbook",
    "Usage alerts",
]
METRICS = ["Trial sign-ups", "NPS", "Churn rate", "Spanish revenue"]


def _add(page: Page, kind: str, title: str, **fields: str) -> None:
    section = page.locator(f"#list-{kind}")
    section.get_by_label("Title").fill(title)
    for label, value in fields.items():
        field = section.get_by_label(label, exact=True)
        if label == "Owner":
            field.select_option(label=value)
        else:
            field.fill(value)
    section.get_by_role("button", name="Add", exact=True).click()
    _listed(page, kind, title)


def _listed(page: Page, kind: str, name: str) -> None:
    """Wait until the list shows ``name`` (the htmx swap of the editor is done)."""
    exact = re.compile(f"^{re.escape(name)}$")
    expect(page.locator(f"#list-{kind} li > strong", has_text=exact)).to_be_visible()


def _click(page: Page, row: str, column: str, times: int, expected: str) -> None:
    """Click a cell ``times`` times and see it land on ``expected``."""
    cell = page.locator("td.mark").filter(
        has=page.locator(f'button[aria-label^="{row} \N{MULTIPLICATION SIGN} {column}: "]')
    )
    for _ in range(times):
        mark = cell.get_attribute("data-mark")
        cell.get_by_role("button").click()
        expect(cell).not_to_have_attribute("data-mark", mark or "")
    expect(cell).to_have_attribute("data-mark", expected)


def test_build_an_xmatrix_and_print_it_on_one_page(
    page: Page, world: World, tmp_path: Path
) -> None:
    sign_in(page, "alice")
    page.get_by_role("link", name="Strategy").click()
    page.get_by_role("link", name="New X-Matrix").click()
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Title").fill("Acme 2026")
    page.get_by_role("button", name="Create X-Matrix").click()
    page.wait_for_url(re.compile(r"/strategy/xmatrix/\d+/$"))
    matrix = XMatrix.objects.get(organization=world.org, year=2026)

    for title in BREAKTHROUGHS:
        _add(page, "breakthrough", title)
    for title in ANNUALS:
        _add(page, "annual", title)
    for title in PRIORITIES:
        _add(page, "priority", title)
    for title, owner in zip(METRICS, ["Mo", "Alice", "Lena"], strict=False):
        _add(page, "metric", title, Baseline="10", Target="20", Unit="%", Owner=owner)
    _add(page, "metric", METRICS[3], Baseline="0", Target="2", Unit="M€")
    findings = page.locator("#xmatrix-findings")
    expect(findings).to_contain_text("Nobody owns the metric “Spanish revenue”")
    # The finding says what to do: give it an owner, in the row's edit form.
    page.get_by_role("button", name="Edit Spanish revenue").click()
    edit = page.get_by_role("form", name="Edit Spanish revenue")
    edit.get_by_label("Owner").select_option(label="Mo")
    edit.get_by_role("button", name="Save").click()
    expect(findings).not_to_contain_text("Nobody owns")
    resources = page.locator("#list-resources")
    resources.get_by_label("Team").select_option(label="Growth")
    resources.get_by_role("button", name="Add resource").click()
    _listed(page, "resources", "Growth")
    resources = page.locator("#list-resources")
    resources.get_by_label("Person").select_option(label="Mo")
    resources.get_by_role("button", name="Add resource").click()
    _listed(page, "resources", "Mo")
    page.locator("#list-resources").get_by_label("Or a name").fill("Finance")
    page.locator("#list-resources").get_by_role("button", name="Add resource").click()
    _listed(page, "resources", "Finance")

    # Corners: the third breakthrough stays without support.
    _click(page, "Lead the market", "Win 50 clients", 1, "strong")
    _click(page, "Go global", "Launch in Spain", 2, "moderate")
    for annual, priority in zip(ANNUALS + ANNUALS[:2], PRIORITIES, strict=True):
        _click(page, annual, priority, 1, "strong")
    for priority, metric in zip(PRIORITIES, METRICS, strict=False):
        _click(page, priority, metric, 1, "strong")
    _click(page, "Trial sign-ups", "Lead the market", 3, "weak")
    _click(page, "Self-serve onboarding", "Growth", 1, "primary")
    _click(page, "Partner channel", "Mo", 2, "secondary")
    assert Correlation.objects.filter(matrix=matrix).count() == 12

    expect(findings).to_contain_text("No annual objective supports “Zero churn”")
    expect(findings).not_to_contain_text("supports “Lead the market”")
    expect(findings).not_to_contain_text("supports “Go global”")
    screenshot(page, "xmatrix-editor")

    # The one-page render shows every item and every mark.
    page.get_by_role("link", name="See it on one page").click()
    page.wait_for_url(f"**/strategy/xmatrix/{matrix.pk}/page/")
    svg = page.get_by_test_id("xmatrix-render").locator("svg").first
    for title in BREAKTHROUGHS + ANNUALS + PRIORITIES + METRICS + ["Growth", "Finance"]:
        expect(svg).to_contain_text(title)
    expect(svg.locator(".mark-strong")).to_have_count(10)
    expect(svg.locator(".mark-moderate")).to_have_count(1)
    expect(svg.locator(".mark-weak")).to_have_count(1)
    expect(svg.locator(".duty-primary")).to_have_count(1)
    expect(svg.locator(".duty-secondary")).to_have_count(1)
    expect(page.get_by_test_id("xmatrix-findings")).to_contain_text("Zero churn")
    screenshot(page, "xmatrix-page")

    pdf = page.request.get(f"/strategy/xmatrix/{matrix.pk}/page.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pdf_path = tmp_path / "xmatrix.pdf"
    pdf_path.write_bytes(pdf.body())
    info = subprocess.run(  # noqa: S603 - a fixed tool on a file this test wrote
        ["/usr/bin/pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    width, height = (
        float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups()
    )  # type: ignore[union-attr]
    assert width > height  # landscape

    png = page.request.get(f"/strategy/xmatrix/{matrix.pk}/page.png")
    assert png.ok and png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.body())).convert("L")
    assert image.width > 600 and image.height > 300
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 0.01 * image.width * image.height  # text, lines and marks, not a blank page
