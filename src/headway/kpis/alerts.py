"""Evaluating KPIs: their health and alert state are stored, with the history of changes, and
the notifications an alert's transitions call for are written to the outbox.

A KPI is evaluated whenever its values change (inside the writing transaction) and every few
minutes by the worker (``evaluate_all``), which is what notices data that stopped coming and
alerts due for a repeat. The state machine itself is ``headway.core.alerts``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from headway.core import alerts as core
from headway.core.health import Health, closed_periods, health
from headway.core.periods import Cadence as CoreCadence
from headway.kpis import notify
from headway.kpis.health import explain, thresholds
from headway.kpis.models import AlertChannel, HealthChange, Kpi, Measurement, Notification
from headway.kpis.selectors import HISTORY_DAYS

logger = logging.getLogger(__name__)

Points = list[tuple[dt.date, Decimal]]

# KPIs read per batch by the periodic evaluation, in three or four queries a batch.
BATCH = 500
# What an evaluation writes on the KPI; a user's edit never does.
EVALUATED_FIELDS = [
    "health",
    "health_since",
    "alert_state",
    "alert_state_since",
    "alert_notified_at",
    "evaluated_at",
]


def policy(kpi: Kpi) -> core.Policy:
    return core.Policy(
        level=core.AlertLevel(kpi.alert_level),
        alert_after=max(kpi.alert_after, 1),
        resolve_after=max(kpi.resolve_after, 1),
        repeat_every=dt.timedelta(hours=kpi.repeat_hours) if kpi.repeat_hours else None,
        notify_no_data=kpi.notify_no_data,
    )


def _load_points(kpi_ids: Sequence[int], today: dt.date) -> dict[int, Points]:
    """Each KPI's values of the window the pages judge health on (``HISTORY_DAYS``).

    A KPI with values but none in the window gets its latest one, so that it reads stale
    rather than "no status" however long ago its data stopped.
    """
    points: dict[int, Points] = {pk: [] for pk in kpi_ids}
    if not points:
        return points
    rows = (
        Measurement.objects.filter(
            kpi_id__in=list(points), period__gte=today - dt.timedelta(days=HISTORY_DAYS)
        )
        .order_by("kpi_id", "period")
        .values_list("kpi_id", "period", "value")
    )
    for kpi_id, period, value in rows:
        points[kpi_id].append((period, value))
    empty = [pk for pk, found in points.items() if not found]
    if empty:
        latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-period")
        for pk, period, value in (
            Kpi.objects.filter(pk__in=empty)
            .annotate(
                latest_period=Subquery(latest.values("period")[:1]),
                latest_value=Subquery(latest.values("value")[:1]),
            )
            .filter(latest_period__isnull=False)
            .values_list("pk", "latest_period", "latest_value")
        ):
            points[pk].append((period, value))
    return points


@dataclass(frozen=True)
class Evaluation:
    health: Health
    # The period (and its value) that decided the health; none when stale or without status.
    period: dt.date | None
    value: Decimal | None
    step: core.Step

    def changes(self, kpi: Kpi) -> bool:
        """Whether storing this evaluation changes more than ``evaluated_at``."""
        return (
            self.step.event is not None
            or self.health != kpi.health
            or self.step.state != kpi.alert_state
            or self.step.since != kpi.alert_state_since
            or self.step.notified_at != kpi.alert_notified_at
        )


def _evaluate(kpi: Kpi, points: Points, now: dt.datetime) -> Evaluation:
    today = timezone.localdate(now)
    cadence = CoreCadence(kpi.cadence)
    limits = thresholds(kpi)
    floats = [(period, float(value)) for period, value in points]
    status = health(floats, cadence=cadence, thresholds=limits, today=today)
    closed = closed_periods(floats, cadence=cadence, thresholds=limits, today=today)
    alert_policy = policy(kpi)
    step = core.step(
        core.AlertState(kpi.alert_state),
        kpi.alert_state_since,
        kpi.alert_notified_at,
        core.observe(status, closed, alert_policy),
        alert_policy,
        now,
    )
    period = value = None
    if status not in (Health.STALE, Health.UNKNOWN) and points:
        # The latest closed period decides; with none closed yet, the open one does.
        period = closed[-1].period if closed else max(points)[0]
        value = dict(points)[period]
    return Evaluation(status, period, value, step)


@transaction.atomic
def evaluate_kpi(kpi: Kpi, now: dt.datetime) -> Evaluation:
    """Evaluate one KPI at ``now`` and store the result; the caller's ``kpi`` is updated too.

    The KPI's row is locked first, so two evaluations at once (a write and the worker) take
    turns and the second sees the first's state instead of announcing the same change again.
    """
    locked = Kpi.objects.select_for_update().get(pk=kpi.pk)
    points = _load_points([locked.pk], timezone.localdate(now))[locked.pk]
    evaluation = _evaluate(locked, points, now)
    _store(locked, evaluation, points, now)
    for field in EVALUATED_FIELDS:
        setattr(kpi, field, getattr(locked, field))
    return evaluation


def _store(kpi: Kpi, evaluation: Evaluation, points: Points, now: dt.datetime) -> None:
    if evaluation.health != kpi.health:
        HealthChange.objects.create(
            organization_id=kpi.organization_id,
            kpi=kpi,
            changed_at=now,
            before=kpi.health,
            after=evaluation.health,
            period=evaluation.period,
            value=evaluation.value,
        )
        kpi.health, kpi.health_since = evaluation.health.value, now
    step = evaluation.step
    kpi.alert_state, kpi.alert_state_since = step.state.value, step.since
    kpi.alert_notified_at = step.notified_at
    kpi.evaluated_at = now
    kpi.save(update_fields=EVALUATED_FIELDS)
    if step.event is not None:
        _announce(kpi, evaluation, points, now)


def channels_for(kpi: Kpi) -> list[AlertChannel]:
    """The enabled channels of the KPI's organization that cover it (no KPIs chosen: all)."""
    chosen = AlertChannel.kpis.through.objects.filter(alertchannel_id=OuterRef("pk"))
    return list(
        AlertChannel.objects.filter(organization_id=kpi.organization_id, enabled=True)
        .filter(~Exists(chosen) | Exists(chosen.filter(kpi_id=kpi.pk)))
        .order_by("name", "id")
    )


