"""Sign-in attempts, limited per username and per client address.

A username that failed ``HEADWAY_SIGN_IN_USERNAME_LIMIT`` times within the window, or an address
that failed ``HEADWAY_SIGN_IN_ADDRESS_LIMIT`` times, is refused before its password is checked
until the oldest of those failures leaves the window. A successful sign-in clears its username's
failures. The authentication backend applies it to every sign-in form (the site's and the
admin's); the sign-in page also answers HTTP 429 with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from headway.orgs.models import SignInFailure

REFUSED = (
    "Too many failed sign-in attempts. Wait {minutes} minutes and try again, or ask an "
    "administrator to reset your password."
)


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.HEADWAY_SIGN_IN_WINDOW_MINUTES)


def _key(username: str) -> str:
    return username.strip().lower()[:150]


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:  # a forged or garbled header, or a Unix socket's empty address
        return None


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from: behind a trusted proxy, the one it appended."""
    if request is None:
        return None
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        address = _address(forwarded.rsplit(",", 1)[-1])
        if address is not None:
            return address
    return _address(str(request.META.get("REMOTE_ADDR") or ""))


def is_refused(username: str, address: str | None, now: dt.datetime) -> bool:
    since = now - _window()
    recent = SignInFailure.objects.filter(at__gt=since)
    if recent.filter(username=_key(username)).count() >= settings.HEADWAY_SIGN_IN_USERNAME_LIMIT:
        return True
    return (
        address is not None
        and recent.filter(address=address).count() >= settings.HEADWAY_SIGN_IN_ADDRESS_LIMIT
    )


def record_failure(username: str, address: str | None, now: dt.datetime) -> None:
    SignInFailure.objects.filter(at__lte=now - _window()).delete()
    SignInFailure.objects.create(username=_key(username), address=address, at=now)


def clear(username: str) -> None:
    SignInFailure.objects.filter(username=_key(username)).delete()


def refused_message() -> str:
    return REFUSED.format(minutes=settings.HEADWAY_SIGN_IN_WINDOW_MINUTES)


class RateLimitedModelBackend(ModelBackend):
    """Django's username-and-password check, behind the attempt limit."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        now = timezone.now()
        address = client_address(request)
        if is_refused(username, address, now):
            # Stops authenticate() here: no other backend checks the password either.
            raise PermissionDenied(refused_message())
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(username, address, now)
        else:
            clear(username)
        return user
