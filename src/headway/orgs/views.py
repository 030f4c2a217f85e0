"""The team and people pages: who is where, and how their OKRs and KPIs stand this cycle."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from headway.kpis.selectors import kpi_cards
from headway.okrs import selectors as okr_selectors
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.models import Cycle, Objective
from headway.okrs.progress import pace
from headway.orgs import selectors
from headway.orgs.models import Membership, Team
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _objective_rows(objectives: list[Objective], cycle: Cycle) -> list[dict[str, object]]:
    now = timezone.now()
    return [
        {"objective": o, "pace": pace(o.progress, cycle, now), "key_results": o.key_results.all()}
        for o in objectives
    ]


def _objectives(org_id: int, cycle: Cycle | None, **owner: int) -> list[Objective]:
    if cycle is None:
        return []
    return list(
        okr_selectors.objectives(org_id, cycle_id=cycle.pk, status=ObjectiveStatus.ACTIVE, **owner)
    )


@member_view
@require_safe
def teams(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    cycle = okr_selectors.current_cycle(me.organization_id, timezone.localdate())
    return render(
        request,
        "orgs/teams.html",
        {"cycle": cycle, "roots": selectors.team_tree(me.organization_id, cycle)},
    )


@member_view
@require_safe
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    me = _me(request)
    found = get_or_404(me, Team, team_id, select=("parent",))
    today = timezone.localdate()
    cycle = okr_selectors.current_cycle(me.organization_id, today)
    objectives = _objectives(me.organization_id, cycle, team_id=found.pk)
    return render(
        request,
        "orgs/team.html",
        {
            "team": found,
            "cycle": cycle,
            "detail": selectors.team_detail(found, cycle),
            "objectives": _objective_rows(objectives, cycle) if cycle else [],
            "kpis": kpi_cards(me.organization_id, today, team_ids=[found.pk]),
        },
    )


@member_view
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    return render(request, "orgs/people.html", {"people": selectors.people(me.organization_id)})


@member_view
@require_safe
def person(request: HttpRequest, membership_id: int) -> HttpResponse:
    me = _me(request)
    found = get_or_404(me, Membership, membership_id, select=("user",))
    today = timezone.localdate()
    cycle = okr_selectors.current_cycle(me.organization_id, today)
    objectives = _objectives(me.organization_id, cycle, owner_person_id=found.pk)
    return render(
        request,
        "orgs/person.html",
        {
            "person": found,
            "cycle": cycle,
            "team_links": selectors.team_links(found),
            "objectives": _objective_rows(objectives, cycle) if cycle else [],
            "key_results": selectors.key_results_of(found, cycle),
            "kpis": kpi_cards(me.organization_id, today, owner_id=found.pk),
        },
    )
