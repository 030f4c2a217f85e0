"""Writes to KPIs: definitions, measurements (idempotent per period) and benchmarks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from headway.audit import services as audit
from headway.core.alerts import AlertLevel
from headway.core.periods import Cadence as CoreCadence
from headway.core.periods import period_start
from headway.errors import (
    Problems,
    ValidationFailed,
    to_choice,
    to_date,
    to_text,
    to_value,
    unstorable,
)
from headway.kpis import alerts, bulk
from headway.kpis.bulk import PeriodRow, Row
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
    "alert_level",
    "alert_after",
    "resolve_after",
    "repeat_hours",
    "notify_no_data",
]


KPI_CHOICES = {
    "direction": KpiDirection.values,
    "cadence": Cadence.values,
    "aggregation": Aggregation.values,
    "alert_level": [level.value for level in AlertLevel],
}
# The alert policy's counts and their bounds: a streak of at least one period, and a repeat
# interval of at most a year of hours (0: never).
ALERT_COUNTS = {"alert_after": (1, 1000), "resolve_after": (1, 1000), "repeat_hours": (0, 8760)}


def _to_count(raw: Any, field: str, low: int, high: int) -> int:
    if isinstance(raw, bool) or raw is None:
        raise ValidationFailed({field: "must be a whole number"})
    try:
        value = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise ValidationFailed({field: f"must be a whole number, not {str(raw)[:40]!r}"}) from None
    if value < low:
        raise ValidationFailed({field: f"must be at least {low}"})
    if value > high:
        raise ValidationFailed({field: f"must be at most {high}"})
    return value


def _to_flag(raw: Any, field: str) -> bool:
    if not isinstance(raw, bool):
        raise ValidationFailed({field: "must be true or false"})
    return raw


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
            clean[field] = problems.check(to_choice, data[field], field, choices)
    for field in Kpi.VALUE_FIELDS:
        if field in data:
            clean[field] = (
                None if data[field] is None else problems.check(to_value, data[field], field)
            )
    for field, (least, most) in ALERT_COUNTS.items():
        if field in data:
            clean[field] = problems.check(_to_count, data[field], field, least, most)
    if "notify_no_data" in data:
        clean["notify_no_data"] = problems.check(_to_flag, data["notify_no_data"], "notify_no_data")
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
    # The API and OKR files get the web page's rule: admins and leads create KPIs.
    if not permissions.can_create_kpi(actor) or not permissions.can_edit_kpi(actor, kpi):
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
    clean = _clean_kpi(actor, data, kpi)
    for field, value in clean.items():
        setattr(kpi, field, value)
    if ("owner_team" in clean or "owner" in clean) and not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not hand this KPI to that owner")
    # Only what was edited: a full save would write back an alert state the worker may have
    # moved on since this KPI was read.
    kpi.save(update_fields=[*clean, "updated_at"])
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="kpi.update",
        instance=kpi,
        before=before,
        after=audit.snapshot(kpi, KPI_FIELDS),
    )
    # New thresholds or a new alert policy can change the health and the alert state at once.
    alerts.evaluate_kpi(kpi, timezone.now())
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


# Numbers strictly inside this bound fit the value columns (16 digits before the point) with room
# to spare, whatever float rounding does at the edge.
_FAST_LIMIT = 1e15
_PLACES = Decimal("0.0001")
# A note longer than this is cut.
NOTE_LENGTH = 2_000


def _clean_rows(
    kpi: Kpi, rows: Iterable[tuple[int, Mapping[str, Any]]]
) -> tuple[dict[dt.date, Row], dict[str, str]]:
    """Rows keyed by period start; errors named ``measurements[i].field`` by original index.

    Bulk ingestion spends much of its time here, so the common case (an ISO date, a number that
    fits, no note) takes a short path, and anything else goes through the full checks that name
    the problem. A row is read once: the API's models only check the JSON types.
    """
    cadence = CoreCadence(kpi.cadence)
    daily = cadence is CoreCadence.DAY
    errors: dict[str, str] = {}
    by_period: dict[dt.date, Row] = {}
    # Period starts by the text sent (for daily KPIs the date is the start: nothing to cache).
    starts: dict[str, dt.date] = {}
    iso_day, decimal, places, limit = dt.date.fromisoformat, Decimal, _PLACES, _FAST_LIMIT
    for index, row in rows:
        raw = row.get("period")
        start: dt.date | None = None
        if type(raw) is str:
            start = starts.get(raw)
            if start is None and len(raw) == 10:
                try:
                    start = iso_day(raw)
                except ValueError:
                    pass
                else:
                    if not daily:
                        start = starts[raw] = period_start(start, cadence)
        if start is None:
            try:
                start = to_date(raw, "period")
            except ValidationFailed as exc:
                errors[f"measurements[{index}].period"] = exc.errors["period"]
                continue
            if not daily:
                start = period_start(start, cadence)
        number: Any = row.get("value")
        kind = type(number)
        if (kind is float or kind is int) and -limit < number < limit:
            # Finite (NaN fails the comparison) and well inside the column: no check can fail.
            value = decimal(repr(number) if kind is float else number).quantize(places)
        else:
            try:
                value = to_value(number, "value")
            except ValidationFailed as exc:
                errors[f"measurements[{index}].value"] = exc.errors["value"]
                continue
        note = row.get("note")
        if note:
            note = note[:NOTE_LENGTH] if type(note) is str else str(note)[:NOTE_LENGTH]
            if "\x00" in note:
                # PostgreSQL text cannot hold NUL (as for ``to_text``).
                errors[f"measurements[{index}].note"] = "must not contain NUL characters"
                continue
        else:
            note = ""
        # Within a batch the last value sent for a period wins.
        by_period[start] = (value, note)
    return by_period, errors


def _check_source(source: str) -> None:
    if source not in MeasurementSource.values:
        raise ValidationFailed({"source": f"must be one of {', '.join(MeasurementSource.values)}"})


@transaction.atomic
def upsert_measurements(
    *,
    actor: Membership,
    kpi: Kpi,
    rows: Sequence[Mapping[str, Any]],
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
    return record_values(
        kpi=kpi, rows=rows, recorded_by=actor, source=source, at=at or timezone.now()
    )


@transaction.atomic
def record_values(
    *,
    kpi: Kpi,
    rows: Sequence[Mapping[str, Any]],
    recorded_by: Membership | None,
    source: str,
    at: dt.datetime,
) -> UpsertResult:
    """:func:`upsert_measurements` without its checks of who writes and from where.

    For callers that made their own: a data source's run writes on behalf of whoever set it up.
    """
    by_period, errors = _clean_rows(kpi, enumerate(rows))
    if errors:
        raise ValidationFailed(errors)
    writer = MeasurementWriter(recorded_by=recorded_by, source=source, at=at)
    writer.write(kpi, by_period)
    return writer.finish()


@transaction.atomic
def upsert_many(
    *,
    actor: Membership,
    rows: Sequence[Mapping[str, Any]],
    source: str = MeasurementSource.API,
    at: dt.datetime | None = None,
) -> UpsertResult:
    """Values for several KPIs (rows name the KPI key in ``kpi``); all or nothing."""
    grouped: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for index, row in enumerate(rows):
        grouped.setdefault(row["kpi"], []).append((index, row))
    # A key with a NUL or a lone surrogate names no KPI, and PostgreSQL would refuse to compare
    # it: it is left out of the query and reported as unknown below.
    keys = [key for key in grouped if unstorable(key) is None]
    kpis = Kpi.objects.filter(organization_id=actor.organization_id, key__in=keys)
    by_key = {kpi.key: kpi for kpi in kpis}
    if len(by_key) < len(grouped):
        raise ValidationFailed(
            {
                f"measurements[{index}].kpi": f"no KPI with key {row['kpi']!r} in this organization"
                for index, row in enumerate(rows)
                if row["kpi"] not in by_key
            }
        )
    _check_source(source)
    cleaned: list[tuple[Kpi, dict[dt.date, Row]]] = []
    errors: dict[str, str] = {}
    for key, indexed in grouped.items():
        kpi = by_key[key]
        if not permissions.can_edit_kpi(actor, kpi):
            raise PermissionDenied(f"you may not record values for KPI {key!r}")
        by_period, row_errors = _clean_rows(kpi, indexed)
        errors.update(row_errors)
        cleaned.append((kpi, by_period))
    if errors:
        raise ValidationFailed(errors)
    writer = MeasurementWriter(recorded_by=actor, source=source, at=at or timezone.now())
    writer.lock(kpi for kpi, _ in cleaned)
    for kpi, by_period in cleaned:
        writer.write(kpi, by_period)
    return writer.finish()


@dataclass(slots=True)
class _Touched:
    """The periods of one KPI that a writer touched: as they were before it, and as it left them."""

    kpi: Kpi
    before: dict[dt.date, Row | None]
    now: dict[dt.date, Row | None]


class MeasurementWriter:
    """Upserts cleaned values of any number of KPIs, in the caller's transaction.

    ``write`` may be called many times (an import writes its file in chunks); ``finish`` then
    counts created, replaced and unchanged periods as one batch would, records one audit entry per
    KPI with every change, and calls ``values_changed`` once per KPI that changed. Rows whose
    value and note are already stored are not written again.
    """

    def __init__(self, *, recorded_by: Membership | None, source: str, at: dt.datetime) -> None:
        self.recorded_by = recorded_by
        self.source = source
        self.at = at
        self._touched: dict[int, _Touched] = {}

    def lock(self, kpis: Iterable[Kpi]) -> None:
        """Take the KPIs' row locks, so concurrent writers of one KPI count and audit exactly."""
        new = {kpi.pk: kpi for kpi in kpis if kpi.pk not in self._touched}
        if not new:
            return
        if connection.features.has_select_for_update:
            # In id order, so two writers of the same KPIs never wait on each other in a cycle.
            # "No key": rows that merely refer to the KPI (foreign-key checks) are not held up.
            list(
                Kpi.objects.select_for_update(no_key=True)
                .filter(pk__in=new)
                .order_by("pk")
                .values("pk")
            )
        for pk, kpi in new.items():
            self._touched[pk] = _Touched(kpi, {}, {})

    def write(self, kpi: Kpi, by_period: dict[dt.date, Row]) -> None:
        self.lock([kpi])
        touched = self._touched[kpi.pk]
        before, now = touched.before, touched.now
        # Only the periods this writer has not seen yet are read: the stored values of the
        # batch's periods, compared in one pass.
        unseen = (
            [period for period in by_period if period not in before] if before else [*by_period]
        )
        stored = bulk.read_rows(kpi.pk, unseen).get
        new: list[PeriodRow] = []
        changed: list[PeriodRow] = []
        for period, row in by_period.items():
            if period in before:
                old = now[period]
            else:
                old = before[period] = stored(period)
            if old is None:
                new.append((period, row[0], row[1]))
                now[period] = row
            elif old != row:
                changed.append((period, row[0], row[1]))
                now[period] = row
            else:
                now[period] = old
        who = self.recorded_by.pk if self.recorded_by else None
        for write, rows in ((bulk.insert_new_rows, new), (bulk.replace_rows, changed)):
            write(
                organization_id=kpi.organization_id,
                kpi_id=kpi.pk,
                rows=rows,
                source=self.source,
                recorded_by_id=who,
                at=self.at,
            )

    def finish(self) -> UpsertResult:
        created = replaced = unchanged = 0
        for touched in self._touched.values():
            changes: list[dict[str, Any]] = []
            new: list[tuple[dt.date, Row]] = []
            for period in sorted(touched.before):
                before, after = touched.before[period], touched.now[period]
                if before == after:
                    unchanged += 1
                    continue
                assert after is not None  # a writer only ever stores values
                if before is None:
                    new.append((period, after))
                    continue
                changes.append(
                    {"period": period.isoformat(), "before": str(before[0]), "after": str(after[0])}
                )
            created += len(new)
            replaced += len(changes)
            if changes or new:
                kpi = touched.kpi
                audit.record(
                    organization_id=kpi.organization_id,
                    actor_id=self.recorded_by.user_id if self.recorded_by else None,
                    action="measurement.upsert",
                    instance=kpi,
                    after={**_audited_changes(changes, new), "source": self.source},
                    at=self.at,
                )
                values_changed(kpi, self.at)
        self._touched.clear()
        return UpsertResult(created=created, replaced=replaced, unchanged=unchanged)


