from django.contrib import admin

from headway.audit.mixins import AuditedAdmin
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
