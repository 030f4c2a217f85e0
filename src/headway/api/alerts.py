"""Alerts in the API: a KPI's notification log and health history (everyone reads them), and
the alert channels (admins only; a webhook's secret is returned once, when it is created).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.errors import ValidationFailed
from headway.kpis import alert_services, notify
from headway.kpis.choices import ChannelKind
from headway.kpis.models import AlertChannel, HealthChange, Kpi, Notification
from headway.orgs import permissions
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership

kpi_router = Router(tags=["alerts"])
router = Router(tags=["alerts"])


class NotificationOut(Schema):
    id: int
    kpi_id: int
    channel_id: int | None
    channel_name: str
    event: str
    created_at: dt.datetime
    subject: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    last_error: str


class HealthChangeOut(Schema):
    id: int
    kpi_id: int
    changed_at: dt.datetime
    before: str
    after: str
    period: dt.date | None
    value: float | None


class ChannelOut(Schema):
    id: int
    name: str
    kind: str
    recipients: str
    url: str
    kpi_ids: list[int] = Field(..., description="Empty: every KPI.")
    enabled: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_kpi_ids(channel: AlertChannel) -> list[int]:
        return sorted(k.pk for k in channel.kpis.all())


class ChannelCreatedOut(ChannelOut):
    secret: str = Field(..., description="Webhooks: the signing secret, shown this once.")


class ChannelIn(ObjectIn):
    name: str
    kind: str = Field(..., description="email or webhook")
    recipients: str = Field("", description="E-mail: addresses separated by commas.")
    url: str = Field("", description="Webhook: the URL that receives the JSON.")
    kpi_ids: list[Id] = Field(default_factory=list, description="Empty: every KPI.")
    enabled: bool = True


class ChannelPatch(ObjectIn):
    name: str | None = None
    kind: str | None = None
    recipients: str | None = None
    url: str | None = None
    kpi_ids: list[Id] | None = None
    enabled: bool | None = None


class SecretOut(Schema):
    secret: str


class TestOut(Schema):
    delivered: bool
    error: str | None


def _admin(request: HttpRequest, *, write: bool = False) -> Membership:
    me = writer(request) if write else actor(request)
    if not permissions.can_administer(me):
        raise PermissionDenied("only admins manage alert channels")
    return me


@kpi_router.get("/{kpi_id}/notifications", response=list[NotificationOut])
@paginate(Pagination)
def list_notifications(request: HttpRequest, kpi_id: int):  # type: ignore[no-untyped-def]
    """What was sent about the KPI's alerts, newest first, with each delivery's state."""
    kpi = get_for(actor(request), Kpi, kpi_id)
    return Notification.objects.filter(organization_id=kpi.organization_id, kpi=kpi).order_by(
        "-created_at", "-id"
    )


@kpi_router.get("/{kpi_id}/health-changes", response=list[HealthChangeOut])
@paginate(Pagination)
def list_health_changes(request: HttpRequest, kpi_id: int):  # type: ignore[no-untyped-def]
    """Every change of the KPI's health as the evaluation saw it, newest first."""
    kpi = get_for(actor(request), Kpi, kpi_id)
    return HealthChange.objects.filter(organization_id=kpi.organization_id, kpi=kpi).order_by(
        "-changed_at", "-id"
    )


@router.get("", response=list[ChannelOut])
@paginate(Pagination)
def list_channels(request: HttpRequest):  # type: ignore[no-untyped-def]
    return (
        AlertChannel.objects.filter(organization_id=_admin(request).organization_id)
        .prefetch_related("kpis")
        .order_by("name", "id")
    )


@router.get("/{channel_id}", response=ChannelOut)
def get_channel(request: HttpRequest, channel_id: int) -> AlertChannel:
    return get_for(_admin(request), AlertChannel, channel_id)


@router.post("", response={201: ChannelCreatedOut})
def create_channel(request: HttpRequest, payload: ChannelIn) -> Status[Any]:
    me = _admin(request, write=True)
    channel = alert_services.create_channel(actor=me, **payload.dict())
    return Status(201, channel)


@router.patch("/{channel_id}", response=ChannelOut)
def update_channel(request: HttpRequest, channel_id: int, payload: ChannelPatch) -> AlertChannel:
    """Change a channel; ``kpi_ids`` replaces its KPIs (empty: every KPI)."""
    me = _admin(request, write=True)
    channel = get_for(me, AlertChannel, channel_id)
    data = payload.dict(exclude_unset=True)
    return alert_services.update_channel(actor=me, channel=channel, **data)


@router.post("/{channel_id}/secret", response=SecretOut)
def rotate_secret(request: HttpRequest, channel_id: int) -> dict[str, str]:
    """A new signing secret for a webhook, returned this once; the old one stops working."""
    me = _admin(request, write=True)
    channel = get_for(me, AlertChannel, channel_id)
    if channel.kind != ChannelKind.WEBHOOK:
        raise ValidationFailed({"channel_id": "only webhook channels have a secret"})
    alert_services.update_channel(actor=me, channel=channel, rotate_secret=True)
    return {"secret": channel.secret}


@router.post("/{channel_id}/test", response=TestOut)
def send_test(request: HttpRequest, channel_id: int) -> dict[str, Any]:
    """Send a test message straight to the channel (no retries) and say how it went."""
    me = _admin(request, write=True)
    channel = get_for(me, AlertChannel, channel_id, select=("organization",))
    error = notify.send_test(channel, timezone.now())
    return {"delivered": error is None, "error": error}


@router.delete("/{channel_id}", response={204: None})
def delete_channel(request: HttpRequest, channel_id: int) -> Status[None]:
    me = _admin(request, write=True)
    alert_services.delete_channel(actor=me, channel=get_for(me, AlertChannel, channel_id))
    return Status(204, None)
