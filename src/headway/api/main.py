"""The REST API under /api/v1/: one router per resource, errors as JSON naming the field."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from headway.api import (
    alerts,
    canvas,
    carry,
    cycles,
    events,
    grading,
    key_results,
    kpi_okrs,
    kpis,
    lint,
    objectives,
    people,
    report,
    rhythm,
    teams,
    tokens,
    xmatrix,
    xmr,
)
from headway.api.auth import MembershipSessionAuth, TokenAuth
from headway.api.openapi import document_errors
from headway.errors import NotFound, ValidationFailed

logger = logging.getLogger(__name__)


class HeadwayAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        # The error answers come from the handlers below, the same for every route.
        return document_errors(super().get_openapi_schema(**kwargs))


api = HeadwayAPI(
    title="Headway API",
    version="1",
    description=(
        "OKRs and KPIs of one organization. Authenticate with a personal token: "
        "`Authorization: Bearer hw_...` (create one with `headway token create` or "
        "`POST /api/v1/tokens` while signed in). Every error is JSON; bad input answers 422 "
        "with `detail[].loc` naming the field."
    ),
    urls_namespace="api",
    docs_url="/docs",
    auth=[TokenAuth(), MembershipSessionAuth()],
)

for prefix, module in [
    ("/teams", teams),
    ("/people", people),
    ("/cycles", cycles),
    ("/objectives", objectives),
    ("/key-results", key_results),
    ("/kpis", kpis),
    ("/tokens", tokens),
    ("/lint", lint),
]:
    api.add_router(prefix, module.router)
api.add_router("/measurements", kpis.bulk_router)
api.add_router("/kpis", kpi_okrs.router)
api.add_router("/kpis", alerts.kpi_router)
api.add_router("/alert-channels", alerts.router)
api.add_router("/check-ins", key_results.checkins_router)
api.add_router("/kpis", xmr.router)
api.add_router("/kpis", events.router)
# The quarterly rhythm: cycle life and grading, carry over and duplicate, the calibration and the
# executive report, reminders and pace.
api.add_router("", grading.router)
api.add_router("", carry.router)
api.add_router("", report.router)
api.add_router("", rhythm.router)
# The strategy layer: X-Matrix and Strategy Canvas.
api.add_router("", xmatrix.router)
api.add_router("", canvas.router)


def _detail(field: str, message: str) -> dict[str, object]:
    return {"loc": ["body", *field.split(".")], "msg": message, "type": "value_error"}


@api.exception_handler(ValidationFailed)
def validation_failed(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    return api.create_response(
        request, {"detail": [_detail(f, m) for f, m in exc.errors.items()]}, status=422
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20
    return api.create_response(
        request,
        {"detail": f"the request body is larger than {limit:g} MB; send smaller batches"},
        status=413,
    )


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(Http404)
def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "Authentication required: send a Bearer token"}, status=401
    )


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(InterfaceError)
@api.exception_handler(OperationalError)
def database_unavailable(request: HttpRequest, exc: DatabaseError) -> HttpResponse:
    # The database is restarting or unreachable: a clean answer the client can retry on, rather
    # than a 500 page (each request checks its connection anew, so the retry finds it back).
    logger.warning("API %s %s: database unavailable: %s", request.method, request.path, exc)
    response = api.create_response(
        request, {"detail": "the database is unavailable for a moment; try again"}, status=503
    )
    response["Retry-After"] = "5"
    return response
