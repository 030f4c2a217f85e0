"""Reads for KPI pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery

from headway.audit.models import AuditEvent
from headway.core.health import Health
from headway.kpis.gaps import Gap
from headway.kpis.health import explain, kpi_health
from headway.kpis.models import Benchmark, DataSource, Kpi, Measurement, XmrBaseline
from headway.kpis.proposals import ObjectiveProposal, objective_proposal
from headway.okrs.models import KeyResult
from headway.orgs import permissions
from headway.orgs.models import Membership

# How far back the overview reads history: enough for a year of monthly points and for the
# recovery levels to see how a KPI got where it is.
HISTORY_DAYS = 400


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


@dataclass
class KpiCard:
    kpi: Kpi
    health: Health
    points: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    # The KPI's first benchmark by name, when asked for (``with_benchmarks``).
    benchmark: Benchmark | None = None

    @property
    def latest(self) -> tuple[dt.date, Decimal] | None:
        return self.points[-1] if self.points else None

    @property
    def gap(self) -> Gap | None:
        if self.benchmark is None or self.latest is None:
            return None
        return Gap(self.kpi, self.latest[1], self.benchmark)


def kpi_cards(
    org_id: int,
    today: dt.date,
    *,
    kpi_ids: list[int] | None = None,
    team_ids: Collection[int] | None = None,
    owner_id: int | None = None,
    with_benchmarks: bool = False,
) -> list[KpiCard]:
    """KPIs with their recent history and health, in two queries (three with benchmarks).

    ``team_ids`` keeps the KPIs owned by those teams, ``owner_id`` those owned by one person.
    """
    queryset = Kpi.objects.filter(organization_id=org_id)
    if kpi_ids is not None:
        queryset = queryset.filter(pk__in=kpi_ids)
    if team_ids is not None:
        queryset = queryset.filter(owner_team_id__in=team_ids)
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    kpis = list(queryset.select_related("owner_team", "owner__user").order_by("name", "id"))
    history: dict[int, list[tuple[dt.date, Decimal]]] = {k.pk: [] for k in kpis}
    rows = (
        Measurement.objects.filter(
            organization_id=org_id,
            kpi_id__in=list(history),
            period__gte=today - dt.timedelta(days=HISTORY_DAYS),
        )
        .order_by("kpi_id", "period")
        .values_list("kpi_id", "period", "value")
    )
    for kpi_id, period, value in rows:
        history[kpi_id].append((period, value))
    first_benchmark: dict[int, Benchmark] = {}
    if with_benchmarks and kpis:
        for benchmark in Benchmark.objects.filter(
            organization_id=org_id, kpi_id__in=list(history)
        ).order_by("name", "id"):
            first_benchmark.setdefault(benchmark.kpi_id, benchmark)
    return [
        KpiCard(
            kpi=k,
            health=kpi_health(k, history[k.pk], today),
            points=history[k.pk],
            benchmark=first_benchmark.get(k.pk),
        )
        for k in kpis
    ]


def _recent(points: list[tuple[dt.date, Decimal]], today: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The points that the overview's health reads (the same window as ``kpi_cards``)."""
    since = today - dt.timedelta(days=HISTORY_DAYS)
    return [(period, value) for period, value in points if period >= since]


# What the KPI page's history lists: changes of values and of the definition.
HISTORY_ACTIONS = ("kpi.create", "kpi.update", "measurement.upsert", "measurement.delete")
HISTORY_LENGTH = 50


@dataclass
class KpiDetail:
    kpi: Kpi
    health: Health
    explanation: str
    measurements: list[Measurement]  # oldest first
    benchmarks: list[Benchmark]
    events: list[AuditEvent]

    @property
    def points(self) -> list[tuple[dt.date, Decimal]]:
        return [(m.period, m.value) for m in self.measurements]

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None

    @property
    def gaps(self) -> list[tuple[Benchmark, Gap | None]]:
        latest = self.latest
        return [
            (b, None if latest is None else Gap(self.kpi, latest.value, b)) for b in self.benchmarks
        ]


def kpi_detail(kpi: Kpi, today: dt.date) -> KpiDetail:
    """One KPI's whole history, benchmarks and change log, in three queries."""
    measured = list(
        Measurement.objects.filter(organization_id=kpi.organization_id, kpi=kpi)
        .select_related("recorded_by__user")
        .order_by("period")
    )
    benchmarks = list(
        Benchmark.objects.filter(organization_id=kpi.organization_id, kpi=kpi).order_by(
            "name", "id"
        )
    )
    # A deleted measurement's event names the measurement; its snapshot names the KPI.
    events = list(
        AuditEvent.objects.filter(organization_id=kpi.organization_id)
        .filter(
            Q(object_type=Kpi._meta.label_lower, object_id=kpi.pk, action__in=HISTORY_ACTIONS)
            | Q(
                object_type=Measurement._meta.label_lower,
                action="measurement.delete",
                before__kpi_id=kpi.pk,
            )
            # Re-baselines of its process behaviour chart, made and undone.
            | Q(
                object_type=XmrBaseline._meta.label_lower,
                action="xmr_baseline.create",
                after__kpi_id=kpi.pk,
            )
            | Q(
                object_type=XmrBaseline._meta.label_lower,
                action="xmr_baseline.delete",
                before__kpi_id=kpi.pk,
            )
            # Its data sources: added and changed (named in ``after``) or deleted (``before``).
            | Q(
                object_type=DataSource._meta.label_lower,
                action__in=("source.create", "source.update"),
                after__kpi_id=kpi.pk,
            )
            | Q(
                object_type=DataSource._meta.label_lower,
                action="source.delete",
                before__kpi_id=kpi.pk,
            )
        )
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_LENGTH]
    )
    points = _recent([(m.period, m.value) for m in measured], today)
    status = kpi_health(kpi, points, today)
    return KpiDetail(
        kpi=kpi,
        health=status,
        explanation=explain(kpi, points, today, status),
        measurements=measured,
        benchmarks=benchmarks,
        events=events,
    )


@dataclass
class KpiOkrs:
    """The KPI page's "In the OKRs" card: what follows the KPI and what it proposes."""

    followers: list[KeyResult]
    proposal: ObjectiveProposal | None
    can_write: bool


def okr_context(
    me: Membership, kpi: Kpi, points: list[tuple[dt.date, Decimal]], today: dt.date
) -> KpiOkrs:
    """Key results following the KPI (one query) and the objective a long red streak proposes."""
    followers = list(
        KeyResult.objects.filter(organization_id=kpi.organization_id, kpi=kpi, follows_kpi=True)
        .select_related("objective__cycle")
        .order_by("-objective__cycle__start", "objective_id", "position", "id")
    )
    return KpiOkrs(
        followers=followers,
        proposal=objective_proposal(kpi, points, today),
        can_write=permissions.can_write(me),
    )
