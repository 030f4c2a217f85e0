from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from headway.okrs import selectors
from headway.okrs.progress import pace
from headway.orgs.middleware import SESSION_KEY
from headway.orgs.models import Membership, User


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership: Membership | None = request.membership  # type: ignore[attr-defined]
    if not membership:
        return render(request, "web/no_organization.html", status=403)
    now = timezone.now()
    data = selectors.home(membership.organization, membership.pk, now)
    rows = []
    for objective in data.team_objectives:
        rows.append(
            {
                "objective": objective,
                "pace": pace(objective.progress, objective.cycle, now),
                "key_results": list(objective.key_results.all()),
            }
        )
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
            "rows": rows,
            "memberships": memberships,
        },
    )


@login_required
@require_POST
def switch_organization(request: HttpRequest) -> HttpResponse:
    org_id = request.POST.get("organization", "")
    if Membership.objects.filter(
        user=cast(User, request.user), organization_id=org_id if org_id.isdigit() else 0
    ).exists():
        request.session[SESSION_KEY] = int(org_id)
    return redirect("web:home")


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
