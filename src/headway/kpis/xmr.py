"""A KPI's process behaviour (XmR) chart: from stored values and re-baselines to the core's maths.

Reads: :func:`load` (two queries) or :func:`build` over values a page already holds plus
:func:`baselines_of` (one query). :func:`as_dict` is what the API and ``headway kpi xmr --format
json`` print, so both give the same figures. Writes: :func:`rebaseline` and
:func:`undo_rebaseline`, each audited in its own transaction.

A re-baseline row starts a segment at its period. Values can be deleted after the fact, so a row
whose period lost its value starts at the next measured period; a row after the last value waits
for one; where two rows land on the same value the later one wins.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from headway.audit import services as audit
from headway.core.periods import Cadence, period_start
from headway.core.xmr import (
    DEFAULT_BASELINE,
    MAX_BASELINE,
    MIN_BASELINE,
    Baseline,
    Segment,
    Signal,
    XmrChart,
    xmr,
)
from headway.errors import Problems, ValidationFailed, to_date, to_text
from headway.kpis.formatting import NO_VALUE, number, period_label
from headway.kpis.health import thresholds
from headway.kpis.models import Kpi, Measurement, XmrBaseline
from headway.orgs import permissions
from headway.orgs.models import Membership

Points = Sequence[tuple[dt.date, Decimal]]
DASH = " \u2013 "  # an en dash between two periods
VALUE_PLACES = 4  # headway.fields.value_field


@dataclass(frozen=True, slots=True)
class XmrSegment:
    """A segment of the chart with the periods it spans and the re-baseline that started it."""

    index: int
    segment: Segment
    starts_on: dt.date
    ends_on: dt.date
    baseline_ends_on: dt.date  # the last period the limits come from
    locked_since: dt.date | None  # the period that filled the baseline; None while provisional
    row: XmrBaseline | None  # None: the default baseline of the first values


@dataclass(frozen=True, slots=True)
class KpiXmr:
    kpi: Kpi
    periods: tuple[dt.date, ...]
    chart: XmrChart
    segments: tuple[XmrSegment, ...]
    baselines: tuple[XmrBaseline, ...]  # every re-baseline of the KPI, oldest first

    @property
    def current(self) -> XmrSegment | None:
        return self.segments[-1] if self.segments else None

    @property
    def has_limits(self) -> bool:
        """Some segment has limits (a re-baseline may have just started one with one value)."""
        return any(part.segment.limits is not None for part in self.segments)

    def label(self, index: int) -> str:
        return period_label(self.periods[index], self.kpi.cadence)

    def moving_range(self, index: int) -> float | None:
        """The moving range as the stored values give it: 2.6 - 2.5 is 0.1, not 0.10000000000000009.

        Values carry four decimals, so their differences do too.
        """
        found = self.chart.moving_ranges[index]
        return None if found is None else round(found, VALUE_PLACES)


def baselines_of(kpi: Kpi) -> list[XmrBaseline]:
    """The KPI's re-baselines with who made them, oldest first (one query)."""
    return list(
        XmrBaseline.objects.filter(organization_id=kpi.organization_id, kpi=kpi)
        .select_related("created_by__user")
        .order_by("starts_on", "id")
    )


def build(kpi: Kpi, points: Points, baselines: Sequence[XmrBaseline]) -> KpiXmr:
    """The chart of ``points`` (period, value; oldest first) under ``baselines``; no queries."""
    periods = tuple(period for period, _ in points)
    starts: dict[int, XmrBaseline] = {}
    for row in sorted(baselines, key=lambda b: b.starts_on):
        index = bisect.bisect_left(periods, row.starts_on)
        if index < len(periods):
            starts[index] = row
    judged_by = thresholds(kpi)  # the direction and the range judge the signals
    chart = xmr(
        [float(value) for _, value in points],
        [Baseline(start=index, size=row.size) for index, row in sorted(starts.items())],
        direction=judged_by.direction,
        range_low=judged_by.range_low,
        range_high=judged_by.range_high,
    )
    segments = tuple(
        XmrSegment(
            index=i,
            segment=s,
            starts_on=periods[s.start],
            ends_on=periods[s.end - 1],
            baseline_ends_on=periods[s.start + s.used - 1],
            locked_since=None if s.locked_at is None else periods[s.locked_at],
            row=starts.get(s.start),
        )
        for i, s in enumerate(chart.segments)
    )
    return KpiXmr(
        kpi=kpi, periods=periods, chart=chart, segments=segments, baselines=tuple(baselines)
    )


def load(kpi: Kpi) -> KpiXmr:
    """The KPI's whole chart from the database, in two queries."""
    points = list(
        Measurement.objects.filter(organization_id=kpi.organization_id, kpi=kpi)
        .order_by("period")
        .values_list("period", "value")
    )
    return build(kpi, points, baselines_of(kpi))


