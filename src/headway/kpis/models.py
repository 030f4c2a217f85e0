"""KPIs, their measurements and external benchmarks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.core.alerts import AlertLevel, AlertState
from headway.core.health import Health
from headway.fields import value_field
from headway.kpis.choices import (
    ALERT_LEVEL_CHOICES,
    ALERT_STATE_CHOICES,
    HEALTH_CHOICES,
    NOTIFICATION_EVENT_CHOICES,
    Aggregation,
    Cadence,
    ChannelKind,
    DeliveryStatus,
    KpiDirection,
    MeasurementSource,
    RunStatus,
    SourceKind,
)
from headway.orgs.models import Membership, Organization, Team


def _optional_value() -> models.DecimalField:
    return value_field(null=True, blank=True)


class Kpi(models.Model):
    # The optional value columns (target, thresholds, recovery levels, range), in display order.
    VALUE_FIELDS = (
        "target",
        "warning_threshold",
        "critical_threshold",
        "warning_recovery",
        "critical_recovery",
        "range_low",
        "range_high",
    )

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="kpis")
    key = models.SlugField(max_length=60, help_text="Stable identifier for imports and the API.")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, blank=True)
    direction = models.CharField(
        max_length=6, choices=KpiDirection.choices, default=KpiDirection.HIGHER_BETTER
    )
    cadence = models.CharField(max_length=7, choices=Cadence.choices, default=Cadence.MONTH)
    aggregation = models.CharField(
        max_length=5,
        choices=Aggregation.choices,
        default=Aggregation.LAST,
        help_text="How raw events become one period's value.",
    )
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="kpis"
    )
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="kpis"
    )
    target = _optional_value()
    # Thresholds and the levels needed to leave them again (hysteresis). For "in range" KPIs the
    # range is [range_low, range_high] and the thresholds are distances outside it.
    warning_threshold = _optional_value()
    critical_threshold = _optional_value()
    warning_recovery = _optional_value()
    critical_recovery = _optional_value()
    range_low = _optional_value()
    range_high = _optional_value()

    # Alerting policy: which health is bad, how many closed periods in a row fire or resolve an
    # alert, and how often a still-firing alert is repeated (0: never).
    alert_level = models.CharField(
        max_length=8, choices=ALERT_LEVEL_CHOICES, default=AlertLevel.CRITICAL.value
    )
    alert_after = models.PositiveSmallIntegerField(
        default=1, help_text="Bad closed periods in a row before the alert fires."
    )
    resolve_after = models.PositiveSmallIntegerField(
        default=1, help_text="Good closed periods in a row before a firing alert resolves."
    )
    repeat_hours = models.PositiveIntegerField(
        default=168, help_text="Repeat a firing alert this often (0: never)."
    )
    notify_no_data = models.BooleanField(default=True)

    # The evaluated state, kept by the alert evaluation (``headway.kpis.alerts``) so pages and
    # the job queue read it instead of recomputing the history.
    health = models.CharField(max_length=7, choices=HEALTH_CHOICES, default=Health.UNKNOWN.value)
    health_since = models.DateTimeField(null=True, blank=True)
    alert_state = models.CharField(
        max_length=10, choices=ALERT_STATE_CHOICES, default=AlertState.NORMAL.value
    )
    alert_state_since = models.DateTimeField(null=True, blank=True)
    alert_notified_at = models.DateTimeField(
        null=True, blank=True, help_text="Last notification about the current alert state."
    )
    evaluated_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "KPI"
        # The API's list order, read off the index rather than sorted.
        indexes = [models.Index(fields=["organization", "name", "id"], name="kpi_list")]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="kpi_key_unique"),
            models.CheckConstraint(
                condition=Q(range_low__isnull=True)
                | Q(range_high__isnull=True)
                | Q(range_low__lte=models.F("range_high")),
                name="kpi_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(alert_after__gte=1, resolve_after__gte=1), name="kpi_alert_counts_1"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """One value per KPI and period; re-sending a period replaces the value.

    The table that grows fastest and is written in bulk, so it keeps only the foreign key that
    guards its meaning (the KPI) in the database. Its organization is a copy of its KPI's, set by
    the services, for filtering and sharding by tenant; who recorded it is information. The
    database would check both for every row loaded, a third of the cost of bulk ingestion on
    PostgreSQL; Django still cascades and nulls them on delete. See decisions/0003.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # The (kpi, period) unique index serves every lookup by KPI: no index of its own.
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="measurements", db_index=False
    )
    period = models.DateField(help_text="First day of the period the value describes.")
    value = value_field()
    source = models.CharField(
        max_length=6, choices=MeasurementSource.choices, default=MeasurementSource.MANUAL
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period"], name="measurement_kpi_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"


class Benchmark(models.Model):
    """A named external reference for a KPI, e.g. "competitor NPS 50"."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="benchmarks")
    name = models.CharField(max_length=200)
    value = value_field()
    source = models.CharField(max_length=300, blank=True)
    observed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kpi_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "name"], name="benchmark_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class HealthChange(models.Model):
    """One change of a KPI's health, as the evaluation saw it: the history shown on its page."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="health_changes")
    changed_at = models.DateTimeField()
    before = models.CharField(max_length=7, choices=HEALTH_CHOICES)
    after = models.CharField(max_length=7, choices=HEALTH_CHOICES)
    # The closed period (and its value) that decided the new status; none for "stale".
    period = models.DateField(null=True, blank=True)
    value = _optional_value()

    class Meta:
        ordering = ["kpi_id", "-changed_at", "-id"]
        indexes = [models.Index(fields=["kpi", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.before} -> {self.after} at {self.changed_at:%Y-%m-%d %H:%M}"


class AlertChannel(models.Model):
    """Where alerts go: e-mail addresses or a webhook, for every KPI or for chosen ones."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="alert_channels"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=7, choices=ChannelKind.choices)
    # E-mail: addresses separated by commas or new lines.
    recipients = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    # Webhook bodies are signed with HMAC-SHA256 under this secret.
    secret = models.CharField(max_length=128, blank=True)
    kpis = models.ManyToManyField(
        Kpi, blank=True, related_name="alert_channels", help_text="None chosen: every KPI."
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="channel_name_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """One message about a KPI's alert to one channel: the outbox and the log in one row.

    ``dedupe_key`` names the alert state it announces (event and the moment the state began), so
    the same state is never announced twice to a channel, even when a job runs again.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="notifications")
    channel = models.ForeignKey(
        AlertChannel, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel_name = models.CharField(max_length=100)
    event = models.CharField(max_length=8, choices=NOTIFICATION_EVENT_CHOICES)
    dedupe_key = models.CharField(max_length=80)
    created_at = models.DateTimeField()
    subject = models.CharField(max_length=300)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=7, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["kpi_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "channel_name", "dedupe_key"], name="notification_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.channel_name} ({self.status})"


class XmrBaseline(models.Model):
    """A re-baselining of a KPI's process behaviour chart, from ``starts_on`` on.

    Without one, the chart's limits come from the first points of the series; each re-baseline
    starts a new segment whose limits come from its own first ``size`` points, and is kept with
    who made it and when.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="xmr_baselines")
    starts_on = models.DateField(help_text="First period of the new baseline.")
    size = models.PositiveSmallIntegerField(default=20)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi_id", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "starts_on"], name="xmr_baseline_unique"),
            models.CheckConstraint(
                condition=Q(size__gte=2, size__lte=100), name="xmr_baseline_size"
            ),
        ]

    def __str__(self) -> str:
        return f"from {self.starts_on} ({self.size} points)"


class RawEvent(models.Model):
    """A raw observation (a sale, a sign-up, a reading) that aggregates into a period's value."""

    # Written in bulk like measurements, with the same choice of database checks.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    kpi = models.ForeignKey(
        Kpi, on_delete=models.CASCADE, related_name="raw_events", db_index=False
    )
    at = models.DateTimeField()
    value = value_field()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi_id", "at", "id"]
        indexes = [models.Index(fields=["kpi", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}: {self.value}"


class DataSource(models.Model):
    """A scheduled pull of a KPI's values: a SQL query or a JSON URL."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="data_sources")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=4, choices=SourceKind.choices)
    # SQL: the name of a read-only database configured in HEADWAY_SQL_SOURCES, and the query.
    connection = models.CharField(max_length=60, blank=True)
    query = models.TextField(blank=True)
    # JSON: the URL and a path expression to the value (or to a list of rows).
    url = models.URLField(max_length=500, blank=True)
    path = models.CharField(max_length=200, blank=True)
    period_field = models.CharField(max_length=60, blank=True, default="period")
    value_field = models.CharField(max_length=60, blank=True, default="value")
    every_minutes = models.PositiveIntegerField(default=60)
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(
        max_length=5, choices=RunStatus.choices, default=RunStatus.NEVER, blank=True
    )
    last_message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi_id", "name"]
        indexes = [models.Index(fields=["enabled", "next_run_at"])]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "name"], name="source_name_unique"),
            models.CheckConstraint(condition=Q(kind__in=SourceKind.values), name="source_kind"),
            models.CheckConstraint(condition=Q(every_minutes__gte=1), name="source_every_1"),
        ]

    def __str__(self) -> str:
        return self.name
