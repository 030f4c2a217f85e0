"""The executive report of a large organization: the summary counted by the database, the
departments as rows, and one team's part (its own objectives, its sub-teams as rows, the risks
and KPIs of its subtree), each in a fixed number of queries whatever the size.

Below the bounds the report stays the one of ``headway.okrs.report``, every line on one page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.text import slugify

from headway import core
from headway.core.health import Health
from headway.core.pace import PACE_SLACK
from headway.core.tree import descendants
from headway.kpis.models import Kpi
from headway.okrs import cycles as lifecycle
from headway.okrs import selectors
from headway.okrs.calibration import counted_chart, counted_points
from headway.okrs.choices import CycleKind, ObjectiveStatus
from headway.okrs.cycles import is_graded
from headway.okrs.models import Alignment, Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import cycle_bounds, expected_progress
from headway.okrs.report import (
    CHART_CYCLES,
    CHART_WIDTH_PX,
    HEALTH_ORDER,
    TOP_RISKS,
    KeyResultRisk,
    ObjectiveLine,
    executive_report,
    objective_lines,
    organization_score,
    write_pdf,
)
from headway.okrs.report import render_pdf as render_whole_report
from headway.orgs.models import Organization, Team

# Past either bound (the board's and the coach report's) the report shows the departments as
# rows whose part loads when opened: thousands of lines are neither readable nor quick to draw.
LAZY_REPORT_TEAMS = selectors.LAZY_BOARD_TEAMS
LAZY_REPORT_OBJECTIVES = selectors.LAZY_BOARD_OBJECTIVES
REPORT_ROWS_PER_PAGE = 50
# The worst few KPIs of each bad health are named; the count says how many there are in all.
TOP_KPIS = 10
# Company objectives are few; when none is the company's own, the unaligned team ones stand in
# and can be many.
TOP_COMPANY_OBJECTIVES = 50


@dataclass
class Size:
    """The organization's roll-up in the cycle and how large the report would be."""

    progress: float | None
    score: float | None
    teams: int
    objectives: int

    @property
    def large(self) -> bool:
        return self.teams > LAZY_REPORT_TEAMS or self.objectives > LAZY_REPORT_OBJECTIVES


def size(org_id: int, cycle: Cycle) -> Size:
    """One query: the organization's roll-up (which the report shows anyway) and the counts."""
    rollup = Rollup.objects.filter(cycle=cycle, team__isnull=True)
    teams = Team.objects.filter(organization_id=org_id).order_by().values("organization_id")
    objectives = (
        Objective.objects.filter(
            organization_id=org_id,
            cycle=cycle,
            status=ObjectiveStatus.ACTIVE,
            owner_team__isnull=False,
        )
        .order_by()
        .values("cycle_id")
    )
    row = (
        Cycle.objects.filter(pk=cycle.pk)
        .annotate(
            r_progress=Subquery(rollup.values("progress")[:1]),
            r_score=Subquery(rollup.values("score")[:1]),
            n_teams=Coalesce(Subquery(teams.annotate(n=Count("pk")).values("n")), 0),
            n_objectives=Coalesce(Subquery(objectives.annotate(n=Count("pk")).values("n")), 0),
        )
        .values_list("r_progress", "r_score", "n_teams", "n_objectives")
        .get()
    )
    return Size(*row)


# --- parts shared by the summary and a team's part ----------------------------------------------


@dataclass
class KpiSummary:
    counts: list[tuple[Health, int]]  # every health, worst first, zeros included
    red: list[Kpi]  # the first TOP_KPIS by name
    amber: list[Kpi]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def _count(self, health: Health) -> int:
        return next(n for h, n in self.counts if h == health)

    @property
    def red_total(self) -> int:
        return self._count(Health.RED)

    @property
    def amber_total(self) -> int:
        return self._count(Health.AMBER)


def kpi_summary(org_id: int, team_ids: Iterable[int] | None = None) -> KpiSummary:
    """Three queries: the count per health and the first critical and warning KPIs."""
    kpis = Kpi.objects.filter(organization_id=org_id)
    if team_ids is not None:
        kpis = kpis.filter(owner_team_id__in=list(team_ids))
    counts = dict(kpis.order_by().values_list("health").annotate(n=Count("pk")))

    def first(health: Health) -> list[Kpi]:
        return list(
            kpis.filter(health=health)
            .select_related("owner_team")
            .order_by("name", "id")[:TOP_KPIS]
        )

    return KpiSummary(
        counts=[(h, counts.get(h.value, 0)) for h in HEALTH_ORDER],
        red=first(Health.RED),
        amber=first(Health.AMBER),
    )


