"""The OKR board (a cycle's objectives by team) and the alignment of a cycle's objectives."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from headway.core import PaceStatus
from headway.core.coach.model import Finding
from headway.okrs import alignment_tree, selectors
from headway.okrs.at_risk import checkins_by_key_result
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.coach import findings_by_objective
from headway.okrs.forms import OWNER_CHOICES_LIMIT, BoardFilterForm
from headway.okrs.models import Cycle, Objective
from headway.okrs.progress import Reading, cycle_thresholds, expected_progress, pace
from headway.okrs.views.common import (
    ObjectiveRow,
    acting,
    chosen_cycle,
    objective_rows,
    with_organization,
)
from headway.orgs import permissions
from headway.orgs.models import Membership, Team
from headway.web.decorators import member_view
from headway.web.shortcuts import get_or_404


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
    people = selectors.board_people(
        org_id, named=request.GET.get("owner", ""), limit=OWNER_CHOICES_LIMIT
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
    now = timezone.now()
    counts = selectors.board_counts(
        org_id, cycle, status=status, person_id=person_id, behind_below=_behind_below(cycle, now)
    )
    context = {
        "cycle": cycle,
        "form": form,
        "filtered": team_id is not None or person_id is not None,
        "status": status,
        "status_query": _status_query(status),
        "can_create": permissions.can_write(membership),
    }
    # One person's objectives are few: their board is drawn whole, whatever the organization.
    if person_id is None and selectors.board_is_large(tree, counts, team_id):
        large = selectors.board_at_size(
            org_id,
            cycle,
            open_teams=None if team_id is None else [team_id],
            status=status,
            tree=tree,
            counts=counts,
        )
        return render(
            request,
            "okrs/board.html",
            {
                **context,
                "board": large,
                "branches": _branches(membership, cycle, large.branches, now),
                "organization_pace": _pace(large.organization_progress, cycle, now),
            },
        )
    data = selectors.board(
        org_id, cycle, team_id=team_id, person_id=person_id, status=status, tree=tree
    )
    shown = [o for t in data.teams for o in t.objectives] + data.personal
    findings, checkins = _row_inputs(membership, cycle, shown, now)
    return render(
        request,
        "okrs/board.html",
        {
            **context,
            "board": data,
            "teams": [
                (t, objective_rows(t.objectives, now, findings, checkins)) for t in data.teams
            ],
            "personal": objective_rows(data.personal, now, findings, checkins),
            "organization_pace": _pace(data.organization_progress, cycle, now),
        },
    )


@member_view
def board_team(request: HttpRequest, cycle_id: int, team_id: int) -> HttpResponse:
    """One team of the board at size, opened: its objectives and the teams below it as rows."""
    membership = acting(request)
    org_id = membership.organization_id
    cycle = with_organization(get_or_404(membership, Cycle, cycle_id), membership)
    team = get_or_404(membership, Team, team_id)
    chosen = request.GET.get("status") or ObjectiveStatus.ACTIVE
    if chosen not in dict(BoardFilterForm.STATUS_CHOICES):
        raise Http404("no such status")
    status = None if chosen == "all" else chosen
    now = timezone.now()
    tree = selectors.team_tree(org_id)
    counts = selectors.board_counts(
        org_id, cycle, status=status, behind_below=_behind_below(cycle, now)
    )
    large = selectors.board_at_size(
        org_id, cycle, open_teams=[team.pk], status=status, tree=tree, counts=counts
    )
    return render(
        request,
        "okrs/_board_team.html",
        {
            "cycle": cycle,
            "status": status,
            "status_query": _status_query(status),
            "branch": _branches(membership, cycle, large.branches, now)[0],
        },
    )


def _behind_below(cycle: Cycle, now: dt.datetime) -> float:
    """Progress under which an objective is behind its pace now (see core.pace_status)."""
    return expected_progress(cycle, now) - cycle_thresholds(cycle).on_track - 1e-9


def _status_query(status: str | None) -> str:
    """The status filter as a team row's fragment URL carries it."""
    if status == ObjectiveStatus.ACTIVE:
        return ""
    return "?" + urlencode({"status": status or "all"})


