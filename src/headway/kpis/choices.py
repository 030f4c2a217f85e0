from django.db import models


class KpiDirection(models.TextChoices):
    HIGHER_BETTER = "higher", "Higher is better"
    LOWER_BETTER = "lower", "Lower is better"
    IN_RANGE = "range", "In range"


class Cadence(models.TextChoices):
    DAY = "day", "Daily"
    WEEK = "week", "Weekly"
    MONTH = "month", "Monthly"
    QUARTER = "quarter", "Quarterly"


class Aggregation(models.TextChoices):
    LAST = "last", "Last value"
    SUM = "sum", "Sum"
    MEAN = "mean", "Mean"


class MeasurementSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    CSV = "csv", "CSV import"
    API = "api", "API"
    QUERY = "query", "Query"
