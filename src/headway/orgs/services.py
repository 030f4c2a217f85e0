"""Writes to organizations, people, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from headway.audit import services as audit
from headway.core.coach import RULES
from headway.core.tree import descendants
from headway.errors import NotFound, Problems, ValidationFailed, to_text
from headway.orgs import permissions
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, Organization, Team, TeamMember, User

TOKEN_PREFIX = "hw_"  # noqa: S105 - a public marker that makes leaked tokens greppable
TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length or 100


@transaction.atomic
def create_organization(*, name: str, slug: str = "", owner: User | None = None) -> Organization:
    name = (name or "").strip()
    slug = slugify(slug or name)[:60]
    if not name or not slug:
        raise ValidationFailed({"name": "is required"})
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationFailed({"slug": f"an organization {slug!r} already exists"})
    org = Organization.objects.create(name=name, slug=slug)
    if owner is not None:
        Membership.objects.create(organization=org, user=owner, role=Role.ADMIN)
    audit.record(
        organization_id=org.pk,
        actor_id=owner.pk if owner else None,
        action="organization.create",
        instance=org,
        after=audit.snapshot(org),
    )
    return org


@transaction.atomic
@transaction.atomic
def delete_organization(org: Organization) -> None:
    """Delete one organization and everything in it.

    Objectives protect their cycle and owners, and teams their parent, so that a stray delete
    cannot orphan OKRs; here the whole tenant goes, so those links are undone first.
    """
    from headway.okrs.models import Objective

    Objective.objects.filter(organization=org).delete()  # key results, check-ins, alignments too
    Team.objects.filter(organization=org).update(parent=None)
    org.delete()


@transaction.atomic
def add_member(
    *,
    organization: Organization,
    user: User,
    role: str = Role.MEMBER,
    title: str = "",
    actor: Membership | None = None,
) -> Membership:
    if actor is not None and not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may add people")
    if role not in Role.values:
        raise ValidationFailed({"role": f"must be one of {', '.join(Role.values)}"})
    membership, _ = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role, "title": title}
    )
    audit.record(
        organization_id=organization.pk,
        actor_id=actor.user_id if actor else None,
        action="membership.save",
        instance=membership,
        after=audit.snapshot(membership),
    )
    return membership


@transaction.atomic
def create_team(
    *,
    actor: Membership,
    name: str,
    parent: Team | None = None,
    slug: str = "",
    description: str = "",
    okrs_enabled: bool = True,
) -> Team:
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may create teams")
    problems = Problems()
    name = problems.check(to_text, name, "name", max_length=200) or ""
    slug = slugify(slug or name)[:60]
    if name and Team.objects.filter(organization_id=actor.organization_id, slug=slug).exists():
        problems.add("slug", f"a team {slug!r} already exists")
    if parent is not None and parent.organization_id != actor.organization_id:
        problems.add("parent_id", "no such team in this organization")
    problems.raise_any()
    team = Team.objects.create(
        organization_id=actor.organization_id,
        name=name,
        slug=slug,
        parent=parent,
        description=description,
        okrs_enabled=okrs_enabled,
    )
    audit.record(
        organization_id=team.organization_id,
        actor_id=actor.user_id,
        action="team.create",
        instance=team,
        after=audit.snapshot(team),
    )
    return team


@transaction.atomic
def update_team(*, actor: Membership, team: Team, **data: Any) -> Team:
    """Rename a team, move it in the tree, or switch OKRs on or off for it (admins only).

    ``data`` holds only the fields to change: name, parent (a Team or None), description,
    okrs_enabled.
    """
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may change teams")
    team = _locked_team(actor, team)
    before = audit.snapshot(team)
    problems = Problems()
    if "name" in data:
        team.name = problems.check(to_text, data["name"], "name", max_length=200) or ""
    if "description" in data:
        team.description = data["description"] or ""
    if "okrs_enabled" in data:
        team.okrs_enabled = bool(data["okrs_enabled"])
    if "parent" in data:
        parent: Team | None = data["parent"]
        if parent is not None and parent.organization_id != actor.organization_id:
            problems.add("parent_id", "no such team in this organization")
        elif parent is not None and parent.pk in {team.pk, *_subteam_ids(team)}:
            problems.add("parent_id", "a team cannot sit under itself or one of its sub-teams")
        team.parent = parent
    problems.raise_any()
    team.save()
    audit.record(
        organization_id=team.organization_id,
        actor_id=actor.user_id,
        action="team.update",
        instance=team,
        before=before,
        after=audit.snapshot(team),
    )
    return team


def _locked_team(actor: Membership, team: Team) -> Team:
    found = (
        Team.objects.select_for_update()
        .filter(pk=team.pk, organization_id=actor.organization_id)
        .first()
    )
    if found is None:
        raise NotFound("team", team.pk)
    return found


def _subteam_ids(team: Team) -> set[int]:
    edges = Team.objects.filter(organization_id=team.organization_id).values_list("parent_id", "id")
    return descendants(edges, [team.pk])


@transaction.atomic
def delete_team(*, actor: Membership, team: Team) -> None:
    """Delete a team with no sub-teams and no objectives (admins only).

    Its memberships and roll-ups go with it; its KPIs stay, without an owner team.
    """
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may delete teams")
    team = _locked_team(actor, team)
    if team.children.exists():
        raise ValidationFailed({"team": f"{team.slug!r} has sub-teams: move or delete them first"})
    if team.objectives.exists():
        raise ValidationFailed(
            {"team": f"{team.slug!r} owns objectives: give them another owner first"}
        )
    audit.record(
        organization_id=team.organization_id,
        actor_id=actor.user_id,
        action="team.delete",
        instance=team,
        before=audit.snapshot(team),
    )
    team.delete()


def add_to_team(*, team: Team, membership: Membership, is_lead: bool = False) -> TeamMember:
    link, _ = TeamMember.objects.update_or_create(
        team=team,
        membership=membership,
        defaults={"organization_id": team.organization_id, "is_lead": is_lead},
    )
    return link


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    *, membership: Membership, name: str, scope: str = ApiToken.Scope.WRITE
) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is returned once and never stored."""
    if scope not in ApiToken.Scope.values:
        raise ValidationFailed({"scope": "must be read or write"})
    if not (name or "").strip():
        raise ValidationFailed({"name": "is required"})
    if len(name.strip()) > TOKEN_NAME_LENGTH:
        raise ValidationFailed({"name": f"at most {TOKEN_NAME_LENGTH} characters"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        name=name.strip(),
        prefix=secret[:10],
        digest=_digest(secret),
        scope=scope,
    )
    audit.record(
        organization_id=membership.organization_id,
        actor_id=membership.user_id,
        action="token.create",
        instance=token,
        after=audit.snapshot(token, ["name", "prefix", "scope"]),
    )
    return token, secret


def authenticate_token(secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("membership__user", "membership__organization")
        .filter(digest=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.user.is_active:
        return None
    now = timezone.now()
    # Write at most once a minute: a busy integration must not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def revoke_token(*, actor: Membership, token: ApiToken) -> bool:
    """Revoke ``token``; False when it was revoked already (its first revocation stands)."""
    if not permissions.can_revoke_token(actor, token):
        raise PermissionDenied("you may not revoke this token")
    now = timezone.now()
    # Only a token still working is revoked: of two revocations at once, or one after another,
    # the first one's time and audit entry stand.
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
        token.refresh_from_db(fields=["revoked_at"])
        return False
    token.revoked_at = now
    audit.record(
        organization_id=token.organization_id,
        actor_id=actor.user_id,
        action="token.revoke",
        instance=token,
    )
    return True


@transaction.atomic
def set_coach_disabled_rules(actor: Membership, rule_ids: Iterable[str]) -> Organization:
    """Switch the named coach rules off for the actor's organization (and every other back on).

    The editor, the board, the objective pages, the report and the API then leave them out.
    """
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may switch coach rules off")
    wanted = set(rule_ids)
    unknown = sorted(wanted - RULES.keys())
    if unknown:
        raise ValidationFailed({"rule_ids": f"no such coach rule: {', '.join(unknown)}"})
    org = Organization.objects.select_for_update().get(pk=actor.organization_id)
    before = audit.snapshot(org, ["coach_disabled_rules"])
    # Stored in the coach's own order, so the same choice always saves the same list.
    org.coach_disabled_rules = [rule for rule in RULES if rule in wanted]
    org.save(update_fields=["coach_disabled_rules"])
    audit.record(
        organization_id=org.pk,
        actor_id=actor.user_id,
        action="organization.coach_rules",
        instance=org,
        before=before,
        after=audit.snapshot(org, ["coach_disabled_rules"]),
    )
    # The acting person's organization is the one just changed: what follows sees the new list.
    actor.organization.coach_disabled_rules = org.coach_disabled_rules
    return org