def _pace(progress: float | None, cycle: Cycle, now: dt.datetime) -> PaceStatus | None:
    return None if progress is None else pace(progress, cycle, now)


def _row_inputs(
    membership: Membership, cycle: Cycle, shown: list[Objective], now: dt.datetime
) -> tuple[dict[int, list[Finding]], dict[int, list[Reading]]]:
    """What each objective row needs beside its objective: the coach's findings, and the
    check-ins of its key results for the forecast (one query for all)."""
    findings = findings_by_objective(
        membership.organization,
        [o for o in shown if o.status == ObjectiveStatus.ACTIVE],
        cycle=cycle,
        today=timezone.localdate(now),
    )
    checkins = checkins_by_key_result(kr.pk for o in shown for kr in o.key_results.all())
    return findings, checkins


def _branches(
    membership: Membership,
    cycle: Cycle,
    branches: list[selectors.BoardBranch],
    now: dt.datetime,
) -> list[tuple[selectors.BoardBranch, list[ObjectiveRow]]]:
    shown = [o for b in branches for o in b.team.objectives]
    findings, checkins = _row_inputs(membership, cycle, shown, now)
    return [(b, objective_rows(b.team.objectives, now, findings, checkins)) for b in branches]


# Past this many objectives in the cycle the alignment page shows a page of top objectives a
# few levels down (see okrs.alignment_tree); the rest opens on demand.
LAZY_ALIGNMENT_OBJECTIVES = selectors.LAZY_BOARD_OBJECTIVES


@member_view
def alignment(request: HttpRequest) -> HttpResponse:
    """The cycle's alignment tree: whole while small; at size (or filtered by ``?team=``, or
    opened at ``?node=<objective id>``) a page of top objectives a few levels deep, whose
    "N more" load a batch of supporters (htmx: ``?node=&offset=``)."""
    membership = acting(request)
    org_id = membership.organization_id
    cycle = chosen_cycle(request, membership)
    node_id = _number(request.GET.get("node"))
    if "node" in request.GET and node_id is None:
        raise Http404("no such objective")
    cycles = selectors.cycles(org_id)
    if node_id is None and "team" not in request.GET:
        data = selectors.alignment(org_id, cycle, limit=LAZY_ALIGNMENT_OBJECTIVES)
        if data is not None:
            return render(
                request,
                "okrs/alignment.html",
                {"cycle": cycle, "cycles": cycles, "data": data},
            )
    tree = selectors.team_tree(org_id)
    query = request.GET.copy()
    query["cycle"] = str(cycle.pk)
    form = BoardFilterForm(query, cycles=list(cycles), teams=tree, people=[])
    team = None
    if form.is_valid() and form.cleaned_data["team"] is not None:
        team = next(n.team for n in tree if n.team.pk == form.cleaned_data["team"])
    teams = None if team is None else alignment_tree.teams_below(tree, team.pk)
    # What the tree's links carry along: the cycle and the team filter.
    scope = urlencode({"cycle": cycle.pk, **({} if team is None else {"team": team.pk})})
    if node_id is not None and request.htmx:  # type: ignore[attr-defined]
        offset = max(_number(request.GET.get("offset")) or 0, 0)
        more = alignment_tree.more_supporters(org_id, cycle, node_id, teams=teams, offset=offset)
        return render(
            request,
            "okrs/_alignment_more.html",
            {"cycle": cycle, "more": more, "scope": scope},
        )
    data_at_size = alignment_tree.alignment_at_size(
        org_id, cycle, teams=teams, node_id=node_id, page=request.GET.get("page")
    )
    if node_id is not None and not data_at_size.roots:
        raise Http404("no such objective in this cycle")
    unaligned = None
    if node_id is None:
        unaligned = alignment_tree.unaligned_at_size(
            org_id, cycle, teams=teams, page=request.GET.get("unaligned")
        )
    return render(
        request,
        "okrs/alignment.html",
        {
            "cycle": cycle,
            "form": form,
            "team": team,
            "node_id": node_id,
            "scope": scope,
            "large": data_at_size,
            "unaligned": unaligned,
            "depth": alignment_tree.DEPTH,
        },
    )


def _number(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