def _announce(kpi: Kpi, evaluation: Evaluation, points: Points, now: dt.datetime) -> None:
    step = evaluation.step
    assert step.event is not None and step.key is not None
    channels = channels_for(kpi)
    if not channels:
        return
    subject, payload = notify.compose(
        kpi,
        event=step.event.value,
        state=step.state.value,
        state_since=step.since,
        health=evaluation.health,
        explanation=explain(kpi, points, timezone.localdate(now), evaluation.health),
        period=evaluation.period,
        value=evaluation.value,
        now=now,
    )
    # A channel that already has this announcement (from an imported log, say) gets no other.
    # The evaluation holds the KPI's lock: nothing else writes this key in the meantime.
    announced = set(
        Notification.objects.filter(kpi=kpi, dedupe_key=step.key).values_list(
            "channel_name", flat=True
        )
    )
    created = [
        notification.pk
        for notification in Notification.objects.bulk_create(
            Notification(
                organization_id=kpi.organization_id,
                kpi=kpi,
                channel=channel,
                channel_name=channel.name,
                dedupe_key=step.key,
                event=step.event.value,
                created_at=now,
                subject=subject[:300],
                payload=payload,
                next_attempt_at=now,
            )
            for channel in channels
            if channel.name not in announced
        )
    ]
    if created:
        # Sent after the commit: a rolled-back write announces nothing. Should the queue be
        # unreachable, the periodic ``deliver_due`` still picks them up.
        transaction.on_commit(lambda: _enqueue(created), robust=True)


def _enqueue(notification_ids: list[int]) -> None:
    from headway.kpis import tasks  # the tasks module imports this one

    for notification_id in notification_ids:
        tasks.deliver_notification(notification_id)


