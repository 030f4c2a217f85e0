from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from headway.audit.mixins import AuditedAdmin
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.okrs.services import refresh_objective


@admin.register(Cycle)
class CycleAdmin(AuditedAdmin):
    list_display = ("name", "organization", "kind", "start", "end", "state")
    list_filter = ("organization", "state", "kind")


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ("title", "kind", "start", "target", "current", "direction", "weight", "owner")
    readonly_fields = ("current",)


@admin.register(Objective)
class ObjectiveAdmin(AuditedAdmin):
    list_display = ("title", "organization", "cycle", "owner_team", "owner_person", "progress")
    list_filter = ("organization", "cycle", "status", "kind")
    search_fields = ("title",)
    readonly_fields = ("progress",)
    inlines = (KeyResultInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # Key results edited inline change the stored progress: bring the roll-ups along.
        super().save_related(request, form, formsets, change)
        refresh_objective(form.instance)
