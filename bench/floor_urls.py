"""Headway's URLs plus ``/bench/floor``: the cheapest authenticated Django view, for comparison.

It runs the same middleware (session, authentication, the current organization, CSP) and answers
two bytes, so its throughput is what Django, gunicorn and PostgreSQL give before any page work.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_required
def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor", floor, name="bench-floor"),
    path("", include("headway.urls")),
]
