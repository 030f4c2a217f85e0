"""Writes to alert channels: admins add, change, switch off and delete them; every change is
audited (never with the webhook secret in it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from headway.audit import services as audit
from headway.errors import Problems, ValidationFailed, to_choice, to_text
from headway.kpis.choices import ChannelKind
from headway.kpis.models import AlertChannel, Kpi
from headway.kpis.notify import split_recipients
from headway.orgs import permissions
from headway.orgs.accessors import MAX_ID
from headway.orgs.models import Membership

# What the audit log keeps of a channel; the secret stays out of it.
AUDITED = ["name", "kind", "recipients", "url", "enabled"]
MAX_RECIPIENTS = 50


def new_secret() -> str:
    return "hws_" + secrets.token_urlsafe(32)


def _require_admin(actor: Membership, channel: AlertChannel | None = None) -> None:
    if not permissions.can_administer(actor):
        raise PermissionDenied("only admins manage alert channels")
    if channel is not None and channel.organization_id != actor.organization_id:
        raise PermissionDenied("not a channel of this organization")


def _recipients(raw: Any) -> str:
    addresses = split_recipients(str(raw or ""))
    if not addresses:
        raise ValidationFailed({"recipients": "is required: at least one e-mail address"})
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationFailed({"recipients": f"must be at most {MAX_RECIPIENTS} addresses"})
    for address in addresses:
        try:
            validate_email(address)
        except DjangoValidationError:
            raise ValidationFailed(
                {"recipients": f"{address[:60]!r} is not an e-mail address"}
            ) from None
    return ", ".join(dict.fromkeys(addresses))


def _url(raw: Any) -> str:
    url = to_text(raw, "url", max_length=500)
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        raise ValidationFailed({"url": "must be an http:// or https:// URL"}) from None
    return url


def _kpis(actor: Membership, raw: Any) -> list[Kpi]:
    if raw is None:
        return []
    if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
        raise ValidationFailed({"kpi_ids": "must be a list of KPI ids"})
    ids = list(raw)
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i <= MAX_ID for i in ids):
        raise ValidationFailed({"kpi_ids": "must be a list of KPI ids"})
    found = list(Kpi.objects.filter(organization_id=actor.organization_id, pk__in=ids))
    missing = set(ids) - {k.pk for k in found}
    if missing:
        raise ValidationFailed({"kpi_ids": f"no KPI {min(missing)} in this organization"})
    return found


def _clean(
    actor: Membership, data: dict[str, Any], instance: AlertChannel | None
) -> tuple[dict[str, Any], list[Kpi] | None]:
    problems = Problems()
    clean: dict[str, Any] = {}
    if "name" in data or instance is None:
        name = problems.check(to_text, data.get("name"), "name", max_length=100)
        taken = AlertChannel.objects.filter(organization_id=actor.organization_id, name=name)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if name and taken.exists():
            problems.add("name", f"a channel named {name!r} already exists")
        clean["name"] = name
    if instance is None:
        clean["kind"] = problems.check(to_choice, data.get("kind"), "kind", ChannelKind.values)
    elif "kind" in data and data["kind"] != instance.kind:
        problems.add("kind", "cannot be changed; add a new channel instead")
    kind = clean.get("kind") or (instance.kind if instance else None)
    if kind == ChannelKind.EMAIL and ("recipients" in data or instance is None):
        clean["recipients"] = problems.check(_recipients, data.get("recipients"))
    if kind == ChannelKind.WEBHOOK and ("url" in data or instance is None):
        clean["url"] = problems.check(_url, data.get("url"))
    if "enabled" in data:
        if isinstance(data["enabled"], bool):
            clean["enabled"] = data["enabled"]
        else:
            problems.add("enabled", "must be true or false")
    kpis = problems.check(_kpis, actor, data["kpi_ids"]) if "kpi_ids" in data else None
    problems.raise_any()
    return clean, kpis


def _snapshot(channel: AlertChannel) -> dict[str, Any]:
    return {
        **audit.snapshot(channel, AUDITED),
        "kpi_ids": sorted(channel.kpis.values_list("pk", flat=True)),
    }


@transaction.atomic
def create_channel(*, actor: Membership, **data: Any) -> AlertChannel:
    """A new channel; a webhook gets a fresh secret, shown to admins on its page."""
    _require_admin(actor)
    clean, kpis = _clean(actor, data, None)
    channel = AlertChannel(organization_id=actor.organization_id, **clean)
    if channel.kind == ChannelKind.WEBHOOK:
        channel.secret = new_secret()
    channel.save()
    if kpis:
        channel.kpis.set(kpis)
    audit.record(
        organization_id=channel.organization_id,
        actor_id=actor.user_id,
        action="alert_channel.create",
        instance=channel,
        after=_snapshot(channel),
    )
    return channel


@transaction.atomic
def update_channel(
    *, actor: Membership, channel: AlertChannel, rotate_secret: bool = False, **data: Any
) -> AlertChannel:
    """Change a channel; ``kpi_ids`` replaces its KPIs (empty: every KPI)."""
    _require_admin(actor, channel)
    before = _snapshot(channel)
    clean, kpis = _clean(actor, data, channel)
    for field, value in clean.items():
        setattr(channel, field, value)
    if rotate_secret and channel.kind == ChannelKind.WEBHOOK:
        channel.secret = new_secret()
    channel.save()
    if kpis is not None:
        channel.kpis.set(kpis)
    after = _snapshot(channel)
    if rotate_secret:
        after["secret"] = "rotated"  # noqa: S105 - a marker that it changed, never the secret
    audit.record(
        organization_id=channel.organization_id,
        actor_id=actor.user_id,
        action="alert_channel.update",
        instance=channel,
        before=before,
        after=after,
    )
    return channel


@transaction.atomic
def delete_channel(*, actor: Membership, channel: AlertChannel) -> None:
    """Delete a channel; its notification log stays with the KPIs, by the channel's name."""
    _require_admin(actor, channel)
    audit.record(
        organization_id=channel.organization_id,
        actor_id=actor.user_id,
        action="alert_channel.delete",
        instance=channel,
        before=_snapshot(channel),
    )
    channel.delete()