def _behind_below(expected: float) -> float:
    """The progress below which a line is behind pace: ``core.pace_status``'s on-track cut-off
    with its tolerance, so the database calls behind exactly what Python would."""
    return expected - core.DEFAULT_THRESHOLDS.on_track - PACE_SLACK


def risks(
    org_id: int, cycle: Cycle, at: dt.datetime, team_ids: Iterable[int] | None = None
) -> tuple[list[KeyResultRisk], int]:
    """The key results furthest behind pace and how many are behind, in two queries: one pass
    over narrow rows finds the first few with the count riding along as a window, the second
    reads just those few with their owners.

    Behind pace means below the on-track cut-off; furthest behind first (the off-track ones
    are the lowest) is the order of progress.
    """
    expected = expected_progress(cycle, at)
    behind_below = _behind_below(expected)
    krs = KeyResult.objects.filter(
        organization_id=org_id,
        objective__cycle=cycle,
        objective__status=ObjectiveStatus.ACTIVE,
        progress__lt=behind_below,
    )
    if team_ids is not None:
        krs = krs.filter(objective__owner_team_id__in=list(team_ids))
    first = list(
        krs.annotate(behind=Window(Count("pk")))
        .order_by("progress", "pk")
        .values_list("pk", "behind")[:TOP_RISKS]
    )
    found = KeyResult.objects.select_related(
        "objective__owner_team", "objective__owner_person__user", "owner__user"
    ).in_bulk([pk for pk, _ in first])
    lines = [
        KeyResultRisk(
            found[pk], core.pace_status(progress=found[pk].progress, expected=expected), expected
        )
        for pk, _ in first
    ]
    return lines, (first[0][1] if first else 0)


# --- team rows: each team's subtree counted from one grouped query ---------------------------


@dataclass
class Tally:
    objectives: int = 0
    behind: int = 0
    weight: float = 0.0
    weighted_progress: float = 0.0
    scored_weight: float = 0.0
    weighted_score: float = 0.0
    teams: int = 0

    def add(self, other: Tally) -> None:
        self.objectives += other.objectives
        self.behind += other.behind
        self.weight += other.weight
        self.weighted_progress += other.weighted_progress
        self.scored_weight += other.scored_weight
        self.weighted_score += other.weighted_score
        self.teams += other.teams


@dataclass
class TeamRow:
    """A team (with everything below it) as one line of the report at size."""

    team: selectors.TreeTeam
    path: list[str]
    tally: Tally

    @property
    def progress(self) -> float | None:
        t = self.tally
        return t.weighted_progress / t.weight if t.weight else None

    @property
    def score(self) -> float | None:
        t = self.tally
        return t.weighted_score / t.scored_weight if t.scored_weight else None


def _own_tallies(org_id: int, cycle: Cycle, behind_below: float) -> dict[int, Tally]:
    weight = Cast("weight", FloatField())
    rows = (
        Objective.objects.filter(
            organization_id=org_id,
            cycle=cycle,
            status=ObjectiveStatus.ACTIVE,
            owner_team__isnull=False,
        )
        .values_list("owner_team_id")
        .annotate(
            n=Count("pk"),
            behind=Count("pk", filter=Q(progress__lt=behind_below)),
            w=Sum(weight),
            wp=Sum(weight * F("progress")),
            ws=Sum(weight, filter=Q(score__isnull=False)),
            wsc=Sum(weight * F("score"), filter=Q(score__isnull=False)),
        )
        .order_by()
    )
    return {
        team: Tally(n, behind, w or 0.0, wp or 0.0, ws or 0.0, wsc or 0.0)
        for team, n, behind, w, wp, ws, wsc in rows
    }


