"""Writes to KPIs: definitions, measurements (idempotent per period) and benchmarks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from headway.audit import services as audit
from headway.core.periods import Cadence as CoreCadence
from headway.core.periods import period_start
from headway.errors import Problems, ValidationFailed, to_choice, to_text, to_value
from headway.kpis.choices import Aggregation, Cadence, KpiDirection, MeasurementSource
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.orgs import permissions
from headway.orgs.accessors import get_ref
from headway.orgs.models import Membership, Team

KPI_FIELDS = [
    "key",
    "name",
    "description",
    "unit",
    "direction",
    "cadence",
    "aggregation",
    "owner_team",
    "owner",
    *Kpi.VALUE_FIELDS,
]


KPI_CHOICES = {"direction": KpiDirection, "cadence": Cadence, "aggregation": Aggregation}


def _clean_kpi(actor: Membership, data: dict[str, Any], instance: Kpi | None) -> dict[str, Any]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = problems.check(to_text, data["name"], "name", max_length=200)
    if "key" in data or instance is None:
        key = slugify(data.get("key") or data.get("name") or "")[:60]
        taken = Kpi.objects.filter(organization_id=actor.organization_id, key=key)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if not key:
            problems.add("key", "is required")
        elif taken.exists():
            problems.add("key", f"a KPI with key {key!r} already exists")
        clean["key"] = key
    if "description" in data:
        clean["description"] = problems.check(
            to_text, data["description"], "description", max_length=10_000, required=False
        )
    if "unit" in data:
        clean["unit"] = problems.check(to_text, data["unit"], "unit", max_length=30, required=False)
    for field, choices in KPI_CHOICES.items():
        if field in data:
            clean[field] = problems.check(to_choice, data[field], field, choices.values)
    for field in Kpi.VALUE_FIELDS:
        if field in data:
            clean[field] = (
                None if data[field] is None else problems.check(to_value, data[field], field)
            )
    if "owner_team_id" in data:
        clean["owner_team"] = problems.check(
            get_ref, actor, Team, data["owner_team_id"], "owner_team_id"
        )
    if "owner_id" in data:
        clean["owner"] = problems.check(get_ref, actor, Membership, data["owner_id"], "owner_id")
    merged = {field: clean.get(field, getattr(instance, field, None)) for field in Kpi.VALUE_FIELDS}
    merged["direction"] = clean.get(
        "direction", getattr(instance, "direction", KpiDirection.HIGHER_BETTER)
    )
    low, high = merged["range_low"], merged["range_high"]
    if low is not None and high is not None and low > high:
        problems.add("range_low", "must not be above range_high")
    for field, message in _threshold_problems(merged).items():
        if field not in problems.errors:
            problems.add(field, message)
    problems.raise_any()
    return clean


_RECOVERY = {
    "warning_recovery": ("warning_threshold", "warning"),
    "critical_recovery": ("critical_threshold", "critical"),
}


def _threshold_problems(values: dict[str, Any]) -> dict[str, str]:
    """Thresholds that contradict each other for the KPI's direction.

    The critical threshold lies beyond the warning one, and a recovery level lies on the good side
    of its threshold; otherwise amber could never show, or the hysteresis would never apply.
    """
    direction = values["direction"]
    if direction not in KpiDirection.values:
        return {}  # an unknown direction is reported on its own
    warning, critical = values["warning_threshold"], values["critical_threshold"]
    # A larger threshold is worse for "lower is better" and for "in range" (where thresholds are
    # distances outside the range); a smaller one for "higher is better".
    worse = "above" if direction != KpiDirection.HIGHER_BETTER else "below"
    better = "below" if worse == "above" else "above"

    def is_worse(a: Decimal, b: Decimal) -> bool:
        return a > b if worse == "above" else a < b

    errors: dict[str, str] = {}
    if direction == KpiDirection.IN_RANGE:
        for field in ("warning_threshold", "critical_threshold", *_RECOVERY):
            if values[field] is not None and values[field] < 0:
                errors[field] = "is a distance outside the range, so it must not be negative"
    if warning is not None and critical is not None and is_worse(warning, critical):
        errors["critical_threshold"] = (
            f"must not be {better} the warning threshold {warning.normalize():f}"
            f" ({KpiDirection(direction).label.lower()})"
        )
    for recovery, (threshold, name) in _RECOVERY.items():
        level, limit = values[recovery], values[threshold]
        if level is not None and limit is not None and is_worse(level, limit):
            errors.setdefault(
                recovery, f"must not be {worse} the {name} threshold {limit.normalize():f}"
            )
    return errors


@transaction.atomic
def create_kpi(*, actor: Membership, **data: Any) -> Kpi:
    data.setdefault("name", None)
    clean = _clean_kpi(actor, data, None)
    kpi = Kpi(organization_id=actor.organization_id, **clean)
    if not permissions.can_administer(actor) and not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not create this KPI")
    kpi.save()
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="kpi.create",
        instance=kpi,
        after=audit.snapshot(kpi, KPI_FIELDS),
    )
    return kpi


@transaction.atomic
def update_kpi(*, actor: Membership, kpi: Kpi, **data: Any) -> Kpi:
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not edit this KPI")
    before = audit.snapshot(kpi, KPI_FIELDS)
    for field, value in _clean_kpi(actor, data, kpi).items():
        setattr(kpi, field, value)
    kpi.save()
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="kpi.update",
        instance=kpi,
        before=before,
        after=audit.snapshot(kpi, KPI_FIELDS),
    )
    return kpi


@transaction.atomic
def delete_kpi(*, actor: Membership, kpi: Kpi) -> None:
    """Delete a KPI with its measurements and benchmarks.

    Key results that followed it keep their values and stop following it.
    """
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not delete this KPI")
    # The snapshot keeps what the audit log needs to tell what was lost.
    before = {**audit.snapshot(kpi, KPI_FIELDS), "measurements": kpi.measurements.count()}
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="kpi.delete",
        instance=kpi,
        before=before,
    )
    kpi.delete()


@dataclass(frozen=True, slots=True)
class UpsertResult:
    created: int
    replaced: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.replaced + self.unchanged


def _parse_period(raw: Any, field: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise ValidationFailed(
            {field: f"must be a date (YYYY-MM-DD), not {str(raw)[:40]!r}"}
        ) from None


def _clean_rows(
    kpi: Kpi, rows: Iterable[tuple[int, dict[str, Any]]]
) -> tuple[dict[dt.date, dict[str, Any]], dict[str, str]]:
    """Rows keyed by period start; errors named ``measurements[i].field`` by original index."""
    cadence = CoreCadence(kpi.cadence)
    errors: dict[str, str] = {}
    by_period: dict[dt.date, dict[str, Any]] = {}
    for index, row in rows:
        prefix = f"measurements[{index}]"
        try:
            period = period_start(_parse_period(row.get("period"), f"{prefix}.period"), cadence)
            value = to_value(row.get("value"), f"{prefix}.value")
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        # Within a batch the last value sent for a period wins.
        by_period[period] = {"value": value, "note": str(row.get("note") or "")[:2000]}
    return by_period, errors


def _check_source(source: str) -> None:
    if source not in MeasurementSource.values:
        raise ValidationFailed({"source": f"must be one of {', '.join(MeasurementSource.values)}"})


@transaction.atomic
def upsert_measurements(
    *,
    actor: Membership,
    kpi: Kpi,
    rows: Sequence[dict[str, Any]],
    source: str = MeasurementSource.API,
    at: dt.datetime | None = None,
) -> UpsertResult:
    """Store values by period: a period sent again replaces its value, it never duplicates.

    Every row is checked before anything is written; one bad row rejects the batch, named by its
    index (``measurements[3].value``).
    """
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not record values for this KPI")
    _check_source(source)
    by_period, errors = _clean_rows(kpi, enumerate(rows))
    if errors:
        raise ValidationFailed(errors)
    return _apply(actor, kpi, by_period, source, at or timezone.now())


@transaction.atomic
def upsert_many(
    *,
    actor: Membership,
    kpis: dict[str, Kpi],
    rows: Sequence[dict[str, Any]],
    source: str = MeasurementSource.API,
    at: dt.datetime | None = None,
) -> UpsertResult:
    """Values for several KPIs (rows name the KPI key in ``kpi``); all or nothing."""
    _check_source(source)
    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, row in enumerate(rows):
        grouped.setdefault(row["kpi"], []).append((index, row))
    cleaned: list[tuple[Kpi, dict[dt.date, dict[str, Any]]]] = []
    errors: dict[str, str] = {}
    for key, indexed in grouped.items():
        kpi = kpis[key]
        if not permissions.can_edit_kpi(actor, kpi):
            raise PermissionDenied(f"you may not record values for KPI {key!r}")
        by_period, row_errors = _clean_rows(kpi, indexed)
        errors.update(row_errors)
        cleaned.append((kpi, by_period))
    if errors:
        raise ValidationFailed(errors)
    at = at or timezone.now()
    results = [_apply(actor, kpi, by_period, source, at) for kpi, by_period in cleaned]
    return UpsertResult(
        created=sum(r.created for r in results),
        replaced=sum(r.replaced for r in results),
        unchanged=sum(r.unchanged for r in results),
    )


def _apply(
    actor: Membership,
    kpi: Kpi,
    by_period: dict[dt.date, dict[str, Any]],
    source: str,
    at: dt.datetime,
) -> UpsertResult:
    existing = {
        m.period: m
        for m in Measurement.objects.select_for_update().filter(kpi=kpi, period__in=by_period)
    }
    created: list[Measurement] = []
    replaced: list[Measurement] = []
    changes: list[dict[str, Any]] = []
    unchanged = 0
    for period, row in sorted(by_period.items()):
        old = existing.get(period)
        if old is None:
            created.append(
                Measurement(
                    organization_id=kpi.organization_id,
                    kpi=kpi,
                    period=period,
                    value=row["value"],
                    note=row["note"],
                    source=source,
                    recorded_by=actor,
                    recorded_at=at,
                )
            )
            changes.append(
                {"period": period.isoformat(), "before": None, "after": str(row["value"])}
            )
        elif old.value == row["value"] and old.note == row["note"]:
            unchanged += 1
        else:
            changes.append(
                {"period": period.isoformat(), "before": str(old.value), "after": str(row["value"])}
            )
            old.value, old.note, old.source = row["value"], row["note"], source
            old.recorded_by, old.recorded_at = actor, at
            replaced.append(old)
    Measurement.objects.bulk_create(created, batch_size=1000)
    Measurement.objects.bulk_update(
        replaced, ["value", "note", "source", "recorded_by", "recorded_at"], batch_size=1000
    )
    if changes:
        audit.record(
            organization_id=kpi.organization_id,
            actor_id=actor.user_id,
            action="measurement.upsert",
            instance=kpi,
            after={"changes": changes},
            at=at,
        )
        values_changed(kpi, at)
    return UpsertResult(created=len(created), replaced=len(replaced), unchanged=unchanged)


def values_changed(kpi: Kpi, at: dt.datetime) -> None:
    """What follows new, corrected or deleted values, inside the writing transaction.

    Every path that changes a KPI's values (upserts, deletions, imports, events, pulls) ends
    here, so key results that follow the KPI and its health and alert state stay current.
    """
    # Imported here: the OKR services import KPI models, and KPIs must not need OKRs to load.
    from headway.okrs.from_kpis import follow_kpi

    follow_kpi(kpi, at)


@transaction.atomic
def delete_measurement(*, actor: Membership, measurement: Measurement) -> None:
    if not permissions.can_edit_kpi(actor, measurement.kpi):
        raise PermissionDenied("you may not delete values of this KPI")
    audit.record(
        organization_id=measurement.organization_id,
        actor_id=actor.user_id,
        action="measurement.delete",
        instance=measurement,
        before=audit.snapshot(measurement),
    )
    measurement.delete()
    values_changed(measurement.kpi, timezone.now())


@transaction.atomic
def create_benchmark(
    *,
    actor: Membership,
    kpi: Kpi,
    name: str,
    value: Any,
    source: str = "",
    observed_on: dt.date | None = None,
) -> Benchmark:
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not add benchmarks to this KPI")
    problems = Problems()
    name = problems.check(to_text, name, "name", max_length=200) or ""
    if name and Benchmark.objects.filter(kpi=kpi, name=name).exists():
        problems.add("name", f"this KPI already has a benchmark named {name!r}")
    clean_value = problems.check(to_value, value, "value")
    problems.raise_any()
    benchmark = Benchmark.objects.create(
        organization_id=kpi.organization_id,
        kpi=kpi,
        name=name,
        value=clean_value,
        source=(source or "")[:300],
        observed_on=observed_on,
    )
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="benchmark.create",
        instance=benchmark,
        after=audit.snapshot(benchmark),
    )
    return benchmark


@transaction.atomic
def delete_benchmark(*, actor: Membership, benchmark: Benchmark) -> None:
    if not permissions.can_edit_kpi(actor, benchmark.kpi):
        raise PermissionDenied("you may not delete benchmarks of this KPI")
    audit.record(
        organization_id=benchmark.organization_id,
        actor_id=actor.user_id,
        action="benchmark.delete",
        instance=benchmark,
        before=audit.snapshot(benchmark),
    )
    benchmark.delete()
