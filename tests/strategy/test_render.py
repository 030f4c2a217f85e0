"""The X-Matrix on one page: what the SVG shows, and that the PDF and PNG exports hold it."""

from __future__ import annotations

import io
import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from headway.strategy.choices import ItemKind, Responsibility, Strength
from headway.strategy.models import (
    Assignment,
    Correlation,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)
from headway.strategy.render import picture, render_pdf, render_png, xmatrix_svg
from tests.factories import World, login, make_kpi

KINDS = (ItemKind.BREAKTHROUGH, ItemKind.ANNUAL, ItemKind.PRIORITY, ItemKind.METRIC)
TITLES = {
    ItemKind.BREAKTHROUGH: [
        "Be the first choice for mid-size logistics firms",
        "Half of revenue from recurring plans",
        "Carbon neutral operations",
    ],
    ItemKind.ANNUAL: [
        "Win 40 new logistics customers",
        "Launch the subscription plan",
        "Cut energy use by a fifth",
    ],
    ItemKind.PRIORITY: [
        "Self-serve onboarding",
        "Partner channel in Benelux",
        "Billing platform rebuild",
        "Solar panels on the warehouse",
        "Support in four languages",
    ],
    ItemKind.METRIC: [
        "New logistics customers",
        "Recurring revenue share",
        "Energy use (MWh)",
        "Onboarding NPS",
    ],
}


def add_item(matrix: XMatrix, kind: str, title: str, position: int, **extra: Any) -> XMatrixItem:
    return XMatrixItem.objects.create(
        organization_id=matrix.organization_id,
        matrix=matrix,
        kind=kind,
        title=title,
        position=position,
        **extra,
    )


def correlate(row: XMatrixItem, column: XMatrixItem, strength: str) -> None:
    Correlation.objects.create(
        organization_id=row.organization_id,
        matrix=row.matrix,
        row=row,
        column=column,
        strength=strength,
    )


def assign(priority: XMatrixItem, resource: XMatrixResource, responsibility: str) -> None:
    Assignment.objects.create(
        organization_id=priority.organization_id,
        matrix=priority.matrix,
        priority=priority,
        resource=resource,
        responsibility=responsibility,
    )


def demo_like(world: World) -> XMatrix:
    """3 breakthroughs, 3 annual objectives, 5 priorities, 4 metrics, 3 resources, with marks:
    the third breakthrough is supported by no annual objective."""
    matrix = XMatrix.objects.create(organization=world.org, year=2026, title="Grow & <green>")
    nps = make_kpi(world.org, "nps", health="green")
    items = {kind: [] for kind in KINDS}  # type: dict[str, list[XMatrixItem]]
    for kind in KINDS:
        for i, title in enumerate(TITLES[kind]):
            extra: dict[str, Any] = {}
            if kind == ItemKind.METRIC:
                extra = {"baseline": Decimal(10 * i), "target": Decimal(10 * i + 25), "unit": "%"}
                extra["owner"] = world.lena if i < 3 else None
                extra["kpi"] = nps if i == 3 else None
            items[kind].append(add_item(matrix, kind, title, i, **extra))
    bts, annual = items[ItemKind.BREAKTHROUGH], items[ItemKind.ANNUAL]
    prios, metrics = items[ItemKind.PRIORITY], items[ItemKind.METRIC]
    correlate(bts[0], annual[0], Strength.STRONG)
    correlate(bts[1], annual[1], Strength.STRONG)
    correlate(bts[1], annual[2], Strength.WEAK)
    for i, priority in enumerate(prios):
        correlate(annual[i % 3], priority, Strength.MODERATE)
    correlate(prios[0], metrics[3], Strength.STRONG)
    correlate(prios[2], metrics[1], Strength.WEAK)
    correlate(metrics[0], bts[0], Strength.MODERATE)
    correlate(metrics[2], bts[2], Strength.WEAK)
    people = [
        XMatrixResource.objects.create(organization=world.org, matrix=matrix, team=world.growth),
        XMatrixResource.objects.create(
            organization=world.org, matrix=matrix, person=world.mo, position=1
        ),
        XMatrixResource.objects.create(
            organization=world.org, matrix=matrix, label="Finance", position=2
        ),
    ]
    for i, priority in enumerate(prios):
        assign(priority, people[i % 3], Responsibility.PRIMARY)
    assign(prios[0], people[2], Responsibility.SECONDARY)
    return matrix


