import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import ObjectIn, Pagination
from headway.orgs import services
from headway.orgs.accessors import get_for
from headway.orgs.models import ApiToken

router = Router(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class NewTokenOut(TokenOut):
    secret: str


class TokenIn(ObjectIn):
    name: str
    scope: str = ApiToken.Scope.WRITE


@router.get("", response=list[TokenOut])
@paginate(Pagination)
def list_tokens(request: HttpRequest):  # type: ignore[no-untyped-def]
    return ApiToken.objects.filter(membership=actor(request)).order_by("-created_at", "-id")


@router.post("", response={201: NewTokenOut})
def create_token(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    """Create a token. Its secret is in this answer only: it is stored hashed."""
    token, secret = services.create_token(
        membership=writer(request), name=payload.name, scope=payload.scope
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, token_id: int) -> Status[Any]:
    me = writer(request)
    services.revoke_token(actor=me, token=get_for(me, ApiToken, token_id))
    return Status(204, None)
