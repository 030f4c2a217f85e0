"""Helpers shared by the pages of every area."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import Count, QuerySet, Window
from django.forms import Form
from django.http import Http404

from headway.errors import NotFound, ValidationFailed
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership

M = TypeVar("M", bound=models.Model)
# Far past any real page: a page number above it is taken as past the end.
MAX_PAGE = 1_000_000


def get_or_404(membership: Membership, model: type[M], pk: Any, **kwargs: Any) -> M:
    """One object of the person's organization; anything else (another's too) is a 404."""
    try:
        return get_for(membership, model, pk, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from None


def add_service_errors(
    form: Form, exc: ValidationFailed, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's field errors beside the form's fields (``cycle_id`` -> ``cycle``)."""
    field_map = field_map or {}
    for field, message in exc.errors.items():
        name = field_map.get(field, field.removesuffix("_id"))
        form.add_error(name if name in form.fields else None, message)


def counted_page(rows: QuerySet[Any], number: str | None, per_page: int) -> Page[Any]:
    """A page of ``rows`` for Django's paginator, in one query where the paginator takes two:
    each row carries the count of them all (a window count), which a page past the end, that has
    no rows, asks for as the paginator does.

    A page number that is no number shows the first page, one past the end the last.
    """
    paginator: Paginator[Any] = Paginator(rows, per_page)
    wanted = str(number or "1").strip()
    index = 1
    if wanted.isdecimal():
        # Far past any real page (past any offset the database takes, or too long a number for
        # Python's int) is past the end too: the last page is shown.
        index = max(1, MAX_PAGE if len(wanted) > len(str(MAX_PAGE)) else min(int(wanted), MAX_PAGE))
    start = (index - 1) * per_page
    found = list(rows.annotate(rows_in_all=Window(Count("pk")))[start : start + per_page])
    if found:
        paginator.__dict__["count"] = found[0].rows_in_all  # fills the cached property
        return Page(found, index, paginator)
    if index == 1:
        paginator.__dict__["count"] = 0
        return Page([], 1, paginator)
    return paginator.get_page(index)
