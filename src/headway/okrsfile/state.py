"""An organization's plan as stored, in file terms: what export writes and what apply compares.

Everything is read in a fixed number of queries (one per table), whatever the size of the
organization, and turned into :class:`Row` values with the same field names and value types as
the file's entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from headway.kpis.models import Kpi
from headway.okrs.keys import unique_key
from headway.okrs.models import Alignment, Cycle, KeyResult, Objective
from headway.okrsfile import strategy as strategy_layer
from headway.okrsfile.model import owner_ref, sorted_supports
from headway.orgs.models import Membership, Organization, Team
from headway.orgs.selectors import tree_order


@dataclass
class Row:
    kind: str
    key: str
    values: dict[str, Any]
    obj: Any  # the model instance
    children: list[Row] = field(default_factory=list)


@dataclass
class OrgState:
    organization: Organization
    teams: dict[str, Row]  # by slug, in tree order
    people: dict[str, Membership]  # by username
    kpis: dict[str, Row]  # by key, sorted
    cycles: dict[str, Row]  # by name, oldest first; children are the objectives
    # (cycle name, key) -> row; children are the key results
    objectives: dict[tuple[str, str], Row]
    # X-Matrices and canvases; children are their rows
    strategy: strategy_layer.StrategyState = field(default_factory=strategy_layer.StrategyState)


def _cycle_order(cycle: Cycle) -> tuple[dt.date, int, str]:
    # Oldest first; of two starting the same day, the longer (the year before its quarters).
    return (cycle.start, -cycle.end.toordinal(), cycle.name)


def effective_keys(rows: list[Any]) -> list[str]:
    """Each row's key; a row stored without one (written outside the services) gets the one
    its title would get, the same way every time."""
    taken = {r.key for r in rows if r.key}
    keys = []
    for row in rows:
        key = row.key or unique_key(row.title, taken)
        taken.add(key)
        keys.append(key)
    return keys


def load_state(organization: Organization) -> OrgState:
    oid = organization.pk
    teams = list(Team.objects.filter(organization_id=oid).order_by("slug", "id"))
    slug_of = {t.pk: t.slug for t in teams}
    people = list(Membership.objects.filter(organization_id=oid).select_related("user"))
    username_of = {m.pk: m.user.username for m in people}

    team_rows: dict[str, Row] = {}
    for team, _depth in tree_order(teams):
        team_rows[team.slug] = Row(
            "team",
            team.slug,
            {
                "name": team.name,
                "parent": slug_of.get(team.parent_id) if team.parent_id else None,
                "description": team.description,
                "okrs_enabled": team.okrs_enabled,
            },
            team,
        )

    kpis = list(Kpi.objects.filter(organization_id=oid).order_by("key"))
    kpi_key = {k.pk: k.key for k in kpis}
    kpi_rows = {
        k.key: Row(
            "kpi",
            k.key,
            {
                "name": k.name,
                "description": k.description,
                "unit": k.unit,
                "direction": k.direction,
                "cadence": k.cadence,
                "aggregation": k.aggregation,
                "owner_team": slug_of.get(k.owner_team_id) if k.owner_team_id else None,
                "owner": username_of.get(k.owner_id) if k.owner_id else None,
                "target": k.target,
                "warning": k.warning_threshold,
                "critical": k.critical_threshold,
                "warning_recovery": k.warning_recovery,
                "critical_recovery": k.critical_recovery,
                "range_low": k.range_low,
                "range_high": k.range_high,
            },
            k,
        )
        for k in kpis
    }

    cycles = sorted(Cycle.objects.filter(organization_id=oid), key=_cycle_order)
    cycle_rows = {
        c.name: Row(
            "cycle",
            c.name,
            {"kind": c.kind, "start": c.start, "end": c.end, "state": c.state},
            c,
        )
        for c in cycles
    }
    cycle_name = {c.pk: c.name for c in cycles}

    objectives = list(Objective.objects.filter(organization_id=oid).order_by("position", "id"))
    by_cycle: dict[int, list[Objective]] = {}
    for objective in objectives:
        by_cycle.setdefault(objective.cycle_id, []).append(objective)
    ref_of: dict[int, tuple[str, str]] = {}
    for cycle_id, members in by_cycle.items():
        for objective, key in zip(members, effective_keys(members), strict=True):
            ref_of[objective.pk] = (cycle_name[cycle_id], key)
    parents: dict[int, list[tuple[str, str]]] = {}
    for child_id, parent_id in Alignment.objects.filter(organization_id=oid).values_list(
        "child_id", "parent_id"
    ):
        if parent_id in ref_of:
            parents.setdefault(child_id, []).append(ref_of[parent_id])

    krs = list(KeyResult.objects.filter(organization_id=oid).order_by("position", "id"))
    krs_of: dict[int, list[KeyResult]] = {}
    for kr in krs:
        krs_of.setdefault(kr.objective_id, []).append(kr)

    team_rank = {slug: i for i, slug in enumerate(team_rows)}
    objective_rows: dict[tuple[str, str], Row] = {}
    for objective in objectives:
        name, key = ref_of[objective.pk]
        if objective.owner_team_id:
            owner = owner_ref("team", slug_of[objective.owner_team_id])
        else:
            owner = owner_ref("person", username_of[objective.owner_person_id or 0])
        row = Row(
            "objective",
            key,
            {
                "title": objective.title,
                "description": objective.description,
                "owner": owner,
                "kind": objective.kind,
                "status": objective.status,
                "weight": objective.weight,
                "supports": sorted_supports(parents.get(objective.pk, ()), name),
            },
            objective,
        )
        own_krs = krs_of.get(objective.pk, [])
        for kr, kr_key in zip(own_krs, effective_keys(own_krs), strict=True):
            row.children.append(_kr_row(kr, kr_key, username_of, kpi_key))
        objective_rows[(name, key)] = row

    def objective_order(row: Row) -> tuple[int, int, str, str]:
        kind, _, owner = row.values["owner"].partition(":")
        if kind == "team":
            return (0, team_rank.get(owner, 0), "", row.key)
        return (1, 0, owner, row.key)

    for (name, _key), row in objective_rows.items():
        cycle_rows[name].children.append(row)
    for cycle_row in cycle_rows.values():
        cycle_row.children.sort(key=objective_order)

    return OrgState(
        organization=organization,
        teams=team_rows,
        people={m.user.username: m for m in people},
        kpis=kpi_rows,
        cycles=cycle_rows,
        objectives=objective_rows,
        strategy=strategy_layer.load(
            oid,
            slug_of=slug_of,
            username_of=username_of,
            kpi_key=kpi_key,
            objective_ref=ref_of,
        ),
    )


def _kr_row(kr: KeyResult, key: str, username_of: dict[int, str], kpi_key: dict[int, str]) -> Row:
    return Row(
        "key_result",
        key,
        {
            "title": kr.title,
            "kind": kr.kind,
            "from": kr.start,
            "to": kr.target,
            "unit": kr.unit,
            "direction": kr.direction,
            "weight": kr.weight,
            "owner": username_of.get(kr.owner_id) if kr.owner_id else None,
            "kpi": kpi_key.get(kr.kpi_id) if kr.kpi_id else None,
            "follows_kpi": kr.follows_kpi,
            "type": kr.result_type,
        },
        kr,
    )
