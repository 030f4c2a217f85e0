"""Pages of the quarterly rhythm: what is at risk, a person's check-in digest, the organization's
pace cut-offs and digest day."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from headway.errors import ValidationFailed
from headway.okrs import at_risk as reads
from headway.okrs import rhythm_services, selectors
from headway.okrs.forms import TEAM_CHOICES_DEPTH, TEAM_CHOICES_LIMIT
from headway.okrs.reminders import WEEKDAYS, digest_weekday
from headway.okrs.rhythm_forms import (
    AtRiskFilterForm,
    ReminderPreferencesForm,
    RhythmSettingsForm,
)
from headway.okrs.views.common import acting, chosen_cycle
from headway.orgs import permissions
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors

UNPROCESSABLE = 422


@member_view
def at_risk(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    org_id = membership.organization_id
    cycle = chosen_cycle(request, membership)
    tree = selectors.team_tree(org_id)
    query = request.GET.copy()
    query["cycle"] = str(cycle.pk)
    choices = tree
    if len(tree) > TEAM_CHOICES_LIMIT:
        # As on the board: the top of a large tree and the team chosen; each team's heading
        # below leads further down.
        chosen = query.get("team", "")
        choices = [n for n in tree if n.depth <= TEAM_CHOICES_DEPTH or str(n.team.pk) == chosen]
    form = AtRiskFilterForm(query, cycles=list(selectors.cycles(org_id)), teams=choices)
    team_id = form.cleaned_data["team"] if form.is_valid() else None
    data = reads.at_risk_page(
        org_id, cycle, timezone.now(), team_id=team_id, tree=tree, page=request.GET.get("page")
    )
    filters = query.copy()
    filters.pop("page", None)
    return render(
        request,
        "okrs/at_risk.html",
        {"cycle": cycle, "form": form, "data": data, "filters": filters.urlencode()},
    )


@member_view
def my_reminders(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    organization = membership.organization
    status = 200
    if request.method == "POST":
        form = ReminderPreferencesForm(request.POST, organization=organization)
        if form.is_valid():
            try:
                rhythm_services.set_reminder_preferences(actor=membership, **form.service_data())
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Notification settings saved.")
                return redirect("okrs:my-reminders")
        status = UNPROCESSABLE
    else:
        form = ReminderPreferencesForm(
            initial=ReminderPreferencesForm.initial_for(membership), organization=organization
        )
    return render(
        request,
        "okrs/my_reminders.html",
        {"form": form, "weekday": WEEKDAYS[digest_weekday(membership)], "person": membership},
        status=status,
    )


@member_view
def settings(request: HttpRequest) -> HttpResponse:
    membership = acting(request)
    if not permissions.can_administer(membership):
        raise PermissionDenied("only an admin may change the organization's settings")
    status = 200
    if request.method == "POST":
        form = RhythmSettingsForm(request.POST)
        if form.is_valid():
            try:
                rhythm_services.set_rhythm_settings(actor=membership, **form.cleaned_data)
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Pace and reminder settings saved.")
                return redirect("okrs:rhythm-settings")
        status = UNPROCESSABLE
    else:
        form = RhythmSettingsForm(initial=RhythmSettingsForm.initial_for(membership.organization))
    return render(request, "okrs/rhythm_settings.html", {"form": form}, status=status)
