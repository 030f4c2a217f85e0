from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.core.health import Health
from headway.kpis.selectors import kpis_to_watch
from headway.okrs import selectors
from headway.okrs.at_risk import is_overdue
from headway.okrs.progress import pace
from headway.orgs.middleware import SESSION_KEY
from headway.orgs.models import Membership, User
from headway.web.assets import vega_bundle as build_vega_bundle
from headway.web.decorators import member_view

# Home lists this many KPIs to watch (the worst first) and links to the dashboard for the rest.
WATCH_SHOWN = 10


@member_view
def home(request: HttpRequest) -> HttpResponse:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    now = timezone.now()
    today = timezone.localdate(now)
    data = selectors.home(membership.organization, membership.pk, now)
    week_start = today - dt.timedelta(days=today.weekday())
    due = [
        kr
        for kr in data.my_key_results
        if kr.last_checkin_at is None or timezone.localdate(kr.last_checkin_at) < week_start
    ]
    # Late by a week, in the cycle the page is about: from the rows already loaded.
    overdue = (
        [kr for kr in data.my_key_results if is_overdue(kr, data.cycle, now)] if data.cycle else []
    )
    rows = [
        {"objective": o, "pace": pace(o.progress, o.cycle, now), "key_results": o.key_results.all()}
        for o in data.team_objectives
    ]
    watch, watch_total = kpis_to_watch(membership.organization_id, WATCH_SHOWN)
    memberships = (
        Membership.objects.filter(user=cast(User, request.user))
        .select_related("organization")
        .order_by("organization__name")
    )
    return render(
        request,
        "web/home.html",
        {
            "data": data,
            "due": due,
            "overdue": overdue,
            "done_this_week": len(data.my_key_results) - len(due),
            "rows": rows,
            "rows_more": data.team_objectives_total - len(rows),
            "watch": [(kpi, Health(kpi.health)) for kpi in watch],
            "watch_more": watch_total - len(watch),
            "memberships": memberships,
        },
    )


@login_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    org_id = request.POST.get("organization", "")
    user = cast(User, request.user)
    if org_id.isdigit() and Membership.objects.filter(user=user, organization_id=org_id).exists():
        request.session[SESSION_KEY] = int(org_id)
    return redirect("web:home")


@login_required
def vega_bundle(request: HttpRequest) -> HttpResponse:
    data, digest = build_vega_bundle()
    if request.headers.get("If-None-Match") == f'"{digest}"':
        return HttpResponse(status=304)
    response = HttpResponse(data, content_type="text/javascript; charset=utf-8")
    response["ETag"] = f'"{digest}"'
    response["Cache-Control"] = "private, max-age=86400"
    return response


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
