"""API routes of the quarterly rhythm (rhythm): what is at risk, overdue check-ins, the weekly
digest settings and the organization's pace cut-offs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, next_link
from headway.errors import NotFound
from headway.okrs import at_risk as reads
from headway.okrs import rhythm_services, selectors
from headway.okrs.models import Cycle
from headway.okrs.reminders import digest_weekday
from headway.orgs.accessors import get_ref
from headway.orgs.models import Membership, Organization, Team

router = Router(tags=["rhythm"])


class AtRiskFilters(Schema):
    cycle: Id | None = None
    team: Id | None = None
    limit: int = Field(100, ge=1, le=1000, description="Objectives listed, at most.")
    offset: int = Field(0, ge=0, le=2**31, description="Objectives skipped, in the list's order.")


class KeyResultBehindOut(Schema):
    id: int
    title: str
    owner_id: int | None
    pace: str
    progress: float
    expected: float
    forecast_progress: float | None
    forecast_value: float | None
    confidence: int | None


class ObjectiveBehindOut(Schema):
    id: int
    title: str
    pace: str
    progress: float
    expected: float
    forecast_progress: float | None
    confidence: int | None
    behind: bool
    key_results: list[KeyResultBehindOut]


class GroupOut(Schema):
    team_id: int | None
    person_id: int | None
    name: str
    objectives: list[ObjectiveBehindOut]


class AtRiskOut(Schema):
    cycle_id: int
    expected: float
    on_track_margin: float
    at_risk_margin: float
    groups: list[GroupOut] = Field(
        ...,
        description="The objectives from `offset` to `offset + limit` in the list's order, by"
        " owner (an owner whose objectives span two pages heads a group on each).",
    )
    count: int = Field(..., description="The objectives listed over all pages.")
    key_result_count: int = Field(..., description="Their key results behind, over all pages.")
    next: str | None = Field(..., description="The link to the next page; null on the last.")


def _at_risk_out(
    data: reads.AtRisk | reads.AtRiskPage, organization: Organization
) -> dict[str, Any]:
    def kr_out(entry: reads.KeyResultEntry) -> dict[str, Any]:
        return {
            "id": entry.kr.pk,
            "title": entry.kr.title,
            "owner_id": entry.kr.owner_id,
            "pace": entry.pace.value,
            "progress": entry.kr.progress,
            "expected": data.expected,
            "forecast_progress": entry.forecast.progress if entry.forecast else None,
            "forecast_value": entry.forecast.value if entry.forecast else None,
            "confidence": entry.confidence,
        }

    return {
        "cycle_id": data.cycle.pk,
        "expected": data.expected,
        "on_track_margin": organization.pace_on_track_margin,
        "at_risk_margin": organization.pace_at_risk_margin,
        "groups": [
            {
                **_owner(g),
                "objectives": [
                    {
                        "id": o.objective.pk,
                        "title": o.objective.title,
                        "pace": o.pace.value,
                        "progress": o.objective.progress,
                        "expected": data.expected,
                        "forecast_progress": o.forecast,
                        "confidence": o.confidence,
                        "behind": o.behind,
                        "key_results": [kr_out(k) for k in o.key_results],
                    }
                    for o in g.objectives
                ],
            }
            for g in data.groups
        ],
    }


def _owner(group: reads.Group | reads.PageGroup) -> dict[str, Any]:
    if isinstance(group, reads.PageGroup):
        return {"team_id": group.team_id, "person_id": group.person_id, "name": group.name}
    return {
        "team_id": group.team.pk if group.team else None,
        "person_id": group.person.pk if group.person else None,
        "name": group.name,
    }


@router.get("/at-risk", response=AtRiskOut)
def at_risk(request: HttpRequest, filters: Query[AtRiskFilters]) -> dict[str, Any]:
    """Active objectives and key results of a cycle (default: the current one) whose pace is at
    risk or off track, by team then personal objectives by person; ``team`` keeps that team,
    the teams below it and their people. The objectives are paged (``limit``, default 100,
    and ``offset``; ``count`` and ``next``), counted by the database and built for the page
    only, as the at-risk page does."""
    membership = actor(request)
    org_id = membership.organization_id
    # A cycle or team named in the query that is not the organization's is refused by field,
    # as the report and calibration endpoints do.
    named = get_ref(membership, Cycle, filters.cycle, "cycle")
    if named is not None:
        cycle = named
    else:
        found = selectors.current_cycle(org_id, timezone.localdate())
        if found is None:
            raise NotFound("cycle", "current")
        cycle = found
    get_ref(membership, Team, filters.team, "team")
    # The person's organization is loaded already: it holds the pace cut-offs.
    cycle.organization = membership.organization
    data = reads.at_risk_page(
        org_id,
        cycle,
        timezone.now(),
        tree=selectors.team_tree(org_id),
        team_id=filters.team,
        per_page=filters.limit,
        offset=filters.offset,
    )
    more = filters.offset + filters.limit < data.objective_count
    return _at_risk_out(data, membership.organization) | {
        "count": data.objective_count,
        "key_result_count": data.key_result_count,
        "next": next_link(request, offset=filters.offset + filters.limit) if more else None,
    }


class OverdueOut(Schema):
    id: int
    title: str
    objective_id: int
    objective_title: str
    cycle_id: int
    last_checkin_at: dt.datetime | None
    confidence: int | None


@router.get("/me/overdue", response=list[OverdueOut])
def my_overdue(request: HttpRequest) -> list[dict[str, Any]]:
    """The acting person's key results without a check-in for 7 days, in active cycles (those
    following a KPI are never overdue)."""
    membership = actor(request)
    rows = reads.overdue_key_results(
        membership.organization_id, timezone.now(), owner_id=membership.pk
    )
    return [
        {
            "id": kr.pk,
            "title": kr.title,
            "objective_id": kr.objective_id,
            "objective_title": kr.objective.title,
            "cycle_id": kr.objective.cycle_id,
            "last_checkin_at": kr.last_checkin_at,
            "confidence": kr.confidence,
        }
        for kr in rows
    ]


class RemindersOut(Schema):
    checkin_reminders: bool
    reminder_weekday: int | None
    organization_weekday: int
    weekday: int


class RemindersPatch(ObjectIn):
    checkin_reminders: bool | None = None
    reminder_weekday: int | None = None


def _reminders_out(person: Membership) -> dict[str, Any]:
    return {
        "checkin_reminders": person.checkin_reminders,
        "reminder_weekday": person.reminder_weekday,
        "organization_weekday": person.organization.reminder_weekday,
        "weekday": digest_weekday(person),
    }


@router.get("/me/reminders", response=RemindersOut)
def my_reminders(request: HttpRequest) -> dict[str, Any]:
    """The weekly check-in digest of the acting person: whether it is on, and the weekday
    (0 Monday .. 6 Sunday; ``reminder_weekday`` null: the organization's day)."""
    return _reminders_out(actor(request))


@router.patch("/me/reminders", response=RemindersOut)
def update_my_reminders(request: HttpRequest, payload: RemindersPatch) -> dict[str, Any]:
    """Turn the digest on or off, or choose its day; a null ``reminder_weekday`` goes back to
    the organization's day. Fields left out keep their value."""
    membership = writer(request)
    sent = payload.model_dump(exclude_unset=True)
    rhythm_services.set_reminder_preferences(
        actor=membership,
        checkin_reminders=sent.get("checkin_reminders"),
        reminder_weekday=sent.get("reminder_weekday", ...),
    )
    return _reminders_out(membership)


class RhythmSettingsOut(Schema):
    pace_on_track_margin: float
    pace_at_risk_margin: float
    reminder_weekday: int


class RhythmSettingsPatch(ObjectIn):
    pace_on_track_margin: float | None = None
    pace_at_risk_margin: float | None = None
    reminder_weekday: int | None = None


def _settings_out(org: Organization) -> dict[str, Any]:
    return {
        "pace_on_track_margin": org.pace_on_track_margin,
        "pace_at_risk_margin": org.pace_at_risk_margin,
        "reminder_weekday": org.reminder_weekday,
    }


@router.get("/organization/rhythm", response=RhythmSettingsOut)
def rhythm_settings(request: HttpRequest) -> dict[str, Any]:
    """The organization's pace cut-offs and default digest weekday."""
    return _settings_out(actor(request).organization)


@router.patch("/organization/rhythm", response=RhythmSettingsOut)
def update_rhythm_settings(request: HttpRequest, payload: RhythmSettingsPatch) -> dict[str, Any]:
    """Admins: 0 <= pace_on_track_margin <= pace_at_risk_margin <= 1, and the default weekday."""
    org = rhythm_services.set_rhythm_settings(actor=writer(request), **payload.model_dump())
    return _settings_out(org)
