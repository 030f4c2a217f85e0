"""Writing the audit log. Services call ``record`` inside their own transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from headway.audit.models import AuditEvent


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` as JSON-safe data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    return data


def record(
    *,
    organization_id: int,
    actor_id: int | None,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization_id=organization_id,
        actor_id=actor_id,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        before=before,
        after=after,
        created_at=at or timezone.now(),
    )
