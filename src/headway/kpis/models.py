"""KPIs, their measurements and external benchmarks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from headway.fields import value_field
from headway.kpis.choices import Aggregation, Cadence, KpiDirection, MeasurementSource
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
        max_length=4, choices=Aggregation.choices, default=Aggregation.LAST
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="kpi_key_unique"),
            models.CheckConstraint(
                condition=Q(range_low__isnull=True)
                | Q(range_high__isnull=True)
                | Q(range_low__lte=models.F("range_high")),
                name="kpi_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """One value per KPI and period; re-sending a period replaces the value."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    period = models.DateField(help_text="First day of the period the value describes.")
    value = value_field()
    source = models.CharField(
        max_length=6, choices=MeasurementSource.choices, default=MeasurementSource.MANUAL
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
