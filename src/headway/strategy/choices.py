from django.db import models


class ItemKind(models.TextChoices):
    """The four lists around an X-Matrix's centre, read south -> west -> north -> east."""

    BREAKTHROUGH = "breakthrough", "Breakthrough objective (3-5 years)"
    ANNUAL = "annual", "Annual objective"
    PRIORITY = "priority", "Improvement priority"
    METRIC = "metric", "Metric to improve"


class Strength(models.TextChoices):
    STRONG = "strong", "Strong"
    MODERATE = "moderate", "Moderate"
    WEAK = "weak", "Weak"


class Responsibility(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class PlayerKind(models.TextChoices):
    US = "us", "Us (today)"
    COMPETITOR = "competitor", "Competitor"
    INDUSTRY = "industry", "Industry"
    NEW_CURVE = "new_curve", "Our new curve"


class Errc(models.TextChoices):
    """What the new value curve does with a factor (the ERRC grid)."""

    NONE = "", "Not decided"
    ELIMINATE = "eliminate", "Eliminate"
    REDUCE = "reduce", "Reduce"
    RAISE = "raise", "Raise"
    CREATE = "create", "Create"
