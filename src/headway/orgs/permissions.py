"""Who may see and change what. Every check scopes by organization first.

Everyone in an organization reads all of its OKRs and KPIs (transparency). Writing: an admin
changes everything; a lead what belongs to the teams they lead (and those teams' people); a
member what they own; a viewer nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, TeamMember

if TYPE_CHECKING:
    from headway.kpis.models import Kpi
    from headway.okrs.models import KeyResult, Objective


def led_team_ids(membership: Membership) -> frozenset[int]:
    cached: frozenset[int] | None = getattr(membership, "_led_team_ids", None)
    if cached is None:
        cached = frozenset(
            TeamMember.objects.filter(membership=membership, is_lead=True).values_list(
                "team_id", flat=True
            )
        )
        membership._led_team_ids = cached  # type: ignore[attr-defined]
    return cached


def _leads_person(membership: Membership, person_id: int | None) -> bool:
    if person_id is None:
        return False
    teams = led_team_ids(membership)
    return (
        bool(teams)
        and TeamMember.objects.filter(team_id__in=teams, membership_id=person_id).exists()
    )


def can_write(membership: Membership) -> bool:
    return membership.has_role(Role.MEMBER)


def can_edit_objective(membership: Membership, objective: Objective) -> bool:
    if objective.organization_id != membership.organization_id or not can_write(membership):
        return False
    if membership.has_role(Role.ADMIN):
        return True
    if objective.owner_person_id == membership.pk:
        return True
    if membership.has_role(Role.LEAD):
        if objective.owner_team_id is not None:
            return objective.owner_team_id in led_team_ids(membership)
        return _leads_person(membership, objective.owner_person_id)
    return False


def can_create_objective(
    membership: Membership, *, owner_team_id: int | None, owner_person_id: int | None
) -> bool:
    if not can_write(membership):
        return False
    if membership.has_role(Role.ADMIN) or owner_person_id == membership.pk:
        return True
    if membership.has_role(Role.LEAD):
        if owner_team_id is not None:
            return owner_team_id in led_team_ids(membership)
        return _leads_person(membership, owner_person_id)
    return False


def can_check_in(membership: Membership, key_result: KeyResult) -> bool:
    """The KR's owner, whoever may edit its objective, and admins."""
    if key_result.organization_id != membership.organization_id or not can_write(membership):
        return False
    if key_result.owner_id == membership.pk:
        return True
    return can_edit_objective(membership, key_result.objective)


def can_edit_kpi(membership: Membership, kpi: Kpi) -> bool:
    if kpi.organization_id != membership.organization_id or not can_write(membership):
        return False
    if membership.has_role(Role.ADMIN) or kpi.owner_id == membership.pk:
        return True
    if not membership.has_role(Role.LEAD):
        return False
    # As for objectives: the owner team decides; without one, the lead of the owner's team.
    if kpi.owner_team_id is not None:
        return kpi.owner_team_id in led_team_ids(membership)
    return _leads_person(membership, kpi.owner_id)


def can_administer(membership: Membership) -> bool:
    return membership.has_role(Role.ADMIN)


def can_revoke_token(membership: Membership, token: ApiToken) -> bool:
    """One's own tokens; an admin's, anyone's in the organization."""
    if token.organization_id != membership.organization_id:
        return False
    return token.membership_id == membership.pk or can_administer(membership)


def can_create_kpi(membership: Membership) -> bool:
    """Admins, and leads for the teams they lead (the service checks the KPI's owner)."""
    return membership.has_role(Role.LEAD)


def can_edit_strategy(membership: Membership) -> bool:
    """Admins and team leads shape the strategy (X-Matrix, Strategy Canvas); everyone reads it."""
    return membership.has_role(Role.LEAD)
