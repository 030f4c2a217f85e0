from django.contrib import admin

from headway.okrs.models import Cycle, KeyResult, Objective


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "kind", "start", "end", "state")
    list_filter = ("organization", "state", "kind")


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ("title", "kind", "start", "target", "current", "direction", "weight", "owner")
    readonly_fields = ("current",)


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "cycle", "owner_team", "owner_person", "progress")
    list_filter = ("organization", "cycle", "status", "kind")
    search_fields = ("title",)
    readonly_fields = ("progress",)
    inlines = (KeyResultInline,)
