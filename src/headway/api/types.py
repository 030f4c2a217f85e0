"""Input types shared by the API schemas."""

import types
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from ninja.schema import DjangoGetter
from pydantic import Field, ValidationInfo, field_validator, model_validator

from headway.orgs.accessors import MAX_ID

# A larger number than the databases' 64-bit ids is bad input (422), not an overflow deep in the
# driver (500).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# ``count`` is exact up to this many matching items and null beyond: COUNT(*) reads every matching
# row (2.4 million check-ins took most of the list's time) where a page reads only its own.
COUNT_LIMIT = 10_000

COUNT_DESCRIPTION = (
    f"How many items match, when at most {COUNT_LIMIT:,}; null when more do (they are not"
    " counted). Page with `offset` until a page holds fewer than `limit` items."
)


class Pagination(LimitOffsetPagination):
    """limit/offset pages with an offset the databases can take, and a count that reads at most
    COUNT_LIMIT + 1 rows, whatever the size."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**31)

    class Output(Schema):
        items: list[Any]
        count: int | None = Field(..., description=COUNT_DESCRIPTION)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset, limit = pagination.offset, min(pagination.limit, self.max_limit)
        return {
            self.items_attribute: queryset[offset : offset + limit],
            "count": capped_count(queryset),
        }


class Attached:
    """A list endpoint's queryset whose page, once sliced by the pagination, gets its children's
    ids attached by ``attach`` (one values query each) instead of ``prefetch_related``'s model
    instances: a page of 100 teams has 1,100 member links, 13 ms as instances and 2 as tuples."""

    def __init__(self, queryset: QuerySet[Any], attach: Callable[[list[Any]], None]) -> None:
        self.queryset = queryset
        self.attach = attach

    def __getitem__(self, window: slice) -> list[Any]:
        rows = list(self.queryset[window])
        if rows:
            self.attach(rows)
        return rows


def ids_by(rows: Iterable[tuple[int, int]]) -> dict[int, list[int]]:
    """(parent id, child id) pairs, in their order, as each parent's list of child ids."""
    found: dict[int, list[int]] = defaultdict(list)
    for parent, child in rows:
        found[parent].append(child)
    return found


def attached(obj: Model, name: str) -> Any:
    """What ``Attached`` (or ``_one`` of an endpoint) put on ``obj`` under ``name``."""
    try:
        return obj.__dict__[name]
    except KeyError:
        raise AssertionError(f"{type(obj).__name__} {obj.pk} has no {name} attached") from None


def capped_count(items: Any) -> int | None:
    """How many items there are, or None past COUNT_LIMIT: at most COUNT_LIMIT + 1 rows read."""
    if isinstance(items, Attached):
        items = items.queryset
    if isinstance(items, QuerySet):
        # SELECT COUNT(*) FROM (SELECT ... LIMIT n + 1), unordered: no sort either.
        found = items.order_by()[: COUNT_LIMIT + 1].count()
    else:
        found = len(items)
    return found if found <= COUNT_LIMIT else None


class ObjectIn(Schema):
    """A request body, or an object inside one: it must be a JSON object.

    ninja's Schema reads fields as attributes of whatever it is given (so that it can serialize
    models), which would take a list as an empty patch and the string "abc" as an object whose
    ``title`` is "Abc" (str.title). A body is data, not an object to read attributes off.
    And pydantic would read ``false`` as the number 0 (Monday, for a weekday) and 0 or "yes" as
    a yes/no answer: true and false answer yes/no fields, and only they do.
    """

    @model_validator(mode="before")
    @classmethod
    def _json_object(cls, data: Any) -> Any:
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise ValueError("must be a JSON object")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _yes_no_apart(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None or value is None:
            return value
        kinds = _kinds(cls.model_fields[info.field_name].annotation)
        if isinstance(value, bool) and not kinds & {bool, Any}:
            raise ValueError("must not be true or false")
        if not isinstance(value, bool) and kinds - {type(None)} == {bool}:
            raise ValueError("must be true or false")
        return value


def _kinds(annotation: Any) -> set[Any]:
    """The types a field admits: bool | None -> {bool, NoneType}."""
    if get_origin(annotation) in (Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    if get_origin(annotation) is Annotated:
        return _kinds(get_args(annotation)[0])
    return {annotation}


def next_link(request: HttpRequest, **changes: int) -> str:
    """The request's own path and query with ``changes`` made: the link to the next part of a
    paged answer."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = str(value)
    return f"{request.path}?{query.urlencode()}"
