"""What the OKR pages share: the acting person, the cycle being looked at, the pace of things."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone

from headway import core
from headway.core.coach.model import Finding
from headway.okrs import charts, selectors
from headway.okrs.at_risk import is_overdue
from headway.okrs.choices import ObjectiveStatus
from headway.okrs.coach import CoachNotes, notes
from headway.okrs.forms import CheckInForm
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.okrs.progress import (
    Reading,
    key_result_forecast,
    latest_confidence,
    objective_forecast,
    pace,
)
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.shortcuts import get_or_404


def acting(request: HttpRequest) -> Membership:
    membership: Membership = request.membership  # type: ignore[attr-defined]
    return membership


def with_organization(cycle: Cycle, membership: Membership) -> Cycle:
    """The cycle, holding the person's (already loaded) organization: pace reads its cut-offs."""
    if cycle.organization_id == membership.organization_id:
        cycle.organization = membership.organization
    return cycle


def chosen_cycle(request: HttpRequest, membership: Membership, cycle_id: Any = None) -> Cycle:
    """The cycle named in the URL (or ``?cycle=``), else the current one; 404 when none."""
    cycle_id = cycle_id if cycle_id is not None else request.GET.get("cycle") or None
    if cycle_id is not None:
        return with_organization(get_or_404(membership, Cycle, cycle_id), membership)
    cycle = selectors.current_cycle(membership.organization_id, timezone.localdate())
    if cycle is None:
        raise Http404("no cycle yet")
    return with_organization(cycle, membership)


@dataclass
class ObjectiveRow:
    """An objective on a list, with its pace at this moment (the score comes from a filter)
    and what the coach says about it."""

    objective: Objective
    pace: core.PaceStatus
    coach: CoachNotes = field(default_factory=lambda: CoachNotes(()))
    # Projected progress at cycle end, when the check-ins were at hand (None: nothing to go on).
    forecast: float | None = None
    confidence: int | None = None
    # Key results without a check-in for a week (see okrs.at_risk.is_overdue).
    overdue: int = 0


def objective_rows(
    objectives: list[Objective],
    now: dt.datetime,
    findings: Mapping[int, list[Finding]] | None = None,
    checkins: Mapping[int, list[Reading]] | None = None,
) -> list[ObjectiveRow]:
    """``checkins`` (by key result id) adds each objective's forecast; the key results must be
    prefetched then."""
    findings = findings or {}
    rows = []
    for o in objectives:
        row = ObjectiveRow(o, pace(o.progress, o.cycle, now), notes(findings.get(o.pk, ())))
        if checkins is not None:
            krs = list(o.key_results.all())
            row.forecast = objective_forecast(
                [(kr, key_result_forecast(kr, checkins.get(kr.pk, ()), o.cycle, now)) for kr in krs]
            )
            row.confidence = latest_confidence(krs)
            if o.status == ObjectiveStatus.ACTIVE:
                row.overdue = sum(is_overdue(kr, o.cycle, now) for kr in krs)
        rows.append(row)
    return rows


@dataclass
class KeyResultRow:
    """One key result on the objective page, with its history and (maybe) a check-in form."""

    kr: KeyResult
    cycle: Cycle
    checkins: list[CheckIn]
    chart: dict[str, Any]
    pace: core.PaceStatus
    forecast: core.Forecast | None
    can_check_in: bool
    can_edit_objective: bool
    form: CheckInForm | None = None
    saved: CheckIn | None = None

    @property
    def chart_id(self) -> str:
        return f"chart-kr-{self.kr.pk}"


def checkin_prefix(kr: KeyResult) -> str:
    # Several check-in forms share the page: each field id names its key result.
    return f"kr-{kr.pk}"


def key_result_row(
    kr: KeyResult,
    objective: Objective,
    membership: Membership,
    now: dt.datetime,
    *,
    can_edit: bool,
    form: CheckInForm | None = None,
    saved: CheckIn | None = None,
) -> KeyResultRow:
    """``kr`` comes with its check-ins prefetched (newest first) and its owner."""
    cycle = with_organization(objective.cycle, membership)
    checkins = list(kr.checkins.all())
    forecast = key_result_forecast(kr, checkins, cycle, now)
    # Mirrors permissions.can_check_in without a query per key result.
    may_check_in = (
        permissions.can_write(membership)
        and selectors.cycle_is_open(cycle)
        and (kr.owner_id == membership.pk or can_edit)
    )
    if may_check_in and form is None:
        form = CheckInForm(prefix=checkin_prefix(kr))
    return KeyResultRow(
        kr=kr,
        cycle=cycle,
        checkins=checkins,
        chart=charts.kr_history(kr, checkins, cycle),
        pace=pace(kr.progress, cycle, now),
        forecast=forecast,
        can_check_in=may_check_in,
        can_edit_objective=can_edit,
        # A refused check-in keeps its form, so its errors show (the cycle may have closed since
        # the page was drawn).
        form=form if may_check_in or (form is not None and form.errors) else None,
        saved=saved,
    )