# New values beyond this many are summed up in the audit entry rather than listed: the values
# themselves are in the measurements table, with who sent them and when. Replaced values are
# always listed, since the audit log is the only place their old value survives.
AUDIT_NEW_LISTED = 100


def _audited_changes(
    replaced: list[dict[str, Any]], new: list[tuple[dt.date, Row]]
) -> dict[str, Any]:
    """The audit entry's record of an upsert; ``new`` is in period order."""
    if len(new) > AUDIT_NEW_LISTED:
        first, last = new[0][0].isoformat(), new[-1][0].isoformat()
        return {"changes": replaced, "new": {"count": len(new), "first": first, "last": last}}
    listed = [
        {"period": period.isoformat(), "before": None, "after": str(row[0])} for period, row in new
    ]
    return {"changes": sorted([*replaced, *listed], key=lambda c: c["period"])}


def values_changed(kpi: Kpi, at: dt.datetime) -> None:
    """What follows new, corrected or deleted values, inside the writing transaction.

    Every path that changes a KPI's values (upserts, deletions, imports, events, pulls) ends
    here, so key results that follow the KPI and its health and alert state stay current.
    """
    # Imported here: the OKR services import KPI models, and KPIs must not need OKRs to load.
    from headway.okrs.from_kpis import follow_kpi

    follow_kpi(kpi, at)
    # Judged at the clock's now, not at ``at``: a write may be dated in the past, and whether
    # data stopped coming is a question about today.
    alerts.evaluate_kpi(kpi, timezone.now())


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
