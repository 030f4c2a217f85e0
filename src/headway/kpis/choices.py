from django.db import models

from headway.core.alerts import AlertEvent, AlertLevel, AlertState
from headway.core.health import Health


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
    """How raw events become the value of one period."""

    LAST = "last", "Last value"
    SUM = "sum", "Sum"
    MEAN = "mean", "Average"
    MIN = "min", "Minimum"
    MAX = "max", "Maximum"
    COUNT = "count", "Count"


class MeasurementSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    CSV = "csv", "CSV import"
    API = "api", "API"
    QUERY = "query", "SQL query"
    URL = "url", "JSON URL"
    EVENTS = "events", "Aggregated events"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook (Slack-compatible JSON)"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class SourceKind(models.TextChoices):
    SQL = "sql", "SQL query"
    JSON = "json", "JSON URL"


class RunStatus(models.TextChoices):
    NEVER = "", "Not run yet"
    OK = "ok", "OK"
    ERROR = "error", "Error"


# The core owns these vocabularies; the database stores their values.
HEALTH_CHOICES = [(health.value, health.label) for health in Health]
# The health that counts as bad for alerting.
ALERT_LEVEL_CHOICES = [
    (AlertLevel.CRITICAL.value, "Critical only"),
    (AlertLevel.WARNING.value, "Warning or critical"),
]
ALERT_STATE_CHOICES = [
    (state.value, state.value.replace("_", " ").capitalize()) for state in AlertState
]
NOTIFICATION_EVENT_CHOICES = [
    (AlertEvent.FIRING.value, "Firing"),
    (AlertEvent.RESOLVED.value, "Resolved"),
    (AlertEvent.NO_DATA.value, "No data"),
    (AlertEvent.REPEAT.value, "Still firing"),
]
ALERT_STATE_LABELS = dict(ALERT_STATE_CHOICES)
NOTIFICATION_EVENT_LABELS = dict(NOTIFICATION_EVENT_CHOICES)
