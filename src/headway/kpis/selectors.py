"""Reads for KPI pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import overload

from django.db.models import Case, Count, F, OuterRef, Q, QuerySet, Subquery, Value, When, Window
from django.db.models.functions import RowNumber

from headway.audit.models import AuditEvent
from headway.core.health import Health
from headway.kpis.charts import SPARKLINE_POINTS
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
    first_benchmark = _first_benchmarks(org_id, list(history)) if with_benchmarks and kpis else {}
    return [
        KpiCard(
            kpi=k,
            health=kpi_health(k, history[k.pk], today),
            points=history[k.pk],
            benchmark=first_benchmark.get(k.pk),
        )
        for k in kpis
    ]


# --- the dashboard at any size ------------------------------------------------------------------
# The dashboard reads the health the alert evaluation stores on each KPI (kept on every write and
# every few minutes by the worker), so it can count and filter all KPIs in SQL and read history
# only for the page it shows.


def dashboard_counts(
    org_id: int, team_ids: Collection[int] | None = None
) -> dict[tuple[int | None, Health], int]:
    """How many KPIs each (owner team, stored health) has, in one aggregate query."""
    queryset = Kpi.objects.filter(organization_id=org_id)
    if team_ids is not None:
        queryset = queryset.filter(owner_team_id__in=team_ids)
    rows = queryset.order_by().values_list("owner_team_id", "health").annotate(n=Count("pk"))
    return {(team_id, Health(health)): n for team_id, health, n in rows}


class TeamOrderedKpis:
    """The dashboard's KPIs in the team tree's order, then by name, sliced in SQL.

    A sequence for Django's ``Paginator``: its length comes from the per-team counts already
    read, and a slice reads only the KPIs it holds (one query), with the teams it spans ordered
    by their place in the tree. KPIs without a team come last.
    """

    def __init__(
        self,
        org_id: int,
        sizes: Mapping[int | None, int],
        team_order: Mapping[int, int],
        health: Health | None = None,
    ) -> None:
        self.org_id = org_id
        self.health = health
        last = len(team_order)
        self.order = {k: last if k is None else team_order.get(k, last) for k in sizes}
        keys = sorted(sizes, key=self.order.__getitem__)
        self.runs = [(k, sizes[k]) for k in keys if sizes[k]]

    def count(self) -> int:
        return sum(n for _, n in self.runs)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Kpi]:
        # The paginator only slices; iterating reads every KPI, as a whole list would.
        return iter(self[:])

    @overload
    def __getitem__(self, index: int) -> Kpi: ...

    @overload
    def __getitem__(self, index: slice) -> list[Kpi]: ...

    def __getitem__(self, index: int | slice) -> Kpi | list[Kpi]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self.count())
        if start >= stop:
            return []
        spanned: list[int | None] = []
        offset = first = 0
        for team_id, n in self.runs:
            if first + n > start and first < stop:
                if not spanned:
                    offset = start - first
                spanned.append(team_id)
            first += n
        named = [k for k in spanned if k is not None]
        in_span = Q(owner_team_id__in=named)
        if None in spanned:
            in_span |= Q(owner_team__isnull=True)
        queryset = Kpi.objects.filter(in_span, organization_id=self.org_id)
        if self.health is not None:
            queryset = queryset.filter(health=self.health.value)
        position = Case(
            *(When(owner_team_id=k, then=Value(self.order[k])) for k in named),
            default=Value(len(self.order) + 1),
        )
        return list(
            queryset.select_related("owner_team", "owner__user")
            .annotate(team_position=position)
            .order_by("team_position", "name", "id")[offset : offset + stop - start]
        )


def page_cards(
    org_id: int, kpis: list[Kpi], today: dt.date, *, with_benchmarks: bool = False
) -> list[KpiCard]:
    """Cards for KPIs already loaded: their stored health and the points a sparkline shows.

    Two queries (three with benchmarks) whatever the page: at most ``SPARKLINE_POINTS`` recent
    values a KPI, ranked in SQL, instead of the whole window of every KPI.
    """
    history: dict[int, list[tuple[dt.date, Decimal]]] = {k.pk: [] for k in kpis}
    if not kpis:
        return []
    rows = (
        Measurement.objects.filter(
            organization_id=org_id,
            kpi_id__in=list(history),
            period__gte=today - dt.timedelta(days=HISTORY_DAYS),
        )
        .annotate(rank=Window(RowNumber(), partition_by=[F("kpi_id")], order_by=F("period").desc()))
        .filter(rank__lte=SPARKLINE_POINTS)
        .order_by("kpi_id", "period")
        .values_list("kpi_id", "period", "value")
    )
    for kpi_id, period, value in rows:
        history[kpi_id].append((period, value))
    first_benchmark = _first_benchmarks(org_id, list(history)) if with_benchmarks else {}
    return [
        KpiCard(
            kpi=k,
            health=Health(k.health),
            points=history[k.pk],
            benchmark=first_benchmark.get(k.pk),
        )
        for k in kpis
    ]


# KPIs in these states are worth a look, worst first.
WATCHED = (Health.RED, Health.AMBER, Health.STALE)


def kpis_to_watch(org_id: int, limit: int) -> tuple[list[Kpi], int]:
    """The first ``limit`` KPIs by stored health (worst first) with their latest value, and how
    many there are in all: two queries whatever the organization's size."""
    watched = Kpi.objects.filter(
        organization_id=org_id, health__in=[h.value for h in WATCHED]
    ).order_by()
    total = watched.count()
    worst = Case(
        *(When(health=h.value, then=Value(i)) for i, h in enumerate(WATCHED)), default=Value(9)
    )
    latest = Measurement.objects.filter(kpi=OuterRef("pk")).order_by("-period")
    shown: list[Kpi] = list(
        watched.annotate(
            severity=worst,
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        ).order_by("severity", "name", "id")[:limit]
    )
    return shown, total


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
    points: list[tuple[dt.date, Decimal]]  # every value, oldest first
    rows: list[Measurement]  # the newest values as rows for the table, newest first
    benchmarks: list[Benchmark]
    events: list[AuditEvent]

    @property
    def count(self) -> int:
        return len(self.points)

    @property
    def latest(self) -> Measurement | None:
        return self.rows[0] if self.rows else None

    @property
    def gaps(self) -> list[tuple[Benchmark, Gap | None]]:
        latest = self.latest
        return [
            (b, None if latest is None else Gap(self.kpi, latest.value, b)) for b in self.benchmarks
        ]