def subtree_tallies(
    org_id: int, cycle: Cycle, at: dt.datetime, tree: list[selectors.TeamNode]
) -> dict[int, Tally]:
    """Every team's objectives added up with its descendants'; one query."""
    own = _own_tallies(org_id, cycle, _behind_below(expected_progress(cycle, at)))
    parent = {n.team.id: n.team.parent_id for n in tree}
    totals = {n.team.id: Tally() for n in tree}
    for node in tree:
        mine = own.get(node.team.id, Tally())
        mine.teams = 1
        seen: set[int] = set()
        team_id: int | None = node.team.id
        # Up the parent chain (guarded: the database cannot rule a loop out).
        while team_id is not None and team_id in totals and team_id not in seen:
            seen.add(team_id)
            totals[team_id].add(mine)
            team_id = parent.get(team_id)
    return totals


def subtree_ids(tree: list[selectors.TeamNode], team_id: int) -> set[int]:
    edges = [(n.team.parent_id, n.team.id) for n in tree if n.team.parent_id is not None]
    return {team_id} | descendants(edges, [team_id])


def departments(tree: list[selectors.TeamNode]) -> list[selectors.TeamNode]:
    """The company's departments: the teams under the one root (or the roots, if several)."""
    roots = [n for n in tree if n.team.parent_id is None]
    if len(roots) == 1:
        return [n for n in tree if n.team.parent_id == roots[0].team.id]
    return roots


def rows(nodes: list[selectors.TeamNode], tallies: dict[int, Tally]) -> list[TeamRow]:
    return [TeamRow(n.team, list(n.path[:-1]), tallies.get(n.team.id, Tally())) for n in nodes]


# --- the calibration chart, counted by the database ---------------------------------------------


def score_points(org_id: int, cycle: Cycle) -> tuple[list[Cycle], list[dict[str, Any]]]:
    """The graded quarters up to ``cycle`` (the last CHART_CYCLES) and the number of key results
    of team objectives at each score, kind and quarter: two queries, a few dozen points."""
    cycles = list(
        Cycle.objects.filter(
            organization_id=org_id,
            kind=CycleKind.QUARTER,
            state__in=lifecycle.GRADED_STATES,
            start__lte=cycle.start,
        ).order_by("-start", "-id")[:CHART_CYCLES]
    )[::-1]
    return cycles, counted_points(org_id, cycles)


# --- the two views of the report at size --------------------------------------------------------


@dataclass
class Summary:
    """The organization's report at size: no line per team objective or per KPI."""

    organization: Organization
    cycle: Cycle
    at: dt.datetime
    expected: float
    graded: bool
    organization_progress: float | None
    organization_score: float | None
    objectives: list[ObjectiveLine]
    objectives_total: int
    company_owned: bool
    kpis: KpiSummary
    risks: list[KeyResultRisk]
    risks_total: int
    chart_cycles: list[Cycle]
    chart_points: list[dict[str, Any]]
    departments: list[TeamRow] = field(default_factory=list)
    chart_later: bool = False  # the chart loads on its own (see summary)

    def chart(self, *, width: int | str = "container") -> dict[str, Any]:
        return counted_chart(self.chart_cycles, self.chart_points, width=width)


def _moment(cycle: Cycle, now: dt.datetime) -> tuple[dt.datetime, float, bool]:
    _, end = cycle_bounds(cycle)
    at = min(now, end)
    return at, expected_progress(cycle, at), is_graded(cycle)


def _company_objectives(org_id: int, cycle: Cycle) -> tuple[QuerySet[Objective], bool, int]:
    """The root teams' active objectives, else the team objectives supporting none; with the
    count of each in one query."""
    active = Objective.objects.filter(
        organization_id=org_id, cycle=cycle, status=ObjectiveStatus.ACTIVE, owner_team__isnull=False
    )
    owned = Q(owner_team__parent__isnull=True)
    unaligned = ~Exists(Alignment.objects.filter(child_id=OuterRef("pk")))
    counts = active.aggregate(
        owned=Count("pk", filter=owned), unaligned=Count("pk", filter=unaligned)
    )
    if counts["owned"]:
        return active.filter(owned), True, counts["owned"]
    return active.filter(unaligned), False, counts["unaligned"]


