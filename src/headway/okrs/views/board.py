"""The OKR board (a cycle's objectives by team) and the alignment of a cycle's objectives."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from headway.okrs import selectors
from headway.okrs.at_risk import checkins_by_key_result
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.coach import findings_by_objective
from headway.okrs.forms import BoardFilterForm
from headway.okrs.progress import pace
from headway.okrs.views.common import acting, chosen_cycle, objective_rows
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view


@member_view
def board(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    membership = acting(request)
    org_id = membership.organization_id
    picked = request.GET.get("cycle")
    if cycle_id is None and picked:
        # The filter form names the cycle in the query; the board of a cycle has its own URL.
        cycle = chosen_cycle(request, membership)
        rest = {k: v for k, v in request.GET.items() if k != "cycle" and v}
        url = reverse("okrs:board-cycle", args=[cycle.pk])
        return redirect(f"{url}?{urlencode(rest)}" if rest else url)
    cycle = chosen_cycle(request, membership, cycle_id)
    cycles = list(selectors.cycles(org_id))
    tree = selectors.team_tree(org_id)
    people = list(
        Membership.objects.filter(organization_id=org_id)
        .select_related("user")
        .order_by("user__username")
    )
    # The form always shows the page's cycle, and is bound so a bad filter gets its message.
    query = request.GET.copy()
    query["cycle"] = str(cycle.pk)
    form = BoardFilterForm(query, cycles=cycles, teams=tree, people=people)
    team_id = person_id = None
    status: str | None = ObjectiveStatus.ACTIVE
    if form.is_valid():
        team_id = form.cleaned_data["team"]
        person_id = form.cleaned_data["owner"]
        chosen = form.cleaned_data["status"] or ObjectiveStatus.ACTIVE
        status = None if chosen == "all" else chosen
    data = selectors.board(
        org_id, cycle, team_id=team_id, person_id=person_id, status=status, tree=tree
    )
    now = timezone.now()
    shown = [o for t in data.teams for o in t.objectives] + data.personal
    findings = findings_by_objective(
        membership.organization,
        [o for o in shown if o.status == ObjectiveStatus.ACTIVE],
        cycle=cycle,
        today=timezone.localdate(now),
    )
    # For each row's forecast: one query for the check-ins of every key result shown.
    checkins = checkins_by_key_result(kr.pk for o in shown for kr in o.key_results.all())
    return render(
        request,
        "okrs/board.html",
        {
            "cycle": cycle,
            "form": form,
            "board": data,
            "teams": [
                (t, objective_rows(t.objectives, now, findings, checkins)) for t in data.teams
            ],
            "personal": objective_rows(data.personal, now, findings, checkins),
            "organization_pace": (
                pace(data.organization_progress, cycle, now)
                if data.organization_progress is not None
                else None
            ),
            "filtered": team_id is not None or person_id is not None,
            "status": status,
            "can_create": permissions.can_write(membership),
        },
    )


@member_view
def alignment(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    org_id = membership.organization_id
    cycle = chosen_cycle(request, membership)
    return render(
        request,
        "okrs/alignment.html",
        {
            "cycle": cycle,
            "cycles": selectors.cycles(org_id),
            "data": selectors.alignment(org_id, cycle),
        },
    )
