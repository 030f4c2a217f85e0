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


class HealthStatus(models.TextChoices):
    """The stored form of ``headway.core.health.Health``."""

    GREEN = "green", "Healthy"
    AMBER = "amber", "Warning"
    RED = "red", "Critical"
    STALE = "stale", "Stale"
    UNKNOWN = "unknown", "No status"


class AlertLevel(models.TextChoices):
    """The health that counts as bad for alerting."""

    CRITICAL = "critical", "Critical only"
    WARNING = "warning", "Warning or critical"


class AlertState(models.TextChoices):
    """The stored form of ``headway.core.alerts.AlertState``."""

    NORMAL = "normal", "Normal"
    PENDING = "pending", "Pending"
    ALERTING = "alerting", "Alerting"
    RECOVERING = "recovering", "Recovering"
    NO_DATA = "no_data", "No data"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Webhook (Slack-compatible JSON)"


class NotificationEvent(models.TextChoices):
    FIRING = "firing", "Firing"
    RESOLVED = "resolved", "Resolved"
    NO_DATA = "no_data", "No data"
    REPEAT = "repeat", "Still firing"


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
