"""The strategy on one page: the Hoshin Kanri X-Matrix and the Blue Ocean Strategy Canvas.

Both belong to an organization and link to the live work: an X-Matrix's annual objectives to
company objectives, its metrics to KPIs and its resources to teams and people; a canvas factor to
the objective made from it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from headway.fields import value_field
from headway.orgs.models import Membership, Organization, Team
from headway.strategy.choices import Errc, ItemKind, PlayerKind, Responsibility, Strength


class XMatrix(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="xmatrices"
    )
    year = models.PositiveSmallIntegerField(help_text="The fiscal year of the annual objectives.")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "X-Matrix"
        verbose_name_plural = "X-Matrices"
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="xmatrix_year_unique"),
        ]

    def __str__(self) -> str:
        return self.title or f"X-Matrix {self.year}"


class XMatrixItem(models.Model):
    """A row of one of the four lists. Metrics carry a baseline, a target and an owner."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matrix = models.ForeignKey(XMatrix, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=12, choices=ItemKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Annual objectives: the company objectives of that year's cycles they stand for.
    objectives = models.ManyToManyField("okrs.Objective", blank=True, related_name="xmatrix_items")
    # Metrics: the KPI that measures it (its live value and health), baseline, target, owner.
    kpi = models.ForeignKey(
        "kpis.Kpi", null=True, blank=True, on_delete=models.SET_NULL, related_name="xmatrix_items"
    )
    baseline = value_field(null=True, blank=True)
    target = value_field(null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["matrix_id", "kind", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ItemKind.values), name="xmatrix_item_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class XMatrixResource(models.Model):
    """A resource in the far east column: a team or a person (or a named group)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matrix = models.ForeignKey(XMatrix, on_delete=models.CASCADE, related_name="resources")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    label = models.CharField(max_length=200, blank=True, help_text="When neither team nor person.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["matrix_id", "position", "id"]

    def __str__(self) -> str:
        return self.label or str(self.team or self.person or "")


class Correlation(models.Model):
    """A mark in one of the four corners: ``row`` and ``column`` are items of adjacent lists
    (breakthrough x annual, annual x priority, priority x metric, metric x breakthrough)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matrix = models.ForeignKey(XMatrix, on_delete=models.CASCADE, related_name="correlations")
    row = models.ForeignKey(XMatrixItem, on_delete=models.CASCADE, related_name="+")
    column = models.ForeignKey(XMatrixItem, on_delete=models.CASCADE, related_name="+")
    strength = models.CharField(max_length=8, choices=Strength.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["row", "column"], name="correlation_unique"),
            models.CheckConstraint(condition=~Q(row=F("column")), name="correlation_not_self"),
            models.CheckConstraint(
                condition=Q(strength__in=Strength.values), name="correlation_strength_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.row_id} x {self.column_id}: {self.strength}"


class Assignment(models.Model):
    """Priority x resource: who is responsible for an improvement priority."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    matrix = models.ForeignKey(XMatrix, on_delete=models.CASCADE, related_name="assignments")
    priority = models.ForeignKey(XMatrixItem, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(
        XMatrixResource, on_delete=models.CASCADE, related_name="assignments"
    )
    responsibility = models.CharField(max_length=9, choices=Responsibility.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["priority", "resource"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(responsibility__in=Responsibility.values),
                name="assignment_responsibility_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} on {self.priority_id}: {self.responsibility}"


class StrategyCanvas(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="canvases"
    )
    title = models.CharField(max_length=200)
    tagline = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        verbose_name = "strategy canvas"
        verbose_name_plural = "strategy canvases"

    def __str__(self) -> str:
        return self.title


class CanvasFactor(models.Model):
    """A competitive factor (x axis), with what the new curve does with it and why."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    canvas = models.ForeignKey(StrategyCanvas, on_delete=models.CASCADE, related_name="factors")
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    errc = models.CharField(max_length=9, choices=Errc.choices, blank=True, default=Errc.NONE)
    rationale = models.TextField(blank=True)
    # The objective made from a "raise" or "create" factor.
    objective = models.ForeignKey(
        "okrs.Objective",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="canvas_factors",
    )

    class Meta:
        ordering = ["canvas_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(errc__in=Errc.values), name="factor_errc_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class CanvasPlayer(models.Model):
    """A value curve: us today, a competitor, the industry, or our new curve."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    canvas = models.ForeignKey(StrategyCanvas, on_delete=models.CASCADE, related_name="players")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=PlayerKind.choices)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["canvas_id", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PlayerKind.values), name="player_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CanvasLevel(models.Model):
    """How much a player offers of a factor, 0-10."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    canvas = models.ForeignKey(StrategyCanvas, on_delete=models.CASCADE, related_name="levels")
    factor = models.ForeignKey(CanvasFactor, on_delete=models.CASCADE, related_name="levels")
    player = models.ForeignKey(CanvasPlayer, on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["factor", "player"], name="canvas_level_unique"),
            models.CheckConstraint(condition=Q(level__lte=10), name="canvas_level_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.player_id} on {self.factor_id}: {self.level}"