# --- as data: the API and the CLI -------------------------------------------------------------

LIMIT_FIELDS = {
    "centre_line": "centre",
    "mr_bar": "mr_bar",
    "unpl": "unpl",
    "lnpl": "lnpl",
    "url": "url",
    "upper_halfway": "upper_halfway",
    "lower_halfway": "lower_halfway",
}


def _limits(part: XmrSegment | None) -> dict[str, float | None]:
    found = part.segment.limits if part is not None else None
    return {key: None if found is None else getattr(found, f) for key, f in LIMIT_FIELDS.items()}


def _baseline(part: XmrSegment) -> dict[str, Any]:
    row, s = part.row, part.segment
    return {
        "id": row.pk if row else None,
        "starts_on": part.starts_on,
        "size": s.size,
        "points": s.used,
        "ends_on": part.baseline_ends_on,
        "provisional": s.provisional,
        "locked_since": part.locked_since,
        "note": row.note if row else "",
        "created_by_id": row.created_by_id if row else None,
        "created_by": row.created_by.display_name if row and row.created_by else None,
        "created_at": row.created_at if row else None,
    }


def as_dict(result: KpiXmr) -> dict[str, Any]:
    """The chart as plain data: the current limits, every segment and every point."""
    chart = result.chart
    current = result.current
    counts = {label.value: 0 for label in Signal}
    for label in chart.signal:
        if label is not None:
            counts[label.value] += 1
    return {
        "kpi_id": result.kpi.pk,
        "kpi_key": result.kpi.key,
        "direction": result.kpi.direction,
        **_limits(current),
        "baseline": _baseline(current) if current else None,
        "segments": [
            {
                "index": part.index,
                "starts_on": part.starts_on,
                "ends_on": part.ends_on,
                **_limits(part),
                "baseline": _baseline(part),
            }
            for part in result.segments
        ],
        "signals": counts,
        "summary": summary(result),
        "points": [
            {
                "period": period,
                "value": value,
                "moving_range": moving_range,
                "rules": list(rules),
                "signal": None if label is None else label.value,
                "segment": segment,
            }
            for period, value, moving_range, rules, label, segment in zip(
                result.periods,
                chart.values,
                (result.moving_range(i) for i in range(len(chart))),
                chart.rules,
                chart.signal,
                chart.segment_of,
                strict=True,
            )
        ],
    }


# --- in words ---------------------------------------------------------------------------------

# How many stretches of signals the summary names per kind before it says "and N more".
NAMED = 3


def _reason(result: KpiXmr, index: int) -> str:
    """Why a point signals, by its strongest rule."""
    chart = result.chart
    limits = result.segments[chart.segment_of[index]].segment.limits
    assert limits is not None  # only points in segments with limits signal
    value, rules = chart.values[index], chart.rules[index]
    if chart.beyond_limits[index]:
        return "above the upper limit" if value > limits.unpl else "below the lower limit"
    if 1 in rules:
        way = "up" if value > chart.values[index - 1] else "down"
        return f"a jump {way} beyond the range limit"
    if 2 in rules:
        side = "upper" if value > limits.centre else "lower"
        return f"3 of 4 beyond the {side} halfway line"
    side = "above" if value > limits.centre else "below"
    return f"a run of 8 or more {side} the centre line"


def _stretches(result: KpiXmr, indices: list[int]) -> list[str]:
    """Consecutive points with the same reason read as one stretch, newest first."""
    runs: list[tuple[int, int, str]] = []
    for index in indices:
        reason = _reason(result, index)
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == reason:
            runs[-1] = (runs[-1][0], index, reason)
        else:
            runs.append((index, index, reason))
    texts = []
    for first, last, reason in reversed(runs):
        when = result.label(first)
        if last != first:
            when = f"{when}{DASH}{result.label(last)}"
        texts.append(f"{when} {reason}")
    return texts


def summary(result: KpiXmr) -> str:
    """The signals in a sentence: "3 signals: 1 concern (Oct 2026 above the upper limit), ..."."""
    if not result.has_limits:
        return "Not enough values yet: limits need at least two."
    by_label: dict[Signal, list[int]] = defaultdict(list)
    for index, label in enumerate(result.chart.signal):
        if label is not None:
            by_label[label].append(index)
    total = sum(len(v) for v in by_label.values())
    if not total:
        return "No signals: every value is within its limits, so the variation is routine."
    parts = []
    for label in (Signal.CONCERN, Signal.IMPROVEMENT):
        indices = by_label.get(label, [])
        if not indices:
            continue
        stretches = _stretches(result, indices)
        named = "; ".join(stretches[:NAMED])
        if len(stretches) > NAMED:
            named += f"; and {len(stretches) - NAMED} more"
        word = label.value if len(indices) == 1 else f"{label.value}s"
        parts.append(f"{len(indices)} {word} ({named})")
    return f"{total} signal{'s' if total != 1 else ''}: {', '.join(parts)}."


