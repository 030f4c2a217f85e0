"""Whole-organization export and import as one JSON document.

Layout (``format`` "headway-organization", ``version`` 1)::

    format, version
    organization   {name, slug, fiscal_year_start_month, pace_on_track_margin,
                    pace_at_risk_margin, reminder_weekday, coach_disabled_rules, created_at}
    users          [{username, email, full_name, first_name, last_name, is_active, password,
                     date_joined, last_login}]                       by username
    memberships    [{user, role, title, checkin_reminders, reminder_weekday, created_at}]
                                                                     by username
    teams          [{slug, name, parent, description, okrs_enabled, created_at,
                     members: [{user, is_lead}]}]                    parents first, by slug
    cycles         [{name, kind, start, end, state}]                 by start, name
    kpis           [{key, name, ..., measurements: [{ref, period, value, ...}],
                     benchmarks: [{ref, name, value, source, observed_on}]}]   by key
    objectives     [{ref, cycle, title, ..., owner_team | owner_person, parents: [ref],
                     score, retro_worked, retro_change, origin: ref, origin_kind,
                     key_results: [{ref, ..., kpi, score, score_reason, graded_at, graded_by,
                                    checkins: [{ref, value, ...}]}]}]
    rollups        [{cycle, team, progress, score, updated_at}]
    xmatrices      [{ref, year, title, created_at, updated_at,
                     items: [{ref, kind, title, description, position, objectives: [ref],
                              kpi, baseline, target, unit, owner}],
                     resources: [{ref, team | person | label, position}],
                     correlations: [{row, column, strength}],   row and column: item refs
                     assignments: [{priority, resource, responsibility}]}]        by year
    canvases       [{ref, title, tagline, description, created_at, updated_at,
                     factors: [{ref, name, position, errc, rationale, objective: ref}],
                     players: [{ref, name, kind, position}],
                     levels: [{factor, player, level}]}]             oldest first
    api_tokens     [{ref, user, name, prefix, digest, scope, created_at, last_used_at,
                     revoked_at}]
    checkin_reminders [{user, week, sent_at, key_results}]          by username, week
    audit_events   [{action, actor, object_type, object | object_id, before, after,
                     created_at}]                                    oldest first

No database ids: users and members are named by username, teams by slug, cycles by name, KPIs
by key, the organization by its slug, everything else by an export-local ``ref`` ("o1", "k1",
"c1", "m1", "b1", "t1"; for the strategy layer "x1", "i1", "r1", "s1", "f1", "p1"). An
X-Matrix item, resource, canvas factor or player is referred to only within its own matrix or
canvas; an item's ``objectives`` and a factor's ``objective`` are objective refs. An objective's
``parents`` and ``origin`` (what it was carried over or duplicated from) are such refs and may
point at any objective of the file, in any cycle, before or after it. Decimals are exact
strings, dates and times ISO 8601 in UTC. Passwords are Django password hashes.
``export_organization(import_organization(x))`` equals ``x`` for every ``x`` made by
``export_organization`` (when the users were new to the database).
"""

from __future__ import annotations

import json
from typing import Any

from headway.exchange._common import FORMAT, VERSION
from headway.exchange._export import export_organization
from headway.exchange._import import import_organization

__all__ = ["FORMAT", "VERSION", "dumps", "export_organization", "import_organization"]


def dumps(data: dict[str, Any]) -> str:
    """The exported data as stable, readable JSON text."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
