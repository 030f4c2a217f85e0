"""A page of rows for Django's paginator, counted in the same query as the rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# Far past any real page: a page number above it is taken as past the end.
MAX_PAGE = 1_000_000


def counted_page(rows: QuerySet[Any], number: str | None, per_page: int) -> Page[Any]:
    """A page of ``rows`` for Django's paginator, in one query where the paginator takes two:
    each row carries the count of them all (a window count), which a page past the end, that has
    no rows, asks for as the paginator does.

    A page number that is no number shows the first page, one past the end the last. Rows of
    ``values_list()`` come back as plain tuples without the count (named rows lose their names).
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
        if isinstance(found[0], tuple):  # rows of values_list(): the count is the last value
            paginator.__dict__["count"] = found[0][-1]  # fills the cached property
            return Page([row[:-1] for row in found], index, paginator)
        paginator.__dict__["count"] = found[0].rows_in_all
        return Page(found, index, paginator)
    if index == 1:
        paginator.__dict__["count"] = 0
        return Page([], 1, paginator)
    return paginator.get_page(index)
