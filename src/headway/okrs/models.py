"""Cycles, objectives, key results and check-ins."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from headway.fields import value_field, weight_field
from headway.okrs.choices import (
    DIRECTION_CHOICES,
    KR_KIND_CHOICES,
    OBJECTIVE_KIND_CHOICES,
    CycleKind,
    CycleState,
    KRResultType,
    ObjectiveStatus,
    OriginKind,
)
from headway.orgs.models import Membership, Organization, Team


class Cycle(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=CycleKind.choices, default=CycleKind.QUARTER)
    start = models.DateField()
    end = models.DateField(help_text="Last day of the cycle (inclusive).")
    state = models.CharField(max_length=10, choices=CycleState.choices, default=CycleState.PLANNING)

    class Meta:
        ordering = ["-start", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="cycle_name_unique"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="cycle_end_after_start"),
            models.CheckConstraint(
                condition=Q(state__in=CycleState.values), name="cycle_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Objective(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="objectives"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    # Stable identifier within the cycle, for OKRs kept as files (`headway apply`).
    key = models.SlugField(max_length=80, blank=True, default="")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    owner_person = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    kind = models.CharField(max_length=12, choices=OBJECTIVE_KIND_CHOICES, default="aspirational")
    status = models.CharField(
        max_length=10, choices=ObjectiveStatus.choices, default=ObjectiveStatus.ACTIVE
    )
    weight = weight_field()
    parents = models.ManyToManyField(
        "self", through="Alignment", symmetrical=False, related_name="children", blank=True
    )
    # Roll-up of the key results, kept current by the services (0..1).
    progress = models.FloatField(default=0.0)
    # The graded score: weighted mean of the key results' scores, set while grading (0..1).
    score = models.FloatField(null=True, blank=True)
    # Retrospective, written at the end of the cycle.
    retro_worked = models.TextField("What worked", blank=True)
    retro_change = models.TextField("What to change", blank=True)
    # The objective this one was carried over or duplicated from; the origin keeps its history.
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies"
    )
    origin_kind = models.CharField(
        max_length=12, choices=OriginKind.choices, blank=True, default=OriginKind.NONE
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle_id", "position", "id"]
        indexes = [
            models.Index(fields=["organization", "cycle", "status"]),
            # The API's list order, read off the index rather than sorted.
            models.Index(fields=["organization", "cycle", "position", "id"], name="objective_list"),
            # Roll-ups and the board's counts per team read the index alone (PostgreSQL).
            models.Index(
                fields=["cycle", "status", "owner_team"],
                include=["progress", "weight", "score"],
                name="objective_rollup",
            ),
        ]
        constraints = [
            # Blank keys are rows made outside the services (tests, bulk loads) and not yet keyed.
            models.UniqueConstraint(
                fields=["cycle", "key"], condition=~Q(key=""), name="objective_key_unique"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="objective_weight_positive"),
            models.CheckConstraint(
                condition=Q(owner_team__isnull=False, owner_person__isnull=True)
                | Q(owner_team__isnull=True, owner_person__isnull=False),
                name="objective_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="objective_progress_0_1"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="objective_score_0_1",
            ),
            models.CheckConstraint(
                condition=Q(origin_kind__in=OriginKind.values), name="objective_origin_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        if self.owner_team_id:
            return self.owner_team.name  # type: ignore[union-attr]
        return self.owner_person.display_name  # type: ignore[union-attr]


class Alignment(models.Model):
    """``child`` supports ``parent``: an objective may support several."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="child_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="alignment_unique"),
            models.CheckConstraint(condition=~Q(child=F("parent")), name="alignment_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} supports {self.parent_id}"


class KeyResult(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="key_results"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    # Stable identifier within the objective, for OKRs kept as files.
    key = models.SlugField(max_length=80, blank=True, default="")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=KR_KIND_CHOICES, default="metric")
    unit = models.CharField(max_length=30, blank=True)
    start = value_field(help_text="Baseline.")
    target = value_field()
    current = value_field(null=True, blank=True)
    direction = models.CharField(max_length=10, choices=DIRECTION_CHOICES, default="increase")
    weight = weight_field()
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="key_results"
    )
    kpi = models.ForeignKey(
        "kpis.Kpi", null=True, blank=True, on_delete=models.SET_NULL, related_name="key_results"
    )
    # A key result made from a KPI follows its measurements: each new value is a check-in.
    follows_kpi = models.BooleanField(default=False)
    result_type = models.CharField(
        max_length=10, choices=KRResultType.choices, default=KRResultType.OUTCOME
    )
    progress = models.FloatField(default=0.0)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    # The end-of-cycle grade on the 0.1 grid; a score other than the default from progress
    # carries the grader's reason.
    score = models.FloatField(null=True, blank=True)
    score_reason = models.TextField(blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["objective_id", "position", "id"]
        # The API's list order, read off the index rather than sorted.
        indexes = [
            models.Index(fields=["organization", "objective", "position", "id"], name="kr_list")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["objective", "key"], condition=~Q(key=""), name="kr_key_unique"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="kr_weight_positive"),
            models.CheckConstraint(
                condition=Q(progress__gte=0, progress__lte=1), name="kr_progress_0_1"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=0, confidence__lte=10),
                name="kr_confidence_0_10",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=1),
                name="kr_score_0_1",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CheckIn(models.Model):
    """A weekly update of a key result. Never edited in place: the history is the record."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = value_field()
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    # Set when the check-in came from the followed KPI's measurement, not from a person.
    kpi_period = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["key_result_id", "created_at", "id"]
        indexes = [
            models.Index(fields=["key_result", "created_at"]),
            # The API's list order (newest first), read off the index rather than sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="checkin_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=10), name="checkin_confidence_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.confidence}/10) at {self.created_at:%Y-%m-%d}"


class CoachTally(models.Model):
    """The coach report's counts of a large cycle, kept between views.

    Counting means linting every active objective of the cycle (6,000 at 20,000 people: most of
    a second), so past the report's size limit the page shows the last count and its time, and a
    recount runs in the background once it is older than ``coach_report.TALLY_MAX_AGE``. A
    section opened is linted live. Derived data: not exported, recounted on demand.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="coach_tally")
    counted_at = models.DateTimeField()
    # When a background recount was last asked for: one request per stale period queues it.
    requested_at = models.DateTimeField(null=True)
    # The rules switched off when counted: a count made under other rules is not shown.
    disabled_rules = models.JSONField(default=list)
    checked = models.PositiveIntegerField()  # active objectives
    flagged = models.PositiveIntegerField()  # of them with a note
    per_rule = models.JSONField(default=dict)  # rule id -> notes
    # [["team=<id>" or "person=<membership id>", notes], ...] in the report's order, noted only.
    sections = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"coach tally of {self.cycle_id} at {self.counted_at:%Y-%m-%d %H:%M}"


class Rollup(models.Model):
    """Progress of a team (or, with no team, the whole organization) in one cycle."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="rollups")
    team = models.ForeignKey(Team, null=True, on_delete=models.CASCADE, related_name="rollups")
    progress = models.FloatField(null=True)
    # Weighted mean of the objectives' graded scores, once grading has started.
    score = models.FloatField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "team"], condition=Q(team__isnull=False), name="rollup_team_unique"
            ),
            models.UniqueConstraint(
                fields=["cycle"], condition=Q(team__isnull=True), name="rollup_org_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team_id or 'organization'} in {self.cycle_id}: {self.progress}"


class CheckinReminder(models.Model):
    """A weekly check-in digest sent to one person: at most one per person and week."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="checkin_reminders_sent"
    )
    week = models.DateField(help_text="The Monday of the week the digest is about.")
    sent_at = models.DateTimeField()
    key_results = models.PositiveIntegerField(help_text="How many key results it listed.")

    class Meta:
        ordering = ["-week", "membership_id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "week"], name="checkin_reminder_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} for the week of {self.week}"
