"""The coach report of a cycle: what it counts, and the count kept for a large cycle.

A small cycle is linted on every view. Past the report's size limit that would mean linting every
active objective (6,000 at 20,000 people, most of a second) each time someone opens the page, so
the page shows the last count (a ``CoachTally``) with its time: counted on the first view, again
in the background once it is older than ``TALLY_MAX_AGE``, or at once on request. Each section
opened is still linted live, so a team's notes are always today's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from headway.okrs import selectors
from headway.okrs.coach import CoachFindings, coach_cycle_rows, in_board_order, row_owner
from headway.okrs.models import CoachTally, Cycle
from headway.orgs.models import Membership, Organization, User

# A count this old is still shown, and a recount is queued.
TALLY_MAX_AGE = dt.timedelta(minutes=5)


@dataclass
class OwnerGroup:
    """One owner's objectives of the cycle: a team's, or one person's personal ones."""

    name: str
    path: list[str]
    query: str  # what opens its section in the report: "team=<id>" or "person=<membership id>"
    owner: str  # as the coach names owners (``row_owner``)
    objectives: list[Mapping[str, Any]]  # ``selectors.coach_rows`` rows

    def count(self, found: CoachFindings) -> int:
        by_objective = found.by_objective
        return len(found.by_owner.get(self.owner, ())) + sum(
            len(by_objective[row["id"]]) for row in self.objectives
        )


def owner_groups(
    tree: list[selectors.TeamNode], rows: Sequence[Mapping[str, Any]]
) -> list[OwnerGroup]:
    """Every owner of ``rows`` in board order: teams in tree order, then people."""
    by_owner: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_owner.setdefault(row_owner(row), []).append(row)
    groups = []
    for node in tree:
        owner = f"team:{node.team.slug}"
        if objectives := by_owner.get(owner):
            groups.append(
                OwnerGroup(
                    node.team.name, list(node.path[:-1]), f"team={node.team.pk}", owner, objectives
                )
            )
    for owner, objectives in by_owner.items():
        first = objectives[0]
        if first["owner_team_id"] is None:
            name = User.name_shown(
                first["owner_person__user__full_name"],
                first["owner_person__user__first_name"],
                first["owner_person__user__last_name"],
                first["owner_person__user__username"],
            )
            query = f"person={first['owner_person_id']}"
            groups.append(OwnerGroup(f"{name} (personal)", [], query, owner, objectives))
    return groups


@dataclass
class CycleCount:
    """The whole cycle linted: its owners (noted or not), findings and counts."""

    groups: list[OwnerGroup]
    found: CoachFindings
    checked: int

    @property
    def per_rule(self) -> Counter[str]:
        per_rule = Counter(f.rule for fs in self.found.by_objective.values() for f in fs)
        per_rule.update(f.rule for fs in self.found.by_owner.values() for f in fs)
        return per_rule

    @property
    def flagged(self) -> int:
        return sum(1 for fs in self.found.by_objective.values() if fs)


def count_cycle(
    organization: Organization, cycle: Cycle, tree: list[selectors.TeamNode]
) -> CycleCount:
    """Lint every active objective of ``cycle`` as the board orders them (five queries)."""
    rows = selectors.coach_rows(organization.pk, cycle.pk)
    ordered = in_board_order(rows.objectives, [n.team.pk for n in tree])
    found = coach_cycle_rows(
        organization,
        ordered,
        rows.key_results,
        cycle=cycle,
        today=timezone.localdate(),
        history=selectors.owner_history(organization.pk, cycle),
    )
    return CycleCount(owner_groups(tree, ordered), found, len(ordered))


def recount(organization: Organization, cycle: Cycle) -> CoachTally:
    """Count ``cycle`` now and keep the count (replacing the one kept)."""
    counted = count_cycle(organization, cycle, selectors.team_tree(organization.pk))
    sections = [[g.query, n] for g in counted.groups if (n := g.count(counted.found))]
    tally, _ = CoachTally.objects.update_or_create(
        cycle=cycle,
        defaults={
            "organization": organization,
            "counted_at": timezone.now(),
            "requested_at": None,
            "disabled_rules": list(organization.coach_disabled_rules or ()),
            "checked": counted.checked,
            "flagged": counted.flagged,
            "per_rule": dict(counted.per_rule),
            "sections": sections,
        },
    )
    return tally


def current_tally(organization: Organization, cycle: Cycle) -> CoachTally:
    """The count to show: the one kept, or a new one if there is none or it was made under
    other switched-off rules; one kept longer than ``TALLY_MAX_AGE`` queues a recount."""
    tally = CoachTally.objects.filter(cycle=cycle).first()
    if tally is None or tally.disabled_rules != list(organization.coach_disabled_rules or ()):
        return recount(organization, cycle)
    now = timezone.now()
    stale = now - TALLY_MAX_AGE
    if tally.counted_at < stale:
        # One viewer in each stale period queues the recount: the others see it already asked.
        asked = (
            CoachTally.objects.filter(pk=tally.pk)
            .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=stale))
            .update(requested_at=now)
        )
        if asked:
            org_id, cycle_id = organization.pk, cycle.pk
            transaction.on_commit(lambda: recount_in_background(org_id, cycle_id))
    return tally


@db_task()  # type: ignore[untyped-decorator]
def recount_in_background(organization_id: int, cycle_id: int) -> None:
    """The worker's recount of a stale tally (the cycle or organization may be gone since)."""
    cycle = Cycle.objects.filter(pk=cycle_id, organization_id=organization_id).first()
    if cycle is not None:
        recount(Organization.objects.get(pk=organization_id), cycle)


@dataclass
class TallyRow:
    """A section of the report at size as counted: opening it loads its notes."""

    name: str
    path: list[str]
    query: str
    count: int


def tally_rows(
    organization: Organization, tree: list[selectors.TeamNode], sections: Sequence[Sequence[Any]]
) -> list[TallyRow]:
    """Named rows for ``sections`` (a page of a tally's): teams from the tree, people in one
    query. A team or person gone since the count is left out."""
    nodes = {str(n.team.pk): n for n in tree}
    person_ids = [int(q.split("=", 1)[1]) for q, _ in sections if q.startswith("person=")]
    people = {
        str(m.pk): m
        for m in Membership.objects.filter(
            organization_id=organization.pk, pk__in=person_ids
        ).select_related("user")
    }
    rows = []
    for query, count in sections:
        kind, ident = query.split("=", 1)
        if kind == "team" and (node := nodes.get(ident)) is not None:
            rows.append(TallyRow(node.team.name, list(node.path[:-1]), query, count))
        elif kind == "person" and (person := people.get(ident)) is not None:
            rows.append(TallyRow(f"{person.display_name} (personal)", [], query, count))
    return rows