def summary(
    organization: Organization,
    cycle: Cycle,
    now: dt.datetime,
    size: Size,
    tree: list[selectors.TeamNode],
    *,
    chart: bool = True,
) -> Summary:
    """The organization's part; without ``chart`` the calibration chart is left for a request
    of its own (``score_points``), the one heavy read of a page that should answer at once."""
    org_id = organization.pk
    at, expected, graded = _moment(cycle, now)
    chosen, company_owned, total = _company_objectives(org_id, cycle)
    objectives = chosen.select_related("owner_team").order_by("position", "id")[
        :TOP_COMPANY_OBJECTIVES
    ]
    top, risks_total = risks(org_id, cycle, at)
    chart_cycles, points = score_points(org_id, cycle) if chart else ([], [])
    return Summary(
        organization=organization,
        cycle=cycle,
        at=at,
        expected=expected,
        graded=graded,
        organization_progress=size.progress,
        organization_score=organization_score(size.progress, size.score, graded),
        objectives=objective_lines(objectives, graded, expected),
        objectives_total=total,
        company_owned=company_owned,
        kpis=kpi_summary(org_id),
        risks=top,
        risks_total=risks_total,
        chart_cycles=chart_cycles,
        chart_points=points,
        departments=rows(departments(tree), subtree_tallies(org_id, cycle, at, tree)),
        chart_later=not chart,
    )


@dataclass
class TeamPart:
    """One team's part of the report: its own objectives, its sub-teams as rows, and the risks
    and KPIs of everything below it."""

    team: Team
    cycle: Cycle
    at: dt.datetime
    expected: float
    graded: bool
    total: TeamRow
    objectives: list[ObjectiveLine]
    children: list[TeamRow]
    kpis: KpiSummary
    risks: list[KeyResultRisk]
    risks_total: int


def team_part(organization: Organization, cycle: Cycle, team: Team, now: dt.datetime) -> TeamPart:
    """Seven queries whatever the size of the team's subtree."""
    org_id = organization.pk
    at, expected, graded = _moment(cycle, now)
    tree = selectors.team_tree(org_id)
    below = subtree_ids(tree, team.pk)
    tallies = subtree_tallies(org_id, cycle, at, tree)
    node = next(n for n in tree if n.team.id == team.pk)
    own = Objective.objects.filter(
        organization_id=org_id, cycle=cycle, status=ObjectiveStatus.ACTIVE, owner_team=team
    ).order_by("position", "id")
    top, risks_total = risks(org_id, cycle, at, below)
    return TeamPart(
        team=team,
        cycle=cycle,
        at=at,
        expected=expected,
        graded=graded,
        total=rows([node], tallies)[0],
        objectives=objective_lines(own, graded, expected),
        children=rows([n for n in tree if n.team.parent_id == team.pk], tallies),
        kpis=kpi_summary(org_id, below),
        risks=top,
        risks_total=risks_total,
    )


def render_pdf(summary: Summary, base_url: str | None = None) -> bytes:
    """The summary as A4, a section per department; the chart drawn on the server."""
    return write_pdf(
        {"report": summary, "at_size": True},
        f"{summary.organization.name} · {summary.cycle.name}",
        base_url,
        chart=summary.chart(width=CHART_WIDTH_PX) if summary.chart_points else None,
    )


def pdf_filename(organization: Organization, cycle: Cycle, team: Team | None) -> str:
    """The report PDF's download name: ``acme-2026-q4-report.pdf``, with the team's slug for
    one team's part (``acme-growth-2026-q4-report.pdf``)."""
    named = f"{team.slug} " if team is not None else ""
    return f"{slugify(f'{organization.slug} {named}{cycle.name} report')}.pdf"


def report_pdf(
    organization: Organization,
    cycle: Cycle,
    now: dt.datetime,
    *,
    team: Team | None = None,
    base_url: str | None = None,
) -> bytes:
    """The PDF the report page offers: ``team``'s part in full, else the summary with a section
    per department at size, else the whole report of ``headway.okrs.report``."""
    if team is not None:
        part = team_part(organization, cycle, team, now)
        return write_pdf(
            {"part": part, "cycle": cycle, "organization": organization},
            f"{organization.name} · {team.name} · {cycle.name}",
            base_url,
        )
    found = size(organization.pk, cycle)
    if found.large:
        tree = selectors.team_tree(organization.pk)
        return render_pdf(summary(organization, cycle, now, found, tree), base_url)
    report = executive_report(organization, cycle, now, rollup=(found.progress, found.score))
    return render_whole_report(report, base_url=base_url)
