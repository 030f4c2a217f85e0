"""Django admin changes go to the audit log too: the log must record every change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest

from headway.audit import services as audit


def _organization_id(obj: models.Model) -> int:
    # Every tenant row carries organization_id; an Organization is its own tenant.
    org_id: int = getattr(obj, "organization_id", None) or obj.pk
    return org_id


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = None
            if change:
                old = type(obj)._default_manager.filter(pk=obj.pk).first()
                before = audit.snapshot(old) if old is not None else None
            super().save_model(request, obj, form, change)
            audit.record(
                organization_id=_organization_id(obj),
                actor_id=request.user.pk,
                action=f"admin.{'update' if change else 'create'}",
                instance=obj,
                before=before,
                after=audit.snapshot(obj),
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            audit.record(
                organization_id=_organization_id(obj),
                actor_id=request.user.pk,
                action="admin.delete",
                instance=obj,
                before=audit.snapshot(obj),
            )
            super().delete_model(request, obj)
