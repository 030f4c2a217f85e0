"""One organization as plain JSON data: no database ids, a stable order, exact values."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from headway.audit.models import AuditEvent
from headway.exchange._common import (
    FORMAT,
    REF_TYPES,
    VERSION,
    WEIGHT_PLACES,
    date_out,
    dec_out,
    dt_out,
    label,
)
from headway.exchange._export_strategy import export_canvases, export_xmatrices
from headway.exchange._kpi_engine import Exported
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.okrs.models import (
    Alignment,
    CheckIn,
    CheckinReminder,
    Cycle,
    KeyResult,
    Objective,
    Rollup,
)
from headway.orgs.models import ApiToken, Membership, Organization, Team, TeamMember, User


def export_organization(org: Organization) -> dict[str, Any]:
    """Everything of ``org`` as JSON-serializable data (the layout: see the package)."""
    oid = org.pk
    refs: dict[str, dict[int, str]] = defaultdict(dict)  # object type -> database id -> reference
    refs[label(Organization)][oid] = org.slug

    # People. Users are those of the members plus anyone named as an audit actor.
    memberships = list(Membership.objects.filter(organization_id=oid).select_related("user"))
    member = {m.pk: m.user.username for m in memberships}
    refs[label(Membership)] = member
    events: list[Any] = list(
        AuditEvent.objects.filter(organization_id=oid)
        .order_by("created_at", "id")
        .values("actor_id", "action", "object_type", "object_id", "before", "after", "created_at")
    )
    users: dict[int, User] = {m.user_id: m.user for m in memberships}
    member_user_ids = set(users)
    actor_ids = {e["actor_id"] for e in events if e["actor_id"] is not None}
    users.update((u.pk, u) for u in User.objects.filter(pk__in=actor_ids - member_user_ids))
    username = {pk: u.username for pk, u in users.items()}
    refs[label(User)] = username

    # Teams, parents before children (depth first, siblings by slug).
    teams = {t.pk: t for t in Team.objects.filter(organization_id=oid)}
    team_slug = {pk: t.slug for pk, t in teams.items()}
    refs[label(Team)] = team_slug
    children: dict[int | None, list[Team]] = defaultdict(list)
    for t in teams.values():
        children[t.parent_id if t.parent_id in teams else None].append(t)
    team_order: list[Team] = []
    stack = sorted(children[None], key=lambda t: t.slug, reverse=True)
    while stack:
        team = stack.pop()
        team_order.append(team)
        stack.extend(sorted(children[team.pk], key=lambda t: t.slug, reverse=True))
    team_members: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for team_id, membership_id, is_lead in TeamMember.objects.filter(
        team__organization_id=oid
    ).values_list("team_id", "membership_id", "is_lead"):
        if membership_id in member:
            team_members[team_id].append({"user": member[membership_id], "is_lead": is_lead})

    cycles = sorted(Cycle.objects.filter(organization_id=oid), key=lambda c: (c.start, c.name))
    cycle_name = {c.pk: c.name for c in cycles}
    cycle_rank = {c.pk: i for i, c in enumerate(cycles)}
    refs[label(Cycle)] = cycle_name

    engine = Exported(oid, member, refs)
    kpi_out, kpi_key = _kpis(oid, member, team_slug, refs, engine)

    # Objectives: by cycle, then owner (teams before people), then position.
    def objective_order(o: Objective) -> tuple[Any, ...]:
        owner = (
            (0, team_slug.get(o.owner_team_id, ""))
            if o.owner_team_id
            else (1, member.get(o.owner_person_id or 0, ""))
        )
        return (cycle_rank.get(o.cycle_id, -1), owner, o.position, o.pk)

    objectives = sorted(Objective.objects.filter(organization_id=oid), key=objective_order)
    objective_ref = {o.pk: f"o{i}" for i, o in enumerate(objectives, 1)}
    refs[label(Objective)] = objective_ref
    parents: dict[int, list[int]] = defaultdict(list)
    for child_id, parent_id in Alignment.objects.filter(child__organization_id=oid).values_list(
        "child_id", "parent_id"
    ):
        if parent_id in objective_ref:
            parents[child_id].append(parent_id)
    rank = {o.pk: i for i, o in enumerate(objectives)}

    key_results: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in KeyResult.objects.filter(objective__organization_id=oid).order_by("position", "id"):
        key_results[kr.objective_id].append(kr)
    checkins: dict[int, list[Any]] = defaultdict(list)
    for row in (
        CheckIn.objects.filter(key_result__objective__organization_id=oid)
        .order_by("created_at", "id")
        .values(
            "id",
            "key_result_id",
            "value",
            "confidence",
            "note",
            "author_id",
            "kpi_period",
            "created_at",
        )
    ):
        checkins[row["key_result_id"]].append(row)

    objectives_out: list[dict[str, Any]] = []
    kr_count = checkin_count = 0
    for o in objectives:
        krs_out = []
        for kr in key_results[o.pk]:
            kr_count += 1
            refs[label(KeyResult)][kr.pk] = kr_ref = f"k{kr_count}"
            checkins_out = []
            for c in checkins[kr.pk]:
                checkin_count += 1
                refs[label(CheckIn)][c["id"]] = ref = f"c{checkin_count}"
                checkins_out.append(
                    {
                        "ref": ref,
                        "value": dec_out(c["value"]),
                        "confidence": c["confidence"],
                        "note": c["note"],
                        "author": member.get(c["author_id"]),
                        "kpi_period": date_out(c["kpi_period"]),
                        "created_at": dt_out(c["created_at"]),
                    }
                )
            krs_out.append(
                {
                    "ref": kr_ref,
                    "key": kr.key,
                    "title": kr.title,
                    "kind": kr.kind,
                    "unit": kr.unit,
                    "start": dec_out(kr.start),
                    "target": dec_out(kr.target),
                    "current": dec_out(kr.current),
                    "direction": kr.direction,
                    "weight": dec_out(kr.weight, WEIGHT_PLACES),
                    "owner": member.get(kr.owner_id) if kr.owner_id else None,
                    "kpi": kpi_key.get(kr.kpi_id) if kr.kpi_id else None,
                    "follows_kpi": kr.follows_kpi,
                    "result_type": kr.result_type,
                    "progress": kr.progress,
                    "confidence": kr.confidence,
                    "last_checkin_at": dt_out(kr.last_checkin_at),
                    "score": kr.score,
                    "score_reason": kr.score_reason,
                    "graded_at": dt_out(kr.graded_at),
                    "graded_by": member.get(kr.graded_by_id) if kr.graded_by_id else None,
                    "position": kr.position,
                    "created_at": dt_out(kr.created_at),
                    "updated_at": dt_out(kr.updated_at),
                    "checkins": checkins_out,
                }
            )
        objectives_out.append(
            {
                "ref": objective_ref[o.pk],
                "cycle": cycle_name.get(o.cycle_id),
                "key": o.key,
                "title": o.title,
                "description": o.description,
                "owner_team": team_slug.get(o.owner_team_id) if o.owner_team_id else None,
                "owner_person": member.get(o.owner_person_id) if o.owner_person_id else None,
                "kind": o.kind,
                "status": o.status,
                "weight": dec_out(o.weight, WEIGHT_PLACES),
                "progress": o.progress,
                "score": o.score,
                "retro_worked": o.retro_worked,
                "retro_change": o.retro_change,
                # By reference, like parents: the origin may be in another cycle, later in the file.
                "origin": objective_ref.get(o.origin_id) if o.origin_id else None,
                "origin_kind": o.origin_kind,
                "position": o.position,
                "parents": [objective_ref[p] for p in sorted(parents[o.pk], key=rank.__getitem__)],
                "created_at": dt_out(o.created_at),
                "updated_at": dt_out(o.updated_at),
                "key_results": krs_out,
            }
        )

    rollups = sorted(
        Rollup.objects.filter(cycle__organization_id=oid),
        key=lambda r: (cycle_rank.get(r.cycle_id, -1), team_slug.get(r.team_id or 0, "")),
    )

    tokens = sorted(
        ApiToken.objects.filter(membership__organization_id=oid),
        key=lambda t: (member[t.membership_id], t.created_at, t.pk),
    )
    tokens_out = []
    for i, token in enumerate(tokens, 1):
        refs[label(ApiToken)][token.pk] = ref = f"t{i}"
        tokens_out.append(
            {
                "ref": ref,
                "user": member[token.membership_id],
                "name": token.name,
                "prefix": token.prefix,
                "digest": token.digest,
                "scope": token.scope,
                "created_at": dt_out(token.created_at),
                "last_used_at": dt_out(token.last_used_at),
                "revoked_at": dt_out(token.revoked_at),
            }
        )

    xmatrices_out = export_xmatrices(
        oid,
        member=member,
        team_slug=team_slug,
        kpi_key=kpi_key,
        objective_ref=objective_ref,
        refs=refs,
    )
    canvases_out = export_canvases(oid, objective_ref=objective_ref, refs=refs)

    return {
        "format": FORMAT,
        "version": VERSION,
        "organization": {
            "name": org.name,
            "slug": org.slug,
            "fiscal_year_start_month": org.fiscal_year_start_month,
            "pace_on_track_margin": org.pace_on_track_margin,
            "pace_at_risk_margin": org.pace_at_risk_margin,
            "reminder_weekday": org.reminder_weekday,
            "coach_disabled_rules": list(org.coach_disabled_rules),
            "created_at": dt_out(org.created_at),
        },
        "users": [
            {
                "username": u.username,
                "email": u.email,
                "full_name": u.full_name,
                "first_name": u.first_name,
                "last_name": u.last_name,
                "is_active": u.is_active,
                # Only members can sign in to the organization; other users (audit actors who
                # have left) come without a password and get an unusable one on import.
                "password": u.password if u.pk in member_user_ids else None,
                "date_joined": dt_out(u.date_joined),
                "last_login": dt_out(u.last_login),
            }
            for u in sorted(users.values(), key=lambda u: u.username)
        ],
        "memberships": [
            {
                "user": m.user.username,
                "role": m.role,
                "title": m.title,
                "checkin_reminders": m.checkin_reminders,
                "reminder_weekday": m.reminder_weekday,
                "created_at": dt_out(m.created_at),
            }
            for m in sorted(memberships, key=lambda m: m.user.username)
        ],
        "teams": [
            {
                "slug": t.slug,
                "name": t.name,
                "parent": team_slug.get(t.parent_id) if t.parent_id else None,
                "description": t.description,
                "okrs_enabled": t.okrs_enabled,
                "created_at": dt_out(t.created_at),
                "members": sorted(team_members[t.pk], key=lambda m: m["user"]),
            }
            for t in team_order
        ],
        "cycles": [
            {
                "name": c.name,
                "kind": c.kind,
                "start": date_out(c.start),
                "end": date_out(c.end),
                "state": c.state,
            }
            for c in cycles
        ],
        "kpis": kpi_out,
        "alert_channels": engine.channels_out(kpi_key),
        "objectives": objectives_out,
        "rollups": [
            {
                "cycle": cycle_name.get(r.cycle_id),
                "team": team_slug.get(r.team_id) if r.team_id else None,
                "progress": r.progress,
                "score": r.score,
                "updated_at": dt_out(r.updated_at),
            }
            for r in rollups
        ],
        "xmatrices": xmatrices_out,
        "canvases": canvases_out,
        "api_tokens": tokens_out,
        "checkin_reminders": [
            {
                "user": member[c.membership_id],
                "week": date_out(c.week),
                "sent_at": dt_out(c.sent_at),
                "key_results": c.key_results,
            }
            for c in sorted(
                CheckinReminder.objects.filter(membership__organization_id=oid),
                key=lambda c: (member[c.membership_id], c.week),
            )
        ],
        "audit_events": [_event(e, username, refs) for e in events],
    }


def _kpis(
    oid: int,
    member: dict[int, str],
    team_slug: dict[int, str],
    refs: dict[str, dict[int, str]],
    engine: Exported,
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    kpis = sorted(Kpi.objects.filter(organization_id=oid), key=lambda k: k.key)
    kpi_key = {k.pk: k.key for k in kpis}
    refs[label(Kpi)] = kpi_key
    measurements: dict[int, list[Any]] = defaultdict(list)
    for row in (
        Measurement.objects.filter(kpi__organization_id=oid)
        .order_by("period", "id")
        .values(
            "id", "kpi_id", "period", "value", "source", "note", "recorded_by_id", "recorded_at"
        )
    ):
        measurements[row["kpi_id"]].append(row)
    benchmarks: dict[int, list[Benchmark]] = defaultdict(list)
    for b in Benchmark.objects.filter(kpi__organization_id=oid).order_by("name", "id"):
        benchmarks[b.kpi_id].append(b)

    out: list[dict[str, Any]] = []
    m_count = b_count = 0
    for k in kpis:
        measurements_out = []
        for m in measurements[k.pk]:
            m_count += 1
            refs[label(Measurement)][m["id"]] = ref = f"m{m_count}"
            measurements_out.append(
                {
                    "ref": ref,
                    "period": date_out(m["period"]),
                    "value": dec_out(m["value"]),
                    "source": m["source"],
                    "note": m["note"],
                    "recorded_by": member.get(m["recorded_by_id"]),
                    "recorded_at": dt_out(m["recorded_at"]),
                }
            )
        benchmarks_out = []
        for b in benchmarks[k.pk]:
            b_count += 1
            refs[label(Benchmark)][b.pk] = ref = f"b{b_count}"
            benchmarks_out.append(
                {
                    "ref": ref,
                    "name": b.name,
                    "value": dec_out(b.value),
                    "source": b.source,
                    "observed_on": date_out(b.observed_on),
                }
            )
        item: dict[str, Any] = {
            "key": k.key,
            "name": k.name,
            "description": k.description,
            "unit": k.unit,
            "direction": k.direction,
            "cadence": k.cadence,
            "aggregation": k.aggregation,
            "owner_team": team_slug.get(k.owner_team_id) if k.owner_team_id else None,
            "owner": member.get(k.owner_id) if k.owner_id else None,
        }
        item.update((field, dec_out(getattr(k, field))) for field in Kpi.VALUE_FIELDS)
        item.update(engine.kpi_fields(k))
        item.update(
            {
                "created_at": dt_out(k.created_at),
                "updated_at": dt_out(k.updated_at),
                "measurements": measurements_out,
                "benchmarks": benchmarks_out,
            }
        )
        out.append(item)
    return out, kpi_key


def _event(e: dict[str, Any], username: dict[int, str], refs: dict[str, dict[int, str]]) -> Any:
    item: dict[str, Any] = {
        "action": e["action"],
        "actor": username.get(e["actor_id"]) if e["actor_id"] is not None else None,
        "object_type": e["object_type"],
    }
    object_type, object_id = e["object_type"], e["object_id"]
    ref = refs.get(object_type, {}).get(object_id) if object_type in REF_TYPES else None
    if ref is not None:
        item["object"] = ref
    else:
        # An object that is gone (or was never part of the file). Import stores the id of a known
        # type negated, so it can never be mistaken for a new object that happens to get that id;
        # the absolute value makes the round trip exact.
        item["object_id"] = abs(object_id) if object_type in REF_TYPES else object_id
    item.update({"before": e["before"], "after": e["after"], "created_at": dt_out(e["created_at"])})
    return item
