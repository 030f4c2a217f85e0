"""Organizations (tenants), their people and their team tree."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from headway.orgs.choices import Role


class User(AbstractUser):
    """A sign-in account. What someone may do lives on their Membership, per organization."""

    full_name = models.CharField(max_length=200, blank=True)

    @property
    def display_name(self) -> str:
        return self.name_shown(self.full_name, self.first_name, self.last_name, self.username)

    @staticmethod
    def name_shown(full_name: str, first_name: str, last_name: str, username: str) -> str:
        """``display_name`` from the columns alone (for pages that read users as values)."""
        return full_name or f"{first_name} {last_name}".strip() or username


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)
    # Coach rules this organization switched off (rule ids of headway.core.coach).
    coach_disabled_rules = models.JSONField(default=list, blank=True)
    # Pace cut-offs: on track while progress >= expected - on_track_margin, at risk while
    # progress >= expected - at_risk_margin, off track below.
    pace_on_track_margin = models.FloatField(default=0.15)
    pace_at_risk_margin = models.FloatField(default=0.33)
    # The weekday (0 Monday .. 6 Sunday) the check-in digest goes out, unless a person chose.
    reminder_weekday = models.PositiveSmallIntegerField(default=4)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="org_fiscal_month_1_12",
            ),
            models.CheckConstraint(
                condition=Q(pace_on_track_margin__gte=0)
                & Q(pace_at_risk_margin__gte=models.F("pace_on_track_margin"))
                & Q(pace_at_risk_margin__lte=1),
                name="org_pace_margins_ordered",
            ),
            models.CheckConstraint(
                condition=Q(reminder_weekday__lte=6), name="org_reminder_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person: a user's place in one organization, with a role."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    title = models.CharField(max_length=120, blank=True)
    # The weekly check-in digest: whether this person gets it, and on which weekday (0 Monday
    # .. 6 Sunday; empty: the organization's day).
    checkin_reminders = models.BooleanField(default=True)
    reminder_weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = "person"
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=Q(reminder_weekday__isnull=True) | Q(reminder_weekday__lte=6),
                name="membership_reminder_weekday_0_6",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.display_name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.user.display_name

    def has_role(self, role: Role) -> bool:
        return Role(self.role).rank >= role.rank


class Team(models.Model):
    """A node of the team tree: the company root, departments, teams."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    # Rollout: OKRs can be switched on for a pilot team first; KPIs are for everyone.
    okrs_enabled = models.BooleanField(default=True)
    members = models.ManyToManyField(Membership, through="TeamMember", related_name="teams")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="team_slug_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="team_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="team_links")
    is_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["team_id", "-is_lead", "membership_id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "membership"], name="team_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} in {self.team_id}{' (lead)' if self.is_lead else ''}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest is stored; the secret is shown once."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SignInFailure(models.Model):
    """One refused sign-in, counted per username and per client address to slow down guessing.

    Kept in the database, not in a per-process cache, so that every gunicorn worker counts the
    same attempts; rows older than the window are deleted as new ones arrive.
    """

    username = models.CharField(max_length=150)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="sign_in_failure_username"),
            models.Index(fields=["address", "at"], name="sign_in_failure_address"),
        ]

    def __str__(self) -> str:
        return f"{self.username} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
