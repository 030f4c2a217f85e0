"""Reads for the strategy pages and endpoints, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from headway.core import xmatrix as checks
from headway.core.health import Health
from headway.kpis.models import Measurement
from headway.okrs.models import Objective
from headway.strategy.choices import ItemKind
from headway.strategy.models import Assignment, Correlation, XMatrix, XMatrixItem, XMatrixResource


def xmatrices(org_id: int) -> QuerySet[XMatrix]:
    return XMatrix.objects.filter(organization_id=org_id).order_by("-year", "id")


def resource_name(resource: XMatrixResource) -> str:
    """A resource's name: its label, else its team's name, else its person's name."""
    if resource.label:
        return resource.label
    if resource.team_id is not None and resource.team is not None:
        return resource.team.name
    if resource.person_id is not None and resource.person is not None:
        return resource.person.display_name
    return f"Resource {resource.pk}"


@dataclass
class MetricValue:
    """The live side of a metric: its KPI's latest value and stored health."""

    kpi_id: int | None
    kpi_name: str
    value: Decimal | None
    period: dt.date | None
    health: Health

    @property
    def health_label(self) -> str:
        return self.health.label


@dataclass
class XMatrixData:
    """Everything one X-Matrix page needs, read in 5 queries whatever its size.

    Fields:

    - ``matrix``: the XMatrix.
    - ``breakthroughs``, ``annuals``, ``priorities``, ``metrics``: the four lists, each a list of
      XMatrixItem in display order (``position``, then id). Metric items have ``kpi`` and
      ``owner`` (with ``owner.user``) loaded; annual items have ``objectives`` prefetched.
    - ``resources``: list of XMatrixResource in order, ``team`` and ``person.user`` loaded; their
      display names are in ``resource_names`` ({resource id: name}).
    - ``metric_values``: {metric item id: MetricValue} for metrics linked to a KPI (latest value,
      its period, the KPI's stored health).
    - ``linked_objectives``: {annual item id: [Objective, ...]} (each with ``cycle`` loaded and
      its stored ``progress``, 0..1).
    - ``correlations``: {(row item id, column item id): "strong" | "moderate" | "weak"} with the
      row first as stored (breakthrough x annual, annual x priority, priority x metric,
      metric x breakthrough). Use ``strength(row, column)``, which takes either order.
    - ``assignments``: {(priority item id, resource id): "primary" | "secondary"}.
    - ``findings``: list of headway.core.xmatrix.Finding (id, code, subject_id, subject, message).
    """

    matrix: XMatrix
    breakthroughs: list[XMatrixItem] = field(default_factory=list)
    annuals: list[XMatrixItem] = field(default_factory=list)
    priorities: list[XMatrixItem] = field(default_factory=list)
    metrics: list[XMatrixItem] = field(default_factory=list)
    resources: list[XMatrixResource] = field(default_factory=list)
    resource_names: dict[int, str] = field(default_factory=dict)
    metric_values: dict[int, MetricValue] = field(default_factory=dict)
    linked_objectives: dict[int, list[Objective]] = field(default_factory=dict)
    correlations: dict[tuple[int, int], str] = field(default_factory=dict)
    assignments: dict[tuple[int, int], str] = field(default_factory=dict)
    findings: list[checks.Finding] = field(default_factory=list)

    def items(self, kind: str) -> list[XMatrixItem]:
        return {
            ItemKind.BREAKTHROUGH: self.breakthroughs,
            ItemKind.ANNUAL: self.annuals,
            ItemKind.PRIORITY: self.priorities,
            ItemKind.METRIC: self.metrics,
        }[ItemKind(kind)]

    def strength(self, a: int, b: int) -> str:
        """The mark between items ``a`` and ``b`` (either order), or ""."""
        return self.correlations.get((a, b)) or self.correlations.get((b, a)) or ""

    def responsibility(self, priority_id: int, resource_id: int) -> str:
        return self.assignments.get((priority_id, resource_id), "")

    @property
    def all_items(self) -> list[XMatrixItem]:
        return [*self.breakthroughs, *self.annuals, *self.priorities, *self.metrics]

    @property
    def findings_by_subject(self) -> dict[int, list[checks.Finding]]:
        found: dict[int, list[checks.Finding]] = {}
        for finding in self.findings:
            if finding.code != "overloaded-owner":
                found.setdefault(finding.subject_id, []).append(finding)
        return found


def _items(matrix: XMatrix) -> QuerySet[XMatrixItem]:
    latest = Measurement.objects.filter(kpi_id=OuterRef("kpi_id")).order_by("-period")
    return (
        XMatrixItem.objects.filter(matrix=matrix)
        .select_related("kpi", "owner__user")
        .annotate(
            latest_value=Subquery(latest.values("value")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "objectives",
                queryset=Objective.objects.select_related("cycle").order_by(
                    "cycle__start", "position", "id"
                ),
            )
        )
        .order_by("kind", "position", "id")
    )


def xmatrix_page(matrix: XMatrix) -> XMatrixData:
    """The whole matrix, its live values and its findings (see XMatrixData for the fields)."""
    data = XMatrixData(matrix=matrix)
    for item in _items(matrix):
        data.items(item.kind).append(item)
        if item.kind == ItemKind.METRIC and item.kpi is not None:
            data.metric_values[item.pk] = MetricValue(
                kpi_id=item.kpi_id,
                kpi_name=item.kpi.name,
                value=item.latest_value,  # type: ignore[attr-defined]
                period=item.latest_period,  # type: ignore[attr-defined]
                health=Health(item.kpi.health),
            )
        if item.kind == ItemKind.ANNUAL:
            data.linked_objectives[item.pk] = list(item.objectives.all())
    data.resources = list(
        XMatrixResource.objects.filter(matrix=matrix).select_related("team", "person__user")
    )
    data.resource_names = {r.pk: resource_name(r) for r in data.resources}
    data.correlations = {
        (row, column): strength
        for row, column, strength in Correlation.objects.filter(matrix=matrix).values_list(
            "row_id", "column_id", "strength"
        )
    }
    data.assignments = {
        (priority, resource): responsibility
        for priority, resource, responsibility in Assignment.objects.filter(
            matrix=matrix
        ).values_list("priority_id", "resource_id", "responsibility")
    }
    data.findings = checks.check(
        [
            checks.Item(id=i.pk, kind=i.kind, title=i.title, owner_id=i.owner_id)
            for i in data.all_items
        ],
        [checks.Link(row, column, s) for (row, column), s in data.correlations.items()],
        [checks.Duty(p, r, s) for (p, r), s in data.assignments.items()],
        [checks.Resource(r.pk, data.resource_names[r.pk]) for r in data.resources],
    )
    return data
