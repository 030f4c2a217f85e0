from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def organization(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is not None and not membership:
        # SimpleLazyObject wrapping None: no organization for this user.
        membership = None
    return {
        "membership": membership,
        "organization": membership.organization if membership else None,
        "site_name": settings.SITE_NAME,
    }