def big(world: World, rows: int = 8) -> XMatrix:
    matrix = XMatrix.objects.create(organization=world.org, year=2027)
    made = {
        kind: [
            add_item(matrix, kind, f"{kind.label} number {i + 1} with a rather long title " * 2, i)
            for i in range(rows)
        ]
        for kind in KINDS
    }
    resources = [
        XMatrixResource.objects.create(
            organization=world.org, matrix=matrix, label=f"Team {i}", position=i
        )
        for i in range(rows)
    ]
    for i in range(rows):
        correlate(made[ItemKind.BREAKTHROUGH][i], made[ItemKind.ANNUAL][i], Strength.STRONG)
        correlate(made[ItemKind.ANNUAL][i], made[ItemKind.PRIORITY][i], Strength.MODERATE)
        correlate(made[ItemKind.PRIORITY][i], made[ItemKind.METRIC][i], Strength.WEAK)
        correlate(made[ItemKind.METRIC][i], made[ItemKind.BREAKTHROUGH][i], Strength.STRONG)
        assign(made[ItemKind.PRIORITY][i], resources[i], Responsibility.PRIMARY)
    return matrix


def svg_of(matrix: XMatrix) -> str:
    matrix.organization  # noqa: B018 - loaded once, as the views do
    return xmatrix_svg(picture(matrix))


def pdf_pages(pdf: bytes, tmp_path: Path) -> tuple[int, str]:
    path = tmp_path / "matrix.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(  # noqa: S603 - fixed tool, our own file
        ["/usr/bin/pdfinfo", str(path)], capture_output=True, text=True, check=True
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]
    size = re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)  # type: ignore[union-attr]
    return pages, size


def inked_share(image: Image.Image) -> float:
    grey = image.convert("L")
    histogram = grey.histogram()
    return sum(histogram[:200]) / (grey.width * grey.height)


# --- the SVG ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_svg_shows_every_item_resource_and_mark(world: World) -> None:
    matrix = demo_like(world)
    svg = svg_of(matrix)
    for titles in TITLES.values():
        for title in titles:
            assert f"<title>{title}" in svg or f">{title}</text>" in svg, title
    for name in ("Growth", "Mo", "Finance"):
        assert f">{name}</text>" in svg
    assert svg.count('class="mark mark-strong"') == 3
    assert svg.count('class="mark mark-moderate"') == 6
    assert svg.count('class="mark mark-weak"') == 3
    assert svg.count('class="duty duty-primary"') == 5
    assert svg.count('class="duty duty-secondary"') == 1
    # The title, the organization, the matrix's own title escaped, baseline -> target.
    assert ">X-Matrix 2026</text>" in svg
    assert "Acme · Grow &amp; &lt;green&gt;" in svg
    assert "<green>" not in svg
    assert "0 → 25 % · Lena" in svg
    assert "30 → 55 % · no owner" in svg
    # The KPI-linked metric shows its health; the checks flag the unsupported breakthrough and
    # the metric without an owner.
    assert svg.count('class="health health-green"') == 1
    assert svg.count('class="flag"') == 2
    flagged = re.search(r"<g><title>(Carbon neutral operations[^<]*)</title>", svg)
    assert flagged and len(flagged.group(1)) > len("Carbon neutral operations")


@pytest.mark.django_db
def test_marks_land_in_the_right_cells(world: World) -> None:
    """A mark sits where its row's and its column's lines cross, for each corner."""
    matrix = demo_like(world)
    svg = svg_of(matrix)
    strong = re.findall(r'class="mark mark-strong" cx="([\d.]+)" cy="([\d.]+)"', svg)
    # breakthrough 0 x annual 0, breakthrough 1 x annual 1 (south-west: left of the centre, below
    # it), priority 0 x metric 3 (north-east: right of the centre, above it).
    # Annual columns grow west from x=70, breakthrough rows south from y=450, metric columns
    # (32 wide) east from x=410, priority rows north from y=150; cells are 18 units.
    assert sorted((float(x), float(y)) for x, y in strong) == [
        (43.0, 477.0),  # annual 1 x breakthrough 1
        (61.0, 459.0),  # annual 0 x breakthrough 0
        (522.0, 141.0),  # metric 3 x priority 0
    ]