def kpi_detail(kpi: Kpi, today: dt.date, *, table_rows: int | None = None) -> KpiDetail:
    """One KPI's whole history as (period, value) pairs, its newest ``table_rows`` values as
    rows (all of them with None), benchmarks and change log, in four queries."""
    values = Measurement.objects.filter(organization_id=kpi.organization_id, kpi=kpi)
    # Plain pairs: building a model (and its recorder) per value cost more than the query.
    points = list(values.order_by("period").values_list("period", "value"))
    newest = values.select_related("recorded_by__user").order_by("-period")
    rows = list(newest if table_rows is None else newest[:table_rows])
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
    recent = _recent(points, today)
    status = kpi_health(kpi, recent, today)
    return KpiDetail(
        kpi=kpi,
        health=status,
        explanation=explain(kpi, recent, today, status),
        points=points,
        rows=rows,
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


def _first_benchmarks(org_id: int, kpi_ids: list[int]) -> dict[int, Benchmark]:
    """Each KPI's first benchmark by name: the one its card compares with."""
    first: dict[int, Benchmark] = {}
    for benchmark in Benchmark.objects.filter(organization_id=org_id, kpi_id__in=kpi_ids).order_by(
        "name", "id"
    ):
        first.setdefault(benchmark.kpi_id, benchmark)
    return first
