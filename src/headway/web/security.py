"""The Content-Security-Policy of every page, and the deploy checks Django does not make itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse

# Everything the pages load comes from Headway itself: no inline script or style, no eval, no
# plugin, no framing. The charts run Vega with its expression interpreter (headway.js passes
# ``ast: true``), so script-src needs no 'unsafe-eval'; vega-embed's and vega-tooltip's injected
# <style> elements are switched off and their few rules live in headway.css. Scripts and
# Vega's SVG renderer set styles through the CSSOM (element.style), which style-src allows.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ContentSecurityPolicyMiddleware:
    """Sends the policy with every HTML answer (JSON, scripts and files need none)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(**kwargs: Any) -> list[checks.CheckMessage]:
    """The built-in key is public (it is in the source): sessions signed with it can be forged."""
    if settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        return [
            checks.Warning(
                "SECRET_KEY is Headway's development fallback, which anyone can read.",
                hint="Set SECRET_KEY (or SECRET_KEY_FILE) to 50 or more random characters.",
                id="headway.W001",
            )
        ]
    return []
