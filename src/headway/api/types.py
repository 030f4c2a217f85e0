"""Input types shared by the API schemas."""

from typing import Annotated

from ninja import Schema
from ninja.pagination import LimitOffsetPagination
from pydantic import Field

from headway.orgs.accessors import MAX_ID

# A larger number than the databases' 64-bit ids is bad input (422), not an overflow deep in the
# driver (500).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Pagination(LimitOffsetPagination):
    """limit/offset pages with an offset the databases can take."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=2**31)
