"""The API tokens page: a person's own tokens (create, see when each was last used, revoke) and,
for an admin, everyone else's working tokens, to revoke one that should stop at once.

A new token's secret is on the answer to the form that made it and nowhere else: it is stored
hashed, so the page is rendered there and then (not redirected to) and kept out of caches.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from headway.errors import ValidationFailed
from headway.orgs import permissions, selectors, services
from headway.orgs.models import ApiToken, Membership
from headway.paging import counted_page
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

GET_POST = require_http_methods(["GET", "POST"])
OTHERS_PER_PAGE = 50


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=services.TOKEN_NAME_LENGTH,
        help_text="What it is for, e.g. “warehouse sync” or “my laptop”.",
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        help_text="Read and write acts with your own permissions; read only changes nothing.",
    )


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _page(
    request: HttpRequest,
    me: Membership,
    form: TokenForm,
    *,
    made: tuple[ApiToken, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "tokens": selectors.tokens_of(me), "made": made}
    if permissions.can_administer(me):
        context["others"] = counted_page(
            selectors.others_tokens(me), request.GET.get("page"), OTHERS_PER_PAGE
        )
    response = render(request, "orgs/tokens.html", context, status=status)
    add_never_cache_headers(response)  # it may hold a secret, and always holds prefixes
    return response


@member_view
@GET_POST
def tokens(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if request.method != "POST":
        return _page(request, me, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = services.create_token(
                membership=me, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            return _page(request, me, TokenForm(), made=made, status=201)
    return _page(request, me, form, status=422)


@member_view
@GET_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Ask, then revoke: the token stops working at once, and cannot be brought back."""
    me = _me(request)
    token = get_or_404(me, ApiToken, token_id, select=("membership__user",))
    if not permissions.can_revoke_token(me, token):
        raise PermissionDenied("you may not revoke this token")
    if request.method == "POST":
        if services.revoke_token(actor=me, token=token):
            messages.success(request, f"Token {token.name} revoked: it no longer works.")
        else:
            messages.info(request, f"Token {token.name} was revoked already.")
        return redirect("orgs:tokens")
    return render(
        request, "orgs/token_revoke.html", {"token": token, "mine": token.membership_id == me.pk}
    )
