"""The KPI engine's rows in the organization file: alert policy and state, health history,
alert channels and their notification log, XmR baselines, raw events and data sources.

Export and import of these live together here so the two sides cannot drift apart; the KPI
itself and its measurements stay in ``_export`` and ``_import_okrs``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from headway.core.alerts import AlertEvent, AlertLevel, AlertState
from headway.core.health import Health
from headway.exchange import _read as r
from headway.exchange._common import date_out, dec_out, dt_out, label, max_length
from headway.kpis.choices import ChannelKind, DeliveryStatus, RunStatus, SourceKind
from headway.kpis.models import (
    AlertChannel,
    DataSource,
    HealthChange,
    Kpi,
    Notification,
    RawEvent,
    XmrBaseline,
)
from headway.kpis.sources.services import SOURCE_FIELDS

if TYPE_CHECKING:
    from headway.exchange._import import Importer

# Plain columns of a KPI's alerting policy and evaluated state, in file order.
POLICY_FIELDS = ("alert_level", "alert_after", "resolve_after", "repeat_hours", "notify_no_data")
STATE_STAMPS = ("health_since", "alert_state_since", "alert_notified_at", "evaluated_at")
KPI_KEYS = (
    *POLICY_FIELDS,
    "health",
    "alert_state",
    *STATE_STAMPS,
    "health_changes",
    "notifications",
    "xmr_baselines",
    "raw_events",
    "data_sources",
)
SMALL = 32767


# --- export -----------------------------------------------------------------------------------


class Exported:
    """Every KPI-engine row of one organization, read in one query per table."""

    def __init__(self, oid: int, member: dict[int, str], refs: dict[str, dict[int, str]]) -> None:
        self.member = member
        self.refs = refs
        self.channels = list(AlertChannel.objects.filter(organization_id=oid).order_by("name"))
        self.channel_name = {c.pk: c.name for c in self.channels}
        refs[label(AlertChannel)] = dict(self.channel_name)
        self.channel_kpis: dict[int, list[int]] = defaultdict(list)
        for channel_id, kpi_id in AlertChannel.kpis.through.objects.filter(
            alertchannel__organization_id=oid
        ).values_list("alertchannel_id", "kpi_id"):
            self.channel_kpis[channel_id].append(kpi_id)
        self.changes = _by_kpi(HealthChange.objects.filter(kpi__organization_id=oid), "changed_at")
        self.notifications = _by_kpi(
            Notification.objects.filter(kpi__organization_id=oid), "created_at"
        )
        self.baselines = _by_kpi(XmrBaseline.objects.filter(kpi__organization_id=oid), "starts_on")
        self.events = _by_kpi(RawEvent.objects.filter(kpi__organization_id=oid), "at")
        self.sources = _by_kpi(DataSource.objects.filter(kpi__organization_id=oid), "name")
        self.baseline_count = self.source_count = 0

    def kpi_fields(self, k: Kpi) -> dict[str, Any]:
        out: dict[str, Any] = {field: getattr(k, field) for field in POLICY_FIELDS}
        out["health"] = k.health
        out["alert_state"] = k.alert_state
        out.update((field, dt_out(getattr(k, field))) for field in STATE_STAMPS)
        out["health_changes"] = [
            {
                "changed_at": dt_out(c.changed_at),
                "before": c.before,
                "after": c.after,
                "period": date_out(c.period),
                "value": dec_out(c.value),
            }
            for c in self.changes[k.pk]
        ]
        out["notifications"] = [
            {
                "channel": self.channel_name.get(n.channel_id) if n.channel_id else None,
                "channel_name": n.channel_name,
                "event": n.event,
                "dedupe_key": n.dedupe_key,
                "created_at": dt_out(n.created_at),
                "subject": n.subject,
                "payload": n.payload,
                "status": n.status,
                "attempts": n.attempts,
                "next_attempt_at": dt_out(n.next_attempt_at),
                "delivered_at": dt_out(n.delivered_at),
                "last_error": n.last_error,
            }
            for n in self.notifications[k.pk]
        ]
        out["xmr_baselines"] = [self._baseline(b) for b in self.baselines[k.pk]]
        out["raw_events"] = [
            {"at": dt_out(e.at), "value": dec_out(e.value), "received_at": dt_out(e.received_at)}
            for e in self.events[k.pk]
        ]
        out["data_sources"] = [self._source(s) for s in self.sources[k.pk]]
        return out

    def _baseline(self, b: XmrBaseline) -> dict[str, Any]:
        self.baseline_count += 1
        self.refs[label(XmrBaseline)][b.pk] = ref = f"x{self.baseline_count}"
        return {
            "ref": ref,
            "starts_on": date_out(b.starts_on),
            "size": b.size,
            "note": b.note,
            "created_by": self.member.get(b.created_by_id) if b.created_by_id else None,
            "created_at": dt_out(b.created_at),
        }

    def _source(self, s: DataSource) -> dict[str, Any]:
        self.source_count += 1
        self.refs[label(DataSource)][s.pk] = ref = f"s{self.source_count}"
        return {
            "ref": ref,
            "name": s.name,
            "kind": s.kind,
            "connection": s.connection,
            "query": s.query,
            "url": s.url,
            "path": s.path,
            "period_field": s.period_field,
            "value_field": s.value_field,
            "every_minutes": s.every_minutes,
            "enabled": s.enabled,
            "next_run_at": dt_out(s.next_run_at),
            "last_run_at": dt_out(s.last_run_at),
            "last_status": s.last_status,
            "last_message": s.last_message,
            "created_by": self.member.get(s.created_by_id) if s.created_by_id else None,
            "created_at": dt_out(s.created_at),
        }

    def channels_out(self, kpi_key: dict[int, str]) -> list[dict[str, Any]]:
        return [
            {
                "name": c.name,
                "kind": c.kind,
                "recipients": c.recipients,
                "url": c.url,
                "secret": c.secret,
                "kpis": sorted(kpi_key[k] for k in self.channel_kpis[c.pk] if k in kpi_key),
                "enabled": c.enabled,
                "created_at": dt_out(c.created_at),
            }
            for c in self.channels
        ]


def _by_kpi(queryset: Any, order: str) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in queryset.order_by(order, "id"):
        grouped[row.kpi_id].append(row)
    return grouped


# --- import -----------------------------------------------------------------------------------


class Imported:
    """The KPI-engine rows read from the file, written after the KPIs they belong to."""

    def __init__(self) -> None:
        self.changes: list[HealthChange] = []
        self.baselines: list[XmrBaseline] = []
        self.events: list[RawEvent] = []
        self.sources: list[DataSource] = []
        self.channels: dict[str, AlertChannel] = {}
        self.channel_kpis: list[tuple[AlertChannel, list[Kpi]]] = []
        # Notifications name their channel, which is read later: resolved in ``read_channels``.
        self.notifications: list[tuple[Notification, str | None, str]] = []


def read_kpi_fields(imp: Importer, kpi: Kpi, d: dict[str, Any], p: str) -> None:
    """The policy, state and history keys of one KPI entry (all optional, with defaults)."""
    kpi.alert_level = r.choice(d, p, "alert_level", list(AlertLevel), default=AlertLevel.CRITICAL)
    kpi.alert_after = r.integer(d, p, "alert_after", low=1, high=SMALL, default=1)
    kpi.resolve_after = r.integer(d, p, "resolve_after", low=1, high=SMALL, default=1)
    kpi.repeat_hours = r.integer(d, p, "repeat_hours", low=0, high=r.INT_MAX, default=168)
    kpi.notify_no_data = r.boolean(d, p, "notify_no_data", default=True)
    kpi.health = r.choice(d, p, "health", list(Health), default=Health.UNKNOWN)
    kpi.alert_state = r.choice(d, p, "alert_state", list(AlertState), default=AlertState.NORMAL)
    for field in STATE_STAMPS:
        setattr(kpi, field, r.datetime(d, p, field, default=None))
    engine: Imported = imp.engine
    for cp, value in r.items(d, p, "health_changes"):
        cd = r.obj(value, cp, ["changed_at", "before", "after", "period", "value"])
        engine.changes.append(
            HealthChange(
                organization=imp.org,
                kpi=kpi,
                changed_at=r.datetime(cd, cp, "changed_at", default=r.REQUIRED),
                before=r.choice(cd, cp, "before", list(Health), default=r.REQUIRED),
                after=r.choice(cd, cp, "after", list(Health), default=r.REQUIRED),
                period=r.date(cd, cp, "period", default=None),
                value=r.decimal(cd, cp, "value", default=None, null=True),
            )
        )
    _read_notifications(imp, kpi, d, p)
    starts: set[Any] = set()
    for bp, value in r.items(d, p, "xmr_baselines"):
        bd = r.obj(value, bp, ["ref", "starts_on", "size", "note", "created_by", "created_at"])
        baseline = XmrBaseline(
            organization=imp.org,
            kpi=kpi,
            starts_on=r.date(bd, bp, "starts_on"),
            size=r.integer(bd, bp, "size", low=2, high=100, default=20),
            note=r.text(bd, bp, "note"),
            created_by=imp.lookup(bd, bp, "created_by", imp.members, "member"),
            created_at=imp.stamp(bd, bp, "created_at"),
        )
        if baseline.starts_on in starts:
            r.fail(r.join(bp, "starts_on"), "two baselines start on the same period")
        starts.add(baseline.starts_on)
        imp.own_ref(bd, bp, XmrBaseline, baseline)
        engine.baselines.append(baseline)
    for ep, value in r.items(d, p, "raw_events"):
        ed = r.obj(value, ep, ["at", "value", "received_at"])
        at = r.datetime(ed, ep, "at", default=r.REQUIRED)
        engine.events.append(
            RawEvent(
                organization=imp.org,
                kpi=kpi,
                at=at,
                value=r.decimal(ed, ep, "value"),
                received_at=r.datetime(ed, ep, "received_at", default=at),
            )
        )
    names: set[str] = set()
    for sp, value in r.items(d, p, "data_sources"):
        source = _read_source(imp, kpi, value, sp)
        if source.name in names:
            r.fail(r.join(sp, "name"), f"{source.name!r} is used twice")
        names.add(source.name)
        engine.sources.append(source)


def _read_notifications(imp: Importer, kpi: Kpi, d: dict[str, Any], p: str) -> None:
    keys: set[tuple[str, str]] = set()
    for np_, value in r.items(d, p, "notifications"):
        nd = r.obj(
            value,
            np_,
            [
                "channel",
                "channel_name",
                "event",
                "dedupe_key",
                "created_at",
                "subject",
                "payload",
                "status",
                "attempts",
                "next_attempt_at",
                "delivered_at",
                "last_error",
            ],
        )
        n = Notification(
            organization=imp.org,
            kpi=kpi,
            channel_name=r.text(
                nd,
                np_,
                "channel_name",
                default=r.REQUIRED,
                blank=False,
                max_length=max_length(Notification, "channel_name"),
            ),
            event=r.choice(nd, np_, "event", list(AlertEvent), default=r.REQUIRED),
            dedupe_key=r.text(
                nd,
                np_,
                "dedupe_key",
                default=r.REQUIRED,
                blank=False,
                max_length=max_length(Notification, "dedupe_key"),
            ),
            created_at=r.datetime(nd, np_, "created_at", default=r.REQUIRED),
            subject=r.text(nd, np_, "subject", max_length=max_length(Notification, "subject")),
            payload=r.json_value(nd, np_, "payload"),
            status=r.choice(
                nd, np_, "status", DeliveryStatus.values, default=DeliveryStatus.PENDING
            ),
            attempts=r.integer(nd, np_, "attempts", low=0, high=SMALL, default=0),
            next_attempt_at=r.datetime(nd, np_, "next_attempt_at", default=None),
            delivered_at=r.datetime(nd, np_, "delivered_at", default=None),
            last_error=r.text(nd, np_, "last_error"),
        )
        if n.payload is None:
            n.payload = {}
        if (n.channel_name, n.dedupe_key) in keys:
            r.fail(r.join(np_, "dedupe_key"), "this notification is in the file twice")
        keys.add((n.channel_name, n.dedupe_key))
        channel = r.text(nd, np_, "channel", default=None, null=True, blank=False)
        imp.engine.notifications.append((n, channel, r.join(np_, "channel")))


def _read_source(imp: Importer, kpi: Kpi, value: Any, sp: str) -> DataSource:
    sd = r.obj(
        value,
        sp,
        [
            "ref",
            *SOURCE_FIELDS,
            "next_run_at",
            "last_run_at",
            "last_status",
            "last_message",
            "created_by",
            "created_at",
        ],
    )

    def text(key: str, default: Any = "") -> Any:
        return r.text(sd, sp, key, max_length=max_length(DataSource, key), default=default)

    source = DataSource(
        organization=imp.org,
        kpi=kpi,
        name=r.text(
            sd,
            sp,
            "name",
            default=r.REQUIRED,
            blank=False,
            max_length=max_length(DataSource, "name"),
        ),
        kind=r.choice(sd, sp, "kind", SourceKind.values, default=r.REQUIRED),
        connection=text("connection"),
        query=r.text(sd, sp, "query"),
        url=text("url"),
        path=text("path"),
        period_field=text("period_field", "period"),
        value_field=text("value_field", "value"),
        every_minutes=r.integer(sd, sp, "every_minutes", low=1, high=r.INT_MAX, default=60),
        enabled=r.boolean(sd, sp, "enabled", default=True),
        next_run_at=r.datetime(sd, sp, "next_run_at", default=None),
        last_run_at=r.datetime(sd, sp, "last_run_at", default=None),
        last_status=r.choice(sd, sp, "last_status", RunStatus.values, default=RunStatus.NEVER),
        last_message=r.text(sd, sp, "last_message"),
        created_by=imp.lookup(sd, sp, "created_by", imp.members, "member"),
        created_at=imp.stamp(sd, sp, "created_at"),
    )
    imp.own_ref(sd, sp, DataSource, source)
    return source


def read_channels(imp: Importer, data: dict[str, Any]) -> None:
    """Alert channels (after the KPIs they name), then the notifications' channel references."""
    engine: Imported = imp.engine
    for p, value in r.items(data, "", "alert_channels"):
        d = r.obj(
            value,
            p,
            ["name", "kind", "recipients", "url", "secret", "kpis", "enabled", "created_at"],
        )
        name = r.text(
            d,
            p,
            "name",
            default=r.REQUIRED,
            blank=False,
            max_length=max_length(AlertChannel, "name"),
        )
        if name in engine.channels:
            r.fail(r.join(p, "name"), f"{name!r} is used twice")
        channel = AlertChannel(
            organization=imp.org,
            name=name,
            kind=r.choice(d, p, "kind", ChannelKind.values, default=r.REQUIRED),
            recipients=r.text(d, p, "recipients"),
            url=r.text(d, p, "url", max_length=max_length(AlertChannel, "url")),
            secret=r.text(d, p, "secret", max_length=max_length(AlertChannel, "secret")),
            enabled=r.boolean(d, p, "enabled", default=True),
            created_at=imp.stamp(d, p, "created_at"),
        )
        kpis = []
        for kp, key in r.items(d, p, "kpis"):
            if not isinstance(key, str) or key not in imp.kpis:
                r.fail(kp, f"unknown KPI {str(key)[:60]!r}")
            kpis.append(imp.kpis[key])
        engine.channels[name] = channel
        imp.ref(AlertChannel, name, channel, r.join(p, "name"))
        engine.channel_kpis.append((channel, kpis))
    for notification, channel_ref, path in engine.notifications:
        if channel_ref is not None:
            if channel_ref not in engine.channels:
                r.fail(path, f"unknown alert channel {channel_ref[:60]!r}")
            notification.channel = engine.channels[channel_ref]
