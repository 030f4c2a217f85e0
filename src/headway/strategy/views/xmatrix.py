"""The X-Matrix editor: the strategy index, a new matrix, and the editor with its htmx actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from headway.errors import ValidationFailed
from headway.orgs.models import Membership
from headway.strategy import selectors, services
from headway.strategy.choices import ItemKind, Strength
from headway.strategy.models import XMatrix, XMatrixItem, XMatrixResource
from headway.strategy.selectors import XMatrixData
from headway.strategy.xmatrix_forms import ItemForm, MatrixForm, ResourceForm
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

UNPROCESSABLE = 422
TIMES = "\N{MULTIPLICATION SIGN}"

# The four corners in reading order (south -> west -> north -> east), row kind first.
CORNERS = [
    (f"Breakthrough {TIMES} annual", ItemKind.BREAKTHROUGH, ItemKind.ANNUAL),
    (f"Annual {TIMES} priority", ItemKind.ANNUAL, ItemKind.PRIORITY),
    (f"Priority {TIMES} metric", ItemKind.PRIORITY, ItemKind.METRIC),
    (f"Metric {TIMES} breakthrough", ItemKind.METRIC, ItemKind.BREAKTHROUGH),
]
SYMBOLS = {Strength.STRONG: "●", Strength.MODERATE: "◐", Strength.WEAK: "○", "": ""}
RESPONSIBILITY_SYMBOLS = {"primary": "●", "secondary": "○", "": ""}
LIST_LABELS = {
    ItemKind.BREAKTHROUGH: "Breakthrough objectives (3-5 years)",
    ItemKind.ANNUAL: "Annual objectives",
    ItemKind.PRIORITY: "Improvement priorities",
    ItemKind.METRIC: "Metrics to improve",
}


def _acting(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def _editor(request: HttpRequest) -> Membership:
    membership = _acting(request)
    if not services.can_edit(membership):
        raise PermissionDenied("only admins and team leads may change the strategy")
    return membership


def _editable(request: HttpRequest, pk: int) -> tuple[Membership, XMatrix]:
    """The editor and the matrix they act on (a 404 outside their organization)."""
    membership = _editor(request)
    return membership, get_or_404(membership, XMatrix, pk)


def _editable_item(
    request: HttpRequest, pk: int, item_id: int
) -> tuple[Membership, XMatrix, XMatrixItem]:
    """As ``_editable``, with one item of that matrix (holding the matrix already loaded)."""
    membership, matrix = _editable(request, pk)
    item = get_or_404(membership, XMatrixItem, item_id, matrix=matrix)
    item.matrix = matrix
    return membership, matrix, item


@dataclass
class Cell:
    matrix_id: int
    row: XMatrixItem
    column: Any  # an XMatrixItem, or an XMatrixResource in the priority x resource grid
    mark: str
    column_name: str = ""
    is_assignment: bool = False

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.mark, "") or RESPONSIBILITY_SYMBOLS.get(self.mark, "")

    @property
    def label(self) -> str:
        name = self.column_name or str(self.column)
        return f"{self.row.title} {TIMES} {name}: {self.mark or 'none'}"


@dataclass
class Grid:
    title: str
    slug: str
    columns: list[tuple[int, str]]
    rows: list[tuple[XMatrixItem, list[Cell]]]


def _grids(data: XMatrixData) -> list[Grid]:
    grids = []
    for title, row_kind, column_kind in CORNERS:
        columns = data.items(column_kind)
        grids.append(
            Grid(
                title=title,
                slug=f"{row_kind}-{column_kind}",
                columns=[(c.pk, c.title) for c in columns],
                rows=[
                    (
                        row,
                        [
                            Cell(data.matrix.pk, row, c, data.correlations.get((row.pk, c.pk), ""))
                            for c in columns
                        ],
                    )
                    for row in data.items(row_kind)
                ],
            )
        )
    return grids


def _assignment_grid(data: XMatrixData) -> Grid:
    return Grid(
        title=f"Priority {TIMES} resource",
        slug="priority-resource",
        columns=[(r.pk, data.resource_names[r.pk]) for r in data.resources],
        rows=[
            (
                row,
                [
                    Cell(
                        data.matrix.pk,
                        row,
                        r,
                        data.responsibility(row.pk, r.pk),
                        data.resource_names[r.pk],
                        is_assignment=True,
                    )
                    for r in data.resources
                ],
            )
            for row in data.priorities
        ],
    )


def _editor_context(
    request: HttpRequest, matrix: XMatrix, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    membership = _acting(request)
    data = selectors.xmatrix_page(matrix)
    forms = forms or {}
    can_edit = services.can_edit(membership)
    lists = []
    for kind in (ItemKind.BREAKTHROUGH, ItemKind.ANNUAL, ItemKind.PRIORITY, ItemKind.METRIC):
        form = forms.get(kind) or (ItemForm(kind=kind, matrix=matrix) if can_edit else None)
        lists.append((kind.value, LIST_LABELS[kind], data.items(kind), form))
    resource_form = forms.get("resource") or (ResourceForm(matrix=matrix) if can_edit else None)
    return {
        "matrix": matrix,
        "data": data,
        "lists": lists,
        "grids": [*_grids(data), _assignment_grid(data)],
        "resource_form": resource_form,
        "resources": [(r, data.resource_names[r.pk]) for r in data.resources],
        "can_edit": can_edit,
    }


def _render_editor(
    request: HttpRequest, matrix: XMatrix, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    template = (
        "strategy/xmatrix_editor.html"
        if request.htmx  # type: ignore[attr-defined]
        else "strategy/xmatrix.html"
    )
    return render(request, template, _editor_context(request, matrix, forms), status=status)


def _after_change(request: HttpRequest, matrix: XMatrix) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _render_editor(request, matrix)
    return redirect("strategy:xmatrix", matrix.pk)


# --- pages ------------------------------------------------------------------------------------


@member_view
def index(request: HttpRequest) -> HttpResponse:
    membership = _acting(request)
    return render(
        request,
        "strategy/xmatrix_index.html",
        {
            "matrices": list(selectors.xmatrices(membership.organization_id)),
            "can_edit": services.can_edit(membership),
        },
    )


@member_view
def new(request: HttpRequest) -> HttpResponse:
    membership = _editor(request)
    form = MatrixForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matrix = services.create_xmatrix(
                actor=membership, year=form.cleaned_data["year"], title=form.cleaned_data["title"]
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return redirect("strategy:xmatrix", matrix.pk)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "strategy/xmatrix_new.html", {"form": form}, status=status)


@member_view
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    matrix = get_or_404(_acting(request), XMatrix, pk)
    return _render_editor(request, matrix)


# --- actions ----------------------------------------------------------------------------------


@require_POST
@member_view
def add_item(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    membership, matrix = _editable(request, pk)
    if kind not in ItemKind.values:
        raise Http404("no such list")
    form = ItemForm(request.POST, kind=kind, matrix=matrix)
    if form.is_valid():
        try:
            services.add_item(actor=membership, matrix=matrix, kind=kind, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc, {"objective_ids": "objectives"})
        else:
            return _after_change(request, matrix)
    return _render_editor(request, matrix, {kind: form}, status=UNPROCESSABLE)


def _edit_form(item: XMatrixItem, data: Any = None) -> ItemForm:
    initial: dict[str, Any] = {
        "title": item.title,
        "description": item.description,
        "kpi": item.kpi_id,
        "baseline": "" if item.baseline is None else item.baseline.normalize(),
        "target": "" if item.target is None else item.target.normalize(),
        "unit": item.unit,
        "owner": item.owner_id,
    }
    if item.kind == ItemKind.ANNUAL:
        initial["objectives"] = [o.pk for o in item.objectives.all()]
    return ItemForm(
        data, kind=item.kind, matrix=item.matrix, initial=initial, prefix=f"edit-{item.pk}"
    )


@member_view
def edit_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """An item's edit form (loaded into its row), and saving it."""
    membership, matrix, item = _editable_item(request, pk, item_id)
    form = _edit_form(item, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_item(actor=membership, item=item, **form.service_data())
            except ValidationFailed as exc:
                add_service_errors(form, exc, {"objective_ids": "objectives"})
            else:
                return _after_change(request, matrix)
        status = UNPROCESSABLE
    htmx = request.htmx  # type: ignore[attr-defined]
    response = render(
        request,
        "strategy/xmatrix_item_form.html" if htmx else "strategy/xmatrix_item_edit.html",
        {"matrix": matrix, "item": item, "form": form},
        status=status,
    )
    if htmx and status == UNPROCESSABLE:
        # The form comes back with its errors in the row, not in place of the whole editor.
        response["HX-Retarget"] = f"#item-{item.pk}-edit"
        response["HX-Reswap"] = "innerHTML"
    return response


@require_POST
@member_view
def delete_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    membership, matrix, item = _editable_item(request, pk, item_id)
    services.delete_item(actor=membership, item=item)
    return _after_change(request, matrix)


@require_POST
@member_view
def move_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    membership, matrix, item = _editable_item(request, pk, item_id)
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.move_item(actor=membership, item=item, offset=offset)
    return _after_change(request, matrix)


@require_POST
@member_view
def add_resource(request: HttpRequest, pk: int) -> HttpResponse:
    membership, matrix = _editable(request, pk)
    form = ResourceForm(request.POST, matrix=matrix)
    if form.is_valid():
        try:
            services.add_resource(actor=membership, matrix=matrix, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return _after_change(request, matrix)
    return _render_editor(request, matrix, {"resource": form}, status=UNPROCESSABLE)


@require_POST
@member_view
def remove_resource(request: HttpRequest, pk: int, resource_id: int) -> HttpResponse:
    membership, matrix = _editable(request, pk)
    resource = get_or_404(membership, XMatrixResource, resource_id, matrix=matrix)
    services.remove_resource(actor=membership, resource=resource)
    return _after_change(request, matrix)


def _cell_response(request: HttpRequest, matrix: XMatrix, cell: Cell) -> HttpResponse:
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("strategy:xmatrix", matrix.pk)
    data = selectors.xmatrix_page(matrix)
    return render(
        request,
        "strategy/xmatrix_cell.html",
        {"cell": cell, "data": data, "can_edit": True, "oob": True},
    )


@require_POST
@member_view
def mark(request: HttpRequest, pk: int, row_id: int, column_id: int) -> HttpResponse:
    """Click on a corner cell: the next mark, and the cell (and the findings) redrawn."""
    membership, matrix = _editable(request, pk)
    row = get_or_404(membership, XMatrixItem, row_id, matrix=matrix)
    column = get_or_404(membership, XMatrixItem, column_id, matrix=matrix)
    try:
        strength = services.cycle_correlation(matrix, row, column, actor=membership)
    except ValidationFailed as exc:
        return HttpResponse(" ".join(exc.errors.values()), status=400)
    return _cell_response(request, matrix, Cell(matrix.pk, row, column, strength))


@require_POST
@member_view
def assign(request: HttpRequest, pk: int, priority_id: int, resource_id: int) -> HttpResponse:
    membership, matrix = _editable(request, pk)
    priority = get_or_404(membership, XMatrixItem, priority_id, matrix=matrix)
    resource = get_or_404(
        membership, XMatrixResource, resource_id, matrix=matrix, select=("team", "person__user")
    )
    try:
        value = services.cycle_assignment(priority, resource, actor=membership)
    except ValidationFailed as exc:
        return HttpResponse(" ".join(exc.errors.values()), status=400)
    cell = Cell(
        matrix.pk, priority, resource, value, selectors.resource_name(resource), is_assignment=True
    )
    return _cell_response(request, matrix, cell)
