"""The team and people pages: who is where, and how their OKRs and KPIs stand this cycle."""

from __future__ import annotations

from typing import Any

from django import forms
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
from headway.paging import counted_page
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404

# Past this many teams (as the board's team filter, okrs.forms.TEAM_CHOICES_LIMIT) the tree shows
# the company and its departments, each team's sub-teams opening on demand, and a search box.
TEAM_TREE_LIMIT = 200
TEAM_TREE_DEPTH = 1
TEAMS_PER_PAGE = 50  # teams found by a search
PEOPLE_PER_PAGE = 50


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=100, required=False)

    def __init__(self, *args: Any, label: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].label = label

    def search(self) -> str:
        """What to look for; nothing while the box holds an error (shown beside it)."""
        return str(self.cleaned_data["q"]) if self.is_valid() else ""


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
    """The team tree; at size its top levels (``?under=<id>`` gives a team's sub-teams, for htmx)
    and a search by name (``?q=``) listing the teams found flat, a page at a time."""
    me = _me(request)
    org_id = me.organization_id
    cycle = okr_selectors.current_cycle(org_id, timezone.localdate())
    if "under" in request.GET:
        parent = get_or_404(me, Team, request.GET["under"])
        return render(
            request,
            "orgs/_team_children.html",
            {"nodes": selectors.team_children(parent, cycle)},
        )
    form = SearchForm(request.GET or None, label="Find a team by name")
    context: dict[str, Any] = {"cycle": cycle, "form": form}
    if search := form.search():
        page = counted_page(
            selectors.search_teams(org_id, search, cycle), request.GET.get("page"), TEAMS_PER_PAGE
        )
        context |= {
            "search": search,
            "page": page,
            "found": selectors.flat_nodes(list(page.object_list), cycle),
        }
    else:
        tree = selectors.team_tree(org_id, cycle, limit=TEAM_TREE_LIMIT, top_depth=TEAM_TREE_DEPTH)
        context |= {"roots": tree.roots, "tree": tree}
    return render(request, "orgs/teams.html", context)


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
    """Everyone, a page at a time, or those found by ``?q=`` (username, name or email)."""
    me = _me(request)
    form = SearchForm(request.GET or None, label="Find people by name, username or email")
    search = form.search()
    page = counted_page(
        selectors.people(me.organization_id, search), request.GET.get("page"), PEOPLE_PER_PAGE
    )
    return render(
        request,
        "orgs/people.html",
        {"people": page.object_list, "page": page, "form": form, "search": search},
    )


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
