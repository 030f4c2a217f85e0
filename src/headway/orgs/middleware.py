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
    memberships = Membership.objects.select_related("organization", "user").filter(user=user)
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(organization_id=chosen).first()
        if membership is not None:
            return membership
    return memberships.order_by("organization__name", "id").first()


class CurrentOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: current_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)