def evaluate_all(now: dt.datetime) -> int:
    """Evaluate every KPI of every organization; returns how many changed state or announced.

    KPIs are read in batches with their values (a fixed number of queries per batch); only the
    ones whose state moves are evaluated again one by one, locked, in their own transaction, so
    one KPI's failure does not hold up the others.
    """
    today = timezone.localdate(now)
    changed = 0
    last_pk = 0
    while True:
        batch = list(Kpi.objects.filter(pk__gt=last_pk).order_by("pk")[:BATCH])
        if not batch:
            return changed
        last_pk = batch[-1].pk
        points = _load_points([kpi.pk for kpi in batch], today)
        quiet = []
        for kpi in batch:
            try:
                moves = _evaluate(kpi, points[kpi.pk], now).changes(kpi)
                if moves:
                    evaluate_kpi(kpi, now)
            except Exception:
                logger.exception("evaluating KPI %s failed", kpi.pk)
                continue
            if moves:
                changed += 1
            else:
                quiet.append(kpi.pk)
        Kpi.objects.filter(pk__in=quiet).update(evaluated_at=now)


# --- what the KPI page shows -----------------------------------------------------------------


def _periods(n: int, cadence: str) -> str:
    """How many periods, as in "1 week" or "3 weeks": a cadence's value names its period."""
    return f"{n} {cadence}{'' if n == 1 else 's'}"


def _every(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return "week" if days == 7 else "day" if days == 1 else f"{days} days"
    return "hour" if hours == 1 else f"{hours} hours"


def policy_text(kpi: Kpi) -> list[str]:
    """The alert policy in words, one sentence per rule."""
    cadence = kpi.cadence
    bad = "critical (red)" if kpi.alert_level == core.AlertLevel.CRITICAL else "warning or critical"
    in_a_row = " in a row" if kpi.alert_after > 1 else ""
    return [
        f"An alert fires when the KPI is {bad} for {_periods(kpi.alert_after, cadence)}"
        f"{in_a_row}, counting closed periods only.",
        f"It resolves after {_periods(kpi.resolve_after, cadence)} that "
        f"{'is' if kpi.resolve_after == 1 else 'are'} not.",
        f"While it fires, it is repeated every {_every(kpi.repeat_hours)}."
        if kpi.repeat_hours
        else "A firing alert is announced once, not repeated.",
        f"No value for two {cadence}s is announced as missing data."
        if kpi.notify_no_data
        else f"No value for two {cadence}s sets the state to no data, silently.",
    ]


@dataclass(frozen=True)
class HealthRow:
    change: HealthChange
    before: Health
    after: Health


# The badge colour of each alert state, in the health badges' palette.
STATE_CLASS = {
    core.AlertState.NORMAL: "health-green",
    core.AlertState.PENDING: "health-amber",
    core.AlertState.ALERTING: "health-red",
    core.AlertState.RECOVERING: "health-amber",
    core.AlertState.NO_DATA: "health-stale",
}


@dataclass(frozen=True)
class AlertPanel:
    kpi: Kpi
    policy: list[str]
    changes: list[HealthRow]
    notifications: list[Notification]
    can_manage: bool = False  # whoever may change the alert channels

    @property
    def state_class(self) -> str:
        return STATE_CLASS.get(core.AlertState(self.kpi.alert_state), "health-unknown")


# The KPI page lists this many health changes and notifications, newest first.
PANEL_ROWS = 20


def alert_panel(kpi: Kpi, *, can_manage: bool = False, rows: int = PANEL_ROWS) -> AlertPanel:
    """The KPI page's Alerts section: state, policy, health history, notifications (2 queries)."""
    changes = list(
        HealthChange.objects.filter(organization_id=kpi.organization_id, kpi=kpi).order_by(
            "-changed_at", "-id"
        )[:rows]
    )
    notifications = list(
        Notification.objects.filter(organization_id=kpi.organization_id, kpi=kpi)
        .defer("payload")
        .order_by("-created_at", "-id")[:rows]
    )
    return AlertPanel(
        kpi=kpi,
        policy=policy_text(kpi),
        changes=[HealthRow(c, _health(c.before), _health(c.after)) for c in changes],
        notifications=notifications,
        can_manage=can_manage,
    )


def _health(value: str) -> Health:
    return Health(value) if value in _KNOWN_HEALTH else Health.UNKNOWN


_KNOWN_HEALTH = frozenset(health.value for health in Health)
