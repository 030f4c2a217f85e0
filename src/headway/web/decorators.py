"""Views for signed-in people of an organization."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from headway.orgs.models import Membership

View = Callable[..., HttpResponse]


def member_view(view: View) -> View:
    """Sign-in required, and a membership: ``request.membership`` is then a real Membership."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership: Membership | None = request.membership  # type: ignore[attr-defined]
        if not membership:
            return render(request, "web/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
