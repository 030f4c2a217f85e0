"""Attach the signed-in person's current organization and membership to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from headway.orgs.models import Membership

SESSION_KEY = "headway_organization_id"


def current_membership(request: HttpRequest) -> Membership | None:
    user = request.user
    if not user.is_authenticated:
        return None
    # The person is request.user already: not joined again. Every request reads this row.
    memberships = Membership.objects.select_related("organization").filter(user=user)
    chosen = request.session.get(SESSION_KEY)
    found = None
    if chosen is not None:
        found = memberships.filter(organization_id=chosen).first()
    if found is None:
        found = memberships.order_by("organization__name", "id").first()
    if found is not None:
        # The person itself, not the lazy object standing for it on the request (loaded above).
        found.user = getattr(user, "_wrapped", user)
    return found


class CurrentOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: current_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)
