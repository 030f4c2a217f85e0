from django.db import models

from headway.core import Direction, KRKind, ObjectiveKind


class CycleState(models.TextChoices):
    PLANNING = "planning", "Planning"
    ACTIVE = "active", "Active"
    GRADING = "grading", "Grading"
    CLOSED = "closed", "Closed"


class CycleKind(models.TextChoices):
    QUARTER = "quarter", "Quarter"
    YEAR = "year", "Year"


class ObjectiveStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class OriginKind(models.TextChoices):
    """How an objective came from another one."""

    NONE = "", "Written here"
    CARRIED_OVER = "carried_over", "Carried over"
    DUPLICATED = "duplicated", "Duplicated"


class KRResultType(models.TextChoices):
    OUTCOME = "outcome", "Outcome"
    OUTPUT = "output", "Output"


# The core owns these vocabularies; the database stores their values.
KR_KIND_CHOICES = [(k.value, k.value.capitalize()) for k in KRKind]
DIRECTION_CHOICES = [
    (Direction.INCREASE.value, "Increase"),
    (Direction.DECREASE.value, "Decrease"),
    (Direction.AT_LEAST.value, "Stay at or above"),
    (Direction.AT_MOST.value, "Stay at or below"),
]
OBJECTIVE_KIND_CHOICES = [(k.value, k.value.capitalize()) for k in ObjectiveKind]
