"""The alert channels pages (admins only): where alerts go, and a test message to check it.

Every change goes through ``headway.kpis.alert_services``; a refused form is shown again with
the message beside the field (status 422).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from headway.errors import ValidationFailed
from headway.kpis import alert_forms, alert_services, notify
from headway.kpis.alert_forms import ChannelForm
from headway.kpis.choices import ChannelKind
from headway.kpis.models import AlertChannel, Kpi, Notification
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

GET_POST = require_http_methods(["GET", "POST"])
# The channels page lists the organization's latest notifications, newest first.
RECENT = 20
# Service fields named differently on the form.
FIELD_MAP = {"kpi_ids": "kpis"}


def _admin(request: HttpRequest) -> Membership:
    me: Membership = request.membership  # type: ignore[attr-defined]
    if not permissions.can_administer(me):
        raise PermissionDenied("only admins manage alert channels")
    return me


def _kpis(me: Membership) -> list[Kpi]:
    # One more than the form lists: past it the KPIs are keys to type.
    kpis = Kpi.objects.filter(organization_id=me.organization_id).order_by("name", "id")
    return list(kpis[: alert_forms.KPI_CHOICES_LIMIT + 1])


def _get_channel(me: Membership, channel_id: int) -> AlertChannel:
    return get_or_404(me, AlertChannel, channel_id, select=("organization",))


def _channel_url(channel: AlertChannel) -> str:
    return reverse("kpis:alert-channel", args=[channel.pk])


@member_view
@require_safe
def channels(request: HttpRequest) -> HttpResponse:
    me = _admin(request)
    found = list(
        AlertChannel.objects.filter(organization_id=me.organization_id)
        .prefetch_related(Prefetch("kpis", queryset=Kpi.objects.order_by("name", "id")))
        .order_by("name", "id")
    )
    recent = list(
        Notification.objects.filter(organization_id=me.organization_id)
        .select_related("kpi")
        .defer("payload")
        .order_by("-created_at", "-id")[:RECENT]
    )
    return render(request, "kpis/alert_channels.html", {"channels": found, "recent": recent})


def _form_page(
    request: HttpRequest, form: ChannelForm, channel: AlertChannel | None
) -> HttpResponse:
    status = 422 if form.is_bound else 200  # a bound form here is one that was refused
    return render(
        request,
        "kpis/alert_channel_form.html",
        {"form": form, "channel": channel, "webhook": ChannelKind.WEBHOOK},
        status=status,
    )


@member_view
@GET_POST
def channel_create(request: HttpRequest) -> HttpResponse:
    me = _admin(request)
    data = request.POST if request.method == "POST" else None
    form = ChannelForm(data, kpis=_kpis(me), org_id=me.organization_id)
    if form.is_bound and form.is_valid():
        try:
            channel = alert_services.create_channel(actor=me, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc, FIELD_MAP)
        else:
            extra = " Its signing secret is below." if channel.kind == ChannelKind.WEBHOOK else ""
            messages.success(request, f"Channel {channel.name} added.{extra}")
            return redirect(_channel_url(channel))
    return _form_page(request, form, None)


@member_view
@GET_POST
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    me = _admin(request)
    channel = _get_channel(me, channel_id)
    data = request.POST if request.method == "POST" else None
    form = ChannelForm(data, kpis=_kpis(me), org_id=me.organization_id, channel=channel)
    if form.is_bound and form.is_valid():
        try:
            alert_services.update_channel(actor=me, channel=channel, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc, FIELD_MAP)
        else:
            messages.success(request, f"Channel {channel.name} saved.")
            return redirect("kpis:alert-channels")
    return _form_page(request, form, channel)


@member_view
@require_POST
def channel_toggle(request: HttpRequest, channel_id: int) -> HttpResponse:
    me = _admin(request)
    channel = _get_channel(me, channel_id)
    alert_services.update_channel(actor=me, channel=channel, enabled=not channel.enabled)
    state = "enabled" if channel.enabled else "disabled"
    messages.success(request, f"Channel {channel.name} {state}.")
    return redirect("kpis:alert-channels")


@member_view
@require_POST
def channel_secret(request: HttpRequest, channel_id: int) -> HttpResponse:
    me = _admin(request)
    channel = _get_channel(me, channel_id)
    if channel.kind != ChannelKind.WEBHOOK:
        raise PermissionDenied("only webhooks have a secret")
    alert_services.update_channel(actor=me, channel=channel, rotate_secret=True)
    messages.success(request, "New secret made: the receiver needs it to check signatures.")
    return redirect(_channel_url(channel))


@member_view
@require_POST
def channel_test(request: HttpRequest, channel_id: int) -> HttpResponse:
    me = _admin(request)
    channel = _get_channel(me, channel_id)
    error = notify.send_test(channel, timezone.now())
    if error:
        messages.error(request, f"The test to {channel.name} failed: {error}")
    else:
        messages.success(request, f"A test message went to {channel.name}.")
    return redirect(_channel_url(channel))


@member_view
@GET_POST
def channel_delete(request: HttpRequest, channel_id: int) -> HttpResponse:
    me = _admin(request)
    channel = _get_channel(me, channel_id)
    if request.method == "POST":
        alert_services.delete_channel(actor=me, channel=channel)
        messages.success(request, f"Channel {channel.name} deleted.")
        return redirect("kpis:alert-channels")
    return render(request, "kpis/alert_channel_delete.html", {"channel": channel})
