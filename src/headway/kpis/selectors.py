"""Reads for KPI pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery

from headway.kpis.models import Kpi, Measurement


def kpis(org_id: int) -> QuerySet[Kpi]:
    """KPIs annotated with their latest measurement (one query, whatever the history)."""
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-period")
    return (
        Kpi.objects.filter(organization_id=org_id)
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        )
        .order_by("name", "id")
    )


def measurements(
    kpi: Kpi, *, since: dt.date | None = None, until: dt.date | None = None
) -> QuerySet[Measurement]:
    queryset = Measurement.objects.filter(kpi=kpi).order_by("period")
    if since is not None:
        queryset = queryset.filter(period__gte=since)
    if until is not None:
        queryset = queryset.filter(period__lte=until)
    return queryset
