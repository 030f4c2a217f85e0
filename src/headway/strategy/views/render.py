"""The X-Matrix on one page: the picture in the browser, and the same picture as PDF and PNG."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from headway.orgs.models import Membership
from headway.strategy import render as drawing
from headway.strategy.models import XMatrix
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404


def _matrix(request: HttpRequest, matrix_id: int) -> tuple[XMatrix, Membership]:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    matrix = get_or_404(membership, XMatrix, matrix_id)
    # The person's organization is this matrix's: reuse it rather than load it again.
    matrix.organization = membership.organization
    return matrix, membership


def _filename(matrix: XMatrix, extension: str) -> str:
    name = slugify(f"{matrix.organization.slug} x-matrix {matrix.year}")
    return f'attachment; filename="{name}.{extension}"'


@member_view
def page(request: HttpRequest, matrix_id: int) -> HttpResponse:
    matrix, _ = _matrix(request, matrix_id)
    picture = drawing.picture(matrix)
    # Every text from the data is escaped while the SVG is built.
    svg = mark_safe(drawing.xmatrix_svg(picture))  # noqa: S308
    return render(
        request, "strategy/xmatrix_page.html", {"matrix": matrix, "picture": picture, "svg": svg}
    )


@member_view
def pdf(request: HttpRequest, matrix_id: int) -> HttpResponse:
    matrix, _ = _matrix(request, matrix_id)
    picture = drawing.picture(matrix)
    data = drawing.render_pdf(drawing.xmatrix_svg(picture), title=picture.title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = _filename(matrix, "pdf")
    return response


@member_view
def png(request: HttpRequest, matrix_id: int) -> HttpResponse:
    matrix, _ = _matrix(request, matrix_id)
    data = drawing.render_png(drawing.xmatrix_svg(drawing.picture(matrix)))
    response = HttpResponse(data, content_type="image/png")
    response["Content-Disposition"] = _filename(matrix, "png")
    return response
