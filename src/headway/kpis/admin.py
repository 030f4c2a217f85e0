from django.contrib import admin

from headway.audit.mixins import AuditedAdmin
from headway.kpis.alerts import EVALUATED_FIELDS
from headway.kpis.models import Benchmark, Kpi


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0


@admin.register(Kpi)
class KpiAdmin(AuditedAdmin):
    list_display = ("name", "organization", "unit", "direction", "cadence", "owner_team")
    list_filter = ("organization", "cadence", "direction")
    search_fields = ("name", "key")
    inlines = (BenchmarkInline,)
    # Written by the evaluation alone: an edit here must not put back a state it has left.
    readonly_fields = tuple(EVALUATED_FIELDS)
