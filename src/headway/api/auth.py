"""API authentication: personal tokens (Bearer) or the browser session, both tied to a person."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from headway.orgs.models import ApiToken, Membership
from headway.orgs.services import authenticate_token

# Operations that take a body but change nothing: a read-only token may call them.
READ_ONLY_POSTS = frozenset({"lint"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = authenticate_token(token)
        if found is not None:
            request.membership = found.membership  # type: ignore[attr-defined]
            request.api_token = found  # type: ignore[attr-defined]
            # Here, before any view runs, so that no write can forget to refuse a read token
            # (writer() below says the same for the views that call it).
            match = request.resolver_match
            if request.method not in SAFE_METHODS and (
                match is None or match.url_name not in READ_ONLY_POSTS
            ):
                _refuse_read_only(found)
        return found


class MembershipSessionAuth(SessionAuth):
    """The signed-in browser user, acting in their current organization (CSRF-checked)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        membership = getattr(request, "membership", None)
        if user is None or not membership:
            return None
        return user


def actor(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def writer(request: HttpRequest) -> Membership:
    """The acting person for a write; a read-only token is refused here, before any change."""
    token: ApiToken | None = getattr(request, "api_token", None)
    if token is not None:
        _refuse_read_only(token)
    return actor(request)


def _refuse_read_only(token: ApiToken) -> None:
    if token.scope != ApiToken.Scope.WRITE:
        raise PermissionDenied("this token is read-only")