def describe_baseline(result: KpiXmr, part: XmrSegment) -> str:
    """One segment's baseline in words, for the page and the CLI."""
    s, cadence = part.segment, result.kpi.cadence
    text = f"From {period_label(part.starts_on, cadence)}: "
    if s.limits is None:
        text += "one value so far, no limits yet"
    else:
        first, last = part.starts_on, part.baseline_ends_on
        span = f"{period_label(first, cadence)}{DASH}{period_label(last, cadence)}"
        if s.used == s.size:
            which = f"the first {s.used} values"
        else:
            which = f"its {s.used} values" if s.closed else f"all {s.used} values so far"
        text += f"limits from {which} ({span})"
        if part.locked_since is not None:
            text += f", locked since {period_label(part.locked_since, cadence)}"
    if s.provisional:
        text += f"; provisional: they move with each new value until there are {s.size}"
    row = part.row
    if row is not None:
        who = row.created_by.display_name if row.created_by else "a former member"
        when = timezone.localtime(row.created_at)
        text += f". Re-baselined by {who} on {when.day} {when:%b %Y}"
        if row.note:
            text += f" ({row.note})"
    return text + "."


def limits_text(value: float | None) -> str:
    """A limit for people: two decimals at most."""
    if value is None:
        return NO_VALUE
    return number(round(Decimal(repr(value)), 2))


# --- writes -----------------------------------------------------------------------------------


def _size(raw: Any) -> int:
    message = f"must be a whole number from {MIN_BASELINE} to {MAX_BASELINE}"
    if isinstance(raw, bool):
        raise ValidationFailed({"size": message})
    try:
        size = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise ValidationFailed({"size": message}) from None
    if not MIN_BASELINE <= size <= MAX_BASELINE:
        raise ValidationFailed({"size": f"{message}, got {size}"})
    return size


@transaction.atomic
def rebaseline(
    *,
    actor: Membership,
    kpi: Kpi,
    starts_on: Any,
    size: Any = DEFAULT_BASELINE,
    note: Any = "",
    at: dt.datetime | None = None,
) -> XmrBaseline:
    """Start a new baseline at a measured period: its first ``size`` values set new limits.

    Any day of the period names it, as for values. The limits before it stay as they were.
    """
    if not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied("you may not re-baseline this KPI")
    problems = Problems()
    day = problems.check(to_date, starts_on, "starts_on")
    period = None if day is None else period_start(day, Cadence(kpi.cadence))
    if period is not None:
        label = period_label(period, kpi.cadence)
        if not Measurement.objects.filter(kpi=kpi, period=period).exists():
            problems.add("starts_on", f"{label} has no value; a baseline starts at a measured one")
        elif XmrBaseline.objects.filter(kpi=kpi, starts_on=period).exists():
            problems.add("starts_on", f"a baseline already starts in {label}")
    clean_size = problems.check(_size, size)
    clean_note = problems.check(to_text, note, "note", max_length=2000, required=False)
    problems.raise_any()
    assert period is not None and clean_size is not None
    at = at or timezone.now()
    try:
        with transaction.atomic():
            baseline = XmrBaseline.objects.create(
                organization_id=kpi.organization_id,
                kpi=kpi,
                starts_on=period,
                size=clean_size,
                note=clean_note or "",
                created_by=actor,
                created_at=at,
            )
    except IntegrityError:
        # Someone else re-baselined the same period in the meantime.
        raise ValidationFailed(
            {"starts_on": f"a baseline already starts in {period_label(period, kpi.cadence)}"}
        ) from None
    audit.record(
        organization_id=kpi.organization_id,
        actor_id=actor.user_id,
        action="xmr_baseline.create",
        instance=baseline,
        after=audit.snapshot(baseline),
        at=at,
    )
    return baseline


@transaction.atomic
def undo_rebaseline(
    *, actor: Membership, baseline: XmrBaseline, at: dt.datetime | None = None
) -> None:
    """Remove a re-baseline: its values go back to the limits of the segment before it."""
    if not permissions.can_edit_kpi(actor, baseline.kpi):
        raise PermissionDenied("you may not re-baseline this KPI")
    audit.record(
        organization_id=baseline.organization_id,
        actor_id=actor.user_id,
        action="xmr_baseline.delete",
        instance=baseline,
        before=audit.snapshot(baseline),
        at=at,
    )
    baseline.delete()