@pytest.mark.django_db
def test_an_empty_matrix_still_draws(world: World) -> None:
    matrix = XMatrix.objects.create(organization=world.org, year=2030)
    svg = svg_of(matrix)
    assert "Breakthrough objectives" in svg and 'class="mark ' not in svg


# --- the page, its permissions and its queries ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["vic", "mo", "alice"])
def test_any_member_sees_the_page(client: Any, world: World, who: str) -> None:
    matrix = demo_like(world)
    login(client, getattr(world, who))
    response = client.get(reverse("strategy:xmatrix-page", args=[matrix.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "Self-serve onboarding" in html
    assert html.count('class="mark mark-strong"') == 3
    assert reverse("strategy:xmatrix-pdf", args=[matrix.pk]) in html
    assert reverse("strategy:xmatrix-png", args=[matrix.pk]) in html
    findings = html.split('data-testid="xmatrix-findings"')[1]
    assert "<strong>Carbon neutral operations</strong>" in findings
    assert "<strong>Onboarding NPS</strong>" in findings


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["strategy:xmatrix-page", "strategy:xmatrix-pdf", "strategy:xmatrix-png"]
)
def test_another_organizations_matrix_is_not_found(client: Any, world: World, name: str) -> None:
    matrix = demo_like(world)
    login(client, world.oscar)
    assert client.get(reverse(name, args=[matrix.pk])).status_code == 404
    assert client.get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.django_db
def test_signed_out_people_are_sent_to_sign_in(client: Any, world: World) -> None:
    matrix = demo_like(world)
    response = client.get(reverse("strategy:xmatrix-page", args=[matrix.pk]))
    assert response.status_code == 302


# Session, user, membership (with its organization), the matrix, then the selector's five
# reads: items, linked objectives, resources, correlations, assignments.
PAGE_QUERIES = 9


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["small", "big"])
def test_the_page_reads_a_fixed_number_of_queries(
    client: Any, world: World, size: str, django_assert_num_queries: Any
) -> None:
    matrix = demo_like(world) if size == "small" else big(world)
    login(client, world.mo)
    url = reverse("strategy:xmatrix-page", args=[matrix.pk])
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(url).status_code == 200


# --- the exports ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["small", "big"])
def test_the_pdf_is_exactly_one_landscape_page(
    client: Any, world: World, size: str, tmp_path: Path
) -> None:
    matrix = demo_like(world) if size == "small" else big(world)
    login(client, world.vic)
    response = client.get(reverse("strategy:xmatrix-pdf", args=[matrix.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="acme-x-matrix-20' in response["Content-Disposition"]
    pages, size_line = pdf_pages(response.content, tmp_path)
    assert pages == 1
    width, height = (float(n) for n in re.findall(r"[\d.]+", size_line)[:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    subprocess.run(  # noqa: S603 - fixed tool, our own file
        [
            "/usr/bin/pdftoppm",
            "-gray",
            "-r",
            "40",
            str(tmp_path / "matrix.pdf"),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    (image,) = tmp_path.glob("p*.pgm")
    assert inked_share(Image.open(image)) > 0.02


@pytest.mark.django_db
def test_the_png_is_the_picture_not_a_blank(client: Any, world: World) -> None:
    matrix = demo_like(world)
    login(client, world.mo)
    response = client.get(reverse("strategy:xmatrix-png", args=[matrix.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.width > 1000 and image.width > image.height
    assert inked_share(image) > 0.02
    # Text really is drawn (fonts found): the title's blue is somewhere on the picture.
    colours = {c for _, c in image.convert("RGB").getcolors(maxcolors=1 << 20) or []}
    assert (0x24, 0x56, 0xC7) in colours


@pytest.mark.django_db
def test_the_exports_of_a_demo_like_and_a_big_matrix(world: World, tmp_path: Path) -> None:
    """Also leaves the pictures for eyes to check: HEADWAY_RENDER_DIR=/tmp keeps them."""
    out = Path(os.environ.get("HEADWAY_RENDER_DIR") or tmp_path)
    for name, matrix in (("xmatrix_s2", demo_like(world)), ("xmatrix_s2_big", big(world))):
        svg = svg_of(matrix)
        png = render_png(svg)
        (out / f"{name}.png").write_bytes(png)
        assert inked_share(Image.open(io.BytesIO(png))) > 0.02
        pdf = render_pdf(svg, title=name)
        (out / f"{name}.pdf").write_bytes(pdf)
        assert pdf_pages(pdf, tmp_path)[0] == 1
