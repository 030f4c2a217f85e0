"""The calibration review: each team's aspirational scores over the graded quarters, the teams
that keep scoring too high or too low, and how key result grades spread across the bands.

Three queries whatever the number of teams, cycles and key results: the graded cycles, their
team objectives, and those objectives' key results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Floor, Greatest, Least

from headway import core
from headway.core.calibration import (
    OVERREACH,
    STREAK_CYCLES,
    CalibrationFlag,
    Spread,
    Streak,
    calibration_streak,
    explain,
    spread,
)
from headway.core.coach.cycle_rules import TOO_EASY
from headway.okrs import cycles as lifecycle
from headway.okrs import selectors
from headway.okrs.choices import CycleKind, ObjectiveStatus
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.okrs.scores import key_result_score
from headway.orgs.models import Team


def is_graded(cycle: Cycle) -> bool:
    """A quarter whose grading has started: what calibration looks at."""
    return cycle.kind == CycleKind.QUARTER and lifecycle.is_graded(cycle)


@dataclass
class TeamCycle:
    """A team's mean aspirational score in one graded cycle."""

    cycle: Cycle
    score: float
    objectives: int


@dataclass
class TeamCalibration:
    team: Team
    history: list[TeamCycle]  # oldest first
    streak: Streak | None

    @property
    def flag(self) -> CalibrationFlag | None:
        return self.streak.flag if self.streak else None

    @property
    def reason(self) -> str:
        if self.streak is None:
            return ""
        names = [entry.cycle.name for entry in self.history[-len(self.streak.scores) :]]
        return explain(self.streak, names)

    def score_in(self, cycle: Cycle) -> float | None:
        return next((e.score for e in self.history if e.cycle.pk == cycle.pk), None)


@dataclass
class TeamSpread:
    team: Team
    spread: Spread


@dataclass
class CalibrationData:
    cycles: list[Cycle]  # the graded quarters, oldest first
    cycle: Cycle | None  # the one the spread is about: the latest graded unless chosen
    teams: list[TeamCalibration]
    spreads: list[TeamSpread]
    organization: Spread
    # One per graded key result of a team objective, for the distribution chart.
    points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged(self) -> list[TeamCalibration]:
        return [t for t in self.teams if t.streak is not None]

    def score_table(self) -> list[tuple[TeamCalibration, list[float | None]]]:
        """Per team, its mean aspirational score in each graded cycle (None: nothing graded)."""
        return [(t, [t.score_in(c) for c in self.cycles]) for t in self.teams]


def _objective_score(objective: Objective, krs: list[KeyResult]) -> float | None:
    """The stored score, else the weighted mean of its key results' scores."""
    if objective.score is not None:
        return objective.score
    return core.weighted_mean(
        core.Weighted(value=key_result_score(kr), weight=float(kr.weight)) for kr in krs
    )


def _jitter(index: int) -> float:
    """A spread-out offset in [-0.5, 0.5) so points of equal score stay apart, the same on
    every render (the golden-ratio sequence fills the interval evenly)."""
    return round((index * 0.6180339887) % 1 - 0.5, 3)


def _graded_quarters(org_id: int) -> QuerySet[Cycle]:
    return Cycle.objects.filter(
        organization_id=org_id, kind=CycleKind.QUARTER, state__in=lifecycle.GRADED_STATES
    ).order_by("start", "id")


def _history(cycles: list[Cycle], rows: dict[int, list[core.Weighted]]) -> list[TeamCycle]:
    """A team's mean aspirational score in each graded cycle that has one, oldest first."""
    history = []
    for c in cycles:
        mine = rows.get(c.pk)
        mean = core.weighted_mean(mine) if mine else None
        if mean is not None and mine is not None:
            history.append(TeamCycle(c, mean, len(mine)))
    return history


def calibration(
    org_id: int,
    *,
    cycle: Cycle | None = None,
    until: Cycle | None = None,
    last: int | None = None,
) -> CalibrationData:
    """The organization's calibration over its graded quarters.

    ``cycle`` chooses the graded cycle whose spread is counted (default: the latest);
    ``until`` leaves out quarters starting after it and ``last`` keeps only the latest ones,
    for a report about one cycle.
    """
    queryset = _graded_quarters(org_id)
    if until is not None:
        queryset = queryset.filter(start__lte=until.start)
    cycles = list(queryset)
    if last is not None:
        cycles = cycles[-last:] if last > 0 else []
    return _calibrate(
        org_id, cycles, cycle if cycle is not None else (cycles[-1] if cycles else None)
    )


def _calibrate(org_id: int, cycles: list[Cycle], chosen: Cycle | None) -> CalibrationData:
    """``calibration`` once its cycles are known: two queries."""
    ids = {c.pk for c in cycles} | ({chosen.pk} if chosen else set())
    objectives = list(
        Objective.objects.filter(
            organization_id=org_id,
            cycle_id__in=ids,
            status=ObjectiveStatus.ACTIVE,
            owner_team__isnull=False,
        )
        .select_related("owner_team")
        .only("cycle_id", "kind", "score", "weight", "title", "owner_team")
        .order_by("owner_team__name", "owner_team_id", "position", "id")
    )
    krs: dict[int, list[KeyResult]] = defaultdict(list)
    for kr in (
        KeyResult.objects.filter(objective__in=[o.pk for o in objectives])
        .only("objective_id", "score", "progress", "weight", "title")
        .order_by("objective_id", "position", "id")
    ):
        krs[kr.objective_id].append(kr)

    by_cycle = {c.pk: c for c in cycles}
    order = {c.pk: i for i, c in enumerate(cycles)}
    teams: dict[int, Team] = {}
    aspirational: dict[int, dict[int, list[core.Weighted]]] = defaultdict(lambda: defaultdict(list))
    spreads: dict[int, list[tuple[str, float]]] = defaultdict(list)
    points: list[dict[str, Any]] = []
    for objective in objectives:
        team = objective.owner_team
        if team is None:  # filtered out above; keeps the type checker informed
            continue
        teams.setdefault(team.pk, team)
        mine = krs.get(objective.pk, [])
        if chosen is not None and objective.cycle_id == chosen.pk:
            spreads[team.pk].extend((objective.kind, key_result_score(kr)) for kr in mine)
        graded = by_cycle.get(objective.cycle_id)
        if graded is None:
            continue
        for kr in mine:
            points.append(
                {
                    "cycle": graded.name,
                    "order": order[graded.pk],
                    "team": team.name,
                    "objective": objective.title,
                    "key_result": kr.title,
                    "kind": objective.kind,
                    "score": key_result_score(kr),
                    "jitter": _jitter(len(points)),
                }
            )
        score = _objective_score(objective, mine)
        if objective.kind == core.ObjectiveKind.ASPIRATIONAL and score is not None:
            aspirational[team.pk][graded.pk].append(
                core.Weighted(value=score, weight=float(objective.weight))
            )

    calibrations: list[TeamCalibration] = []
    for team_id, team in teams.items():
        history = _history(cycles, aspirational[team_id])
        calibrations.append(
            TeamCalibration(team, history, calibration_streak([h.score for h in history]))
        )
    team_spreads = [TeamSpread(teams[t], spread(rows)) for t, rows in spreads.items()]
    organization = Spread()
    for row in team_spreads:
        organization.add(row.spread)
    return CalibrationData(
        cycles=cycles,
        cycle=chosen,
        teams=calibrations,
        spreads=team_spreads,
        organization=organization,
        points=points,
    )


# --- the distribution chart -------------------------------------------------------------------

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# The stylesheet's accent blue for aspirational OKRs and its muted grey for committed ones.
KIND_COLOURS = {"aspirational": "#2456c7", "committed": "#566072"}
EXPECTATIONS = [
    {"score": core.expected_score(core.ObjectiveKind.ASPIRATIONAL), "label": "Aspirational aim"},
    {"score": core.expected_score(core.ObjectiveKind.COMMITTED), "label": "Committed aim"},
]


def distribution_chart(
    data: CalibrationData, *, width: int | str = "container", height: int = 240
) -> dict[str, Any]:
    """Key result scores per graded cycle, one column per cycle and a point per key result,
    against the scores each kind aims at (0.7 aspirational, 1.0 committed).

    ``width`` is a number of pixels when the chart is drawn on the server (no container there).
    """
    x = {
        "field": "cycle",
        "type": "ordinal",
        "title": None,
        "sort": [c.name for c in data.cycles],
        "axis": {"labelAngle": 0},
    }
    y = {"field": "score", "type": "quantitative", "title": "Score", "scale": {"domain": [0, 1]}}
    return {
        "$schema": SCHEMA,
        "width": width,
        "height": height,
        "layer": [
            {
                "data": {"values": data.points},
                "mark": {"type": "point", "filled": True, "opacity": 0.7, "size": 40},
                "encoding": {
                    "x": x,
                    "xOffset": {
                        "field": "jitter",
                        "type": "quantitative",
                        "scale": {"domain": [-1, 1]},
                    },
                    "y": y,
                    "color": {
                        "field": "kind",
                        "type": "nominal",
                        "title": "Objective",
                        "scale": {
                            "domain": list(KIND_COLOURS),
                            "range": list(KIND_COLOURS.values()),
                        },
                        "legend": {"orient": "bottom"},
                    },
                    "tooltip": [
                        {"field": "cycle", "title": "Cycle"},
                        {"field": "team", "title": "Team"},
                        {"field": "objective", "title": "Objective"},
                        {"field": "key_result", "title": "Key result"},
                        {"field": "score", "type": "quantitative", "title": "Score"},
                    ],
                },
            },
            {
                "data": {"values": EXPECTATIONS},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#b26b00"},
                "encoding": {"y": {"field": "score", "type": "quantitative"}},
            },
            {
                "data": {"values": EXPECTATIONS},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "dx": 4,
                    "dy": -6,
                    "color": "#b26b00",
                    "x": 0,
                },
                "encoding": {
                    "y": {"field": "score", "type": "quantitative"},
                    "text": {"field": "label"},
                },
            },
        ],
    }


def flag_cut_offs() -> dict[str, float]:
    """The thresholds the flags use, for the page's explanation."""
    return {"too_easy": TOO_EASY, "overreach": OVERREACH}


# --- the page at size -------------------------------------------------------------------------
#
# Past either bound the page does not load every objective and key result of every graded
# quarter (42,000 and 168,000 at 20,000 people): the database sums each team's aspirational
# scores per quarter, which finds every team that could be flagged; only those, and the teams
# on the page, are then computed exactly as ``calibration`` does. The chart counts key results
# per score, and the spread table shows the page's teams above the organization's total.

LAZY_CALIBRATION_TEAMS = selectors.LAZY_BOARD_TEAMS
# Objectives of team owners over every graded quarter.
LAZY_CALIBRATION_OBJECTIVES = 1000
CALIBRATION_ROWS_PER_PAGE = 50
# The database's sum differs from ``core.weighted_mean`` by a few units in the last place; a
# team whose sums land this close to a cut-off is checked exactly. Far wider than the error
# (sums of positive terms are off by at most n * 2**-53 relatively), far narrower than a grade.
_NEAR = 1e-6
_GRID_TOLERANCE = 1e-9  # core.grading's, for the default score computed by the database


def _might_be_flagged(means: list[float]) -> bool:
    """Could the exact means (of which ``means`` are the database's sums) earn a flag? A streak
    needs its last STREAK_CYCLES entries all high or all low; widened by _NEAR, every team that
    is flagged is found, and a few that are not."""
    tail = means[-STREAK_CYCLES:]
    return len(tail) == STREAK_CYCLES and (
        all(m + _NEAR >= TOO_EASY for m in tail) or all(m - _NEAR < OVERREACH for m in tail)
    )


def _among(field: str, ids: list[int]) -> Q:
    """``field`` in ``ids``; with none, a condition the database answers (Django would skip
    the query): the page's number of queries stays the same whatever the data."""
    return Q(**{f"{field}__in": ids}) if ids else Q(pk__isnull=True)


def _kr_score(score: float | None, progress: float) -> float:
    """``key_result_score`` of a row read as values."""
    return score if score is not None else core.default_score(progress)


def _exact_histories(
    org_id: int, cycles: list[Cycle], team_ids: Iterable[int]
) -> dict[int, list[TeamCycle]]:
    """The teams' histories exactly as ``calibration`` makes them (the same rows, the same
    maths), from their aspirational objectives only: two queries."""
    teams = sorted(set(team_ids))
    objectives = Objective.objects.filter(
        _among("owner_team_id", teams),
        organization_id=org_id,
        cycle_id__in=[c.pk for c in cycles],
        status=ObjectiveStatus.ACTIVE,
        kind=core.ObjectiveKind.ASPIRATIONAL,
    ).order_by()
    fallback: dict[int, list[core.Weighted]] = defaultdict(list)
    for objective_id, score, progress, weight in KeyResult.objects.filter(
        objective__in=objectives.filter(score__isnull=True)
    ).values_list("objective_id", "score", "progress", "weight"):
        fallback[objective_id].append(core.Weighted(_kr_score(score, progress), float(weight)))
    rows: dict[int, dict[int, list[core.Weighted]]] = defaultdict(lambda: defaultdict(list))
    for pk, team_id, cycle_id, score, weight in objectives.values_list(
        "pk", "owner_team_id", "cycle_id", "score", "weight"
    ):
        value = score if score is not None else core.weighted_mean(fallback.get(pk, []))
        if value is not None:
            rows[team_id][cycle_id].append(core.Weighted(value, float(weight)))
    return {team_id: _history(cycles, rows[team_id]) for team_id in teams}


class _AnyOf(Func):
    """``column IN (subquery)``, written ``column = ANY(ARRAY(subquery))`` for PostgreSQL: its
    planner then looks a cycle's key results up by index instead of reading every key result of
    every cycle (12 ms instead of 50 at size)."""

    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" IN ", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="(%(expressions)s))", arg_joiner=" = ANY(ARRAY", **extra
        )


def _snapped_progress() -> Floor:
    """core.default_score's tenths, in its order of operations: ((x * 10) + 0.5) + tolerance,
    the same float as in Python."""
    clamped = Least(Greatest(F("progress"), Value(0.0)), Value(1.0))
    return Floor(clamped * Value(10.0) + Value(0.5) + Value(_GRID_TOLERANCE))


def _add(spread: Spread, kind: str, score: float | None, tenths: float, n: int) -> None:
    """Count ``n`` key results of a score (None: the default one from ``tenths``)."""
    value = score if score is not None else int(tenths) / 10
    key = (core.grade_band(value), core.ObjectiveKind(kind))
    spread.counts[key] = spread.counts.get(key, 0) + n


def _team_spreads(org_id: int, cycle: Cycle, team_ids: list[int]) -> dict[int, Spread]:
    """Key results of the teams' active objectives in the cycle, counted by band and kind: one
    query, the database grouping by score and snapped progress (a few dozen rows a team)."""
    spreads: dict[int, Spread] = defaultdict(Spread)
    for team_id, kind, score, tenths, n in (
        KeyResult.objects.filter(
            _among("objective__owner_team_id", team_ids),
            objective__organization_id=org_id,
            objective__cycle=cycle,
            objective__status=ObjectiveStatus.ACTIVE,
        )
        .annotate(tenths=_snapped_progress())
        .values_list("objective__owner_team_id", "objective__kind", "score", "tenths")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        _add(spreads[team_id], kind, score, tenths, n)
    return spreads


def _organization_spread(org_id: int, cycle: Cycle) -> Spread:
    """The same for every team objective of the cycle, in one query: a part per kind that finds
    its key results by index from the objectives' ids (reading each key result's objective for
    its kind would cost three times as much)."""
    parts = [
        KeyResult.objects.filter(
            _AnyOf(
                F("objective_id"),
                Subquery(
                    Objective.objects.filter(
                        organization_id=org_id,
                        cycle=cycle,
                        status=ObjectiveStatus.ACTIVE,
                        owner_team__isnull=False,
                        kind=kind,
                    )
                    .order_by()
                    .values("pk")
                ),
            )
        )
        .annotate(tenths=_snapped_progress(), objective_kind=Value(kind.value))
        .values_list("objective_kind", "score", "tenths")
        .annotate(n=Count("pk"))
        .order_by()
        for kind in (core.ObjectiveKind.COMMITTED, core.ObjectiveKind.ASPIRATIONAL)
    ]
    total = Spread()
    for kind, score, tenths, n in parts[0].union(*parts[1:], all=True):
        _add(total, kind, score, tenths, n)
    return total


def counted_points(org_id: int, cycles: list[Cycle]) -> list[dict[str, Any]]:
    """The number of key results of team objectives at each score, kind and graded cycle: one
    query of a few dozen rows, for the chart at size (a circle per score, sized by its count)."""
    if not cycles:
        return []
    counted = (
        KeyResult.objects.filter(
            objective__organization_id=org_id,
            objective__cycle_id__in=[c.pk for c in cycles],
            objective__status=ObjectiveStatus.ACTIVE,
            objective__owner_team__isnull=False,
        )
        .annotate(tenths=_snapped_progress())
        .values_list("objective__cycle_id", "objective__kind", "score", "tenths")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tally: dict[tuple[int, str, float], int] = defaultdict(int)
    for cycle_id, kind, score, grid, n in counted:
        tally[(cycle_id, kind, score if score is not None else int(grid) / 10)] += n
    order = {c.pk: i for i, c in enumerate(cycles)}
    names = {c.pk: c.name for c in cycles}
    return [
        {
            "cycle": names[cycle_id],
            "order": order[cycle_id],
            "kind": kind,
            "score": value,
            "count": n,
            # Aspirational left, committed right: the two kinds of a score stay apart.
            "jitter": -0.25 if kind == core.ObjectiveKind.ASPIRATIONAL else 0.25,
        }
        for (cycle_id, kind, value), n in sorted(
            tally.items(), key=lambda i: (order[i[0][0]], i[0])
        )
    ]


def counted_chart(
    cycles: list[Cycle], points: list[dict[str, Any]], *, width: int | str = "container"
) -> dict[str, Any]:
    """The distribution chart with a circle per score whose area is its number of key results."""
    data = CalibrationData(
        cycles=cycles, cycle=None, teams=[], spreads=[], organization=Spread(), points=points
    )
    chart = distribution_chart(data, width=width)
    dots = chart["layer"][0]
    dots["mark"].pop("size", None)
    dots["encoding"]["size"] = {"field": "count", "type": "quantitative", "title": "Key results"}
    dots["encoding"]["tooltip"] = [
        {"field": "cycle", "title": "Cycle"},
        {"field": "kind", "title": "Objective"},
        {"field": "score", "type": "quantitative", "title": "Score"},
        {"field": "count", "type": "quantitative", "title": "Key results"},
    ]
    return chart


def graded_cycles(org_id: int) -> list[Cycle]:
    """Every graded quarter, oldest first (what the page's chart covers)."""
    return list(_graded_quarters(org_id))


@dataclass
class DepartmentFlags:
    """A department's teams in the review and how many of them are flagged."""

    team: selectors.TreeTeam | None  # None: the teams above the departments
    teams: int = 0
    not_ambitious: int = 0
    overreach: int = 0

    @property
    def name(self) -> str:
        return self.team.name if self.team is not None else "Above the departments"

    @property
    def flagged(self) -> int:
        return self.not_ambitious + self.overreach


@dataclass
class CalibrationAtSize:
    """The review of a large organization: ``data`` holds the page's teams (their scores and
    spreads, exact), the organization's spread and no chart points (the chart loads apart)."""

    data: CalibrationData
    page: Page[selectors.TeamNode]
    scope: selectors.TreeTeam | None  # the team whose subtree is listed (None: every team)
    total: DepartmentFlags  # the organization's counts, every team included
    departments: list[DepartmentFlags]

    @property
    def flagged(self) -> list[TeamCalibration]:
        """The page's flagged teams (flagged teams come first, page after page)."""
        return self.data.flagged


def calibration_page(
    org_id: int,
    *,
    cycle: Cycle | None = None,
    team_id: int | None = None,
    page: str | int | None = None,
) -> CalibrationData | CalibrationAtSize:
    """The calibration page: below the bounds ``calibration`` itself (in as many queries);
    past them the teams a page at a time, flagged teams first, then by level (the top levels
    first), the teams under ``team_id`` only when given (``Team.DoesNotExist`` if it is not
    one of the organization's). A fixed number of queries whatever the size.
    """
    objectives = (
        Objective.objects.filter(
            organization_id=org_id,
            cycle_id=OuterRef("pk"),
            status=ObjectiveStatus.ACTIVE,
            owner_team__isnull=False,
        )
        .order_by()
        .values("cycle_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    teams = (
        Team.objects.filter(organization_id=org_id)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    annotated = list(
        _graded_quarters(org_id).annotate(
            n_objectives=Coalesce(Subquery(objectives), 0), n_teams=Coalesce(Subquery(teams), 0)
        )
    )
    large = bool(annotated) and (
        annotated[0].n_teams > LAZY_CALIBRATION_TEAMS
        or sum(c.n_objectives for c in annotated) > LAZY_CALIBRATION_OBJECTIVES
    )
    cycles: list[Cycle] = list(annotated)
    chosen = cycle if cycle is not None else (cycles[-1] if cycles else None)
    if not large or chosen is None:
        return _calibrate(org_id, cycles, chosen)
    return _at_size(org_id, cycles, chosen, team_id, page)


@dataclass
class _Found:
    """What the grouped sums tell of every team over the graded quarters."""

    reviewed: set[int]  # teams with an active objective in one of them
    in_chosen: set[int]  # teams with one in the chosen quarter
    histories: dict[int, list[TeamCycle]]  # exact, of the teams that could be flagged
    streaks: dict[int, Streak | None]


def _find_flags(org_id: int, cycles: list[Cycle], chosen_id: int | None) -> _Found:
    """Every flagged team (and a few more candidates, computed exactly): three queries."""
    # Every team's aspirational sums per graded quarter, and which teams have objectives at all.
    aspirational = Q(kind=core.ObjectiveKind.ASPIRATIONAL)
    weight = Cast("weight", FloatField())
    sums = (
        Objective.objects.filter(
            organization_id=org_id,
            cycle_id__in=[c.pk for c in cycles],
            status=ObjectiveStatus.ACTIVE,
            owner_team__isnull=False,
        )
        .order_by()
        .values("owner_team_id", "cycle_id")
        .annotate(
            unscored=Count("pk", filter=aspirational & Q(score__isnull=True)),
            products=Sum(F("score") * weight, filter=aspirational, output_field=FloatField()),
            weights=Sum(weight, filter=aspirational & Q(score__isnull=False)),
        )
        .values_list("owner_team_id", "cycle_id", "unscored", "products", "weights")
    )
    order = {c.pk: i for i, c in enumerate(cycles)}
    reviewed: set[int] = set()
    in_chosen: set[int] = set()
    unsure: set[int] = set()
    means: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for team_id_, cycle_id, unscored, products, weights in sums:
        reviewed.add(team_id_)
        if cycle_id == chosen_id:
            in_chosen.add(team_id_)
        if unscored:  # its score falls back to its key results': not summed here
            unsure.add(team_id_)
        if weights:
            means[team_id_].append((order[cycle_id], products / weights))
    candidates = unsure | {
        t for t, rows in means.items() if _might_be_flagged([m for _, m in sorted(rows)])
    }
    histories = _exact_histories(org_id, cycles, candidates)
    streaks = {t: calibration_streak([h.score for h in hs]) for t, hs in histories.items()}
    return _Found(reviewed, in_chosen, histories, streaks)


def _at_size(
    org_id: int,
    cycles: list[Cycle],
    chosen: Cycle,
    team_id: int | None,
    page_number: str | int | None,
) -> CalibrationAtSize:
    found = _find_flags(org_id, cycles, chosen.pk)
    reviewed, in_chosen = found.reviewed, found.in_chosen
    histories, streaks = found.histories, found.streaks
    flags = {t: s.flag for t, s in streaks.items() if s is not None}

    tree = selectors.team_tree(org_id)
    nodes = {n.team.id: n for n in tree}
    if team_id is not None and team_id not in nodes:
        raise Team.DoesNotExist(f"no team {team_id} in organization {org_id}")
    total, departments = _department_flags(tree, reviewed, flags)
    position = {n.team.id: i for i, n in enumerate(tree)}
    scope = (
        {n.team.id for n in tree if team_id in _ancestry(n, nodes)} if team_id is not None else None
    )
    listed = [n for n in tree if n.team.id in reviewed and (scope is None or n.team.id in scope)]
    listed.sort(
        key=lambda n: (
            (0, n.team.name, n.team.id) if n.team.id in flags else (1, n.depth, position[n.team.id])
        )
    )
    page = Paginator(listed, CALIBRATION_ROWS_PER_PAGE).get_page(page_number)
    shown = [n.team.id for n in page.object_list]
    histories.update(_exact_histories(org_id, cycles, set(shown) - histories.keys()))
    spreads = _team_spreads(org_id, chosen, shown)
    organization = _organization_spread(org_id, chosen)
    teams = {n.team.id: _team(org_id, n.team) for n in page.object_list}
    data = CalibrationData(
        cycles=cycles,
        cycle=chosen,
        teams=[TeamCalibration(teams[t], histories[t], streaks.get(t)) for t in shown],
        spreads=[TeamSpread(teams[t], spreads.get(t, Spread())) for t in shown if t in in_chosen],
        organization=organization,
    )
    return CalibrationAtSize(
        data=data,
        page=page,
        scope=nodes[team_id].team if team_id is not None else None,
        total=total,
        departments=departments,
    )


def _team(org_id: int, team: selectors.TreeTeam) -> Team:
    """A Team for the page's rows, from the tree's row (no query)."""
    return Team(
        id=team.id, organization_id=org_id, parent_id=team.parent_id, name=team.name, slug=team.slug
    )


def _ancestry(node: selectors.TeamNode, nodes: dict[int, selectors.TeamNode]) -> list[int]:
    """The node's team and its ancestors' ids, itself first (a loop in the parents stops)."""
    out: list[int] = []
    current: int | None = node.team.id
    while current is not None and current not in out and current in nodes:
        out.append(current)
        current = nodes[current].team.parent_id
    return out


def _department_flags(
    tree: list[selectors.TeamNode], reviewed: set[int], flags: dict[int, CalibrationFlag]
) -> tuple[DepartmentFlags, list[DepartmentFlags]]:
    """The organization's counts and those of each department (the teams under the one root,
    or the roots), the root itself in a row of its own so that the rows add up."""
    roots = [n for n in tree if n.team.parent_id is None]
    heads = [n for n in tree if n.team.parent_id == roots[0].team.id] if len(roots) == 1 else roots
    rows = {n.team.id: DepartmentFlags(n.team) for n in heads}
    above = DepartmentFlags(None)
    total = DepartmentFlags(None)
    nodes = {n.team.id: n for n in tree}
    for node in tree:
        if node.team.id not in reviewed:
            continue
        row = next((rows[t] for t in _ancestry(node, nodes) if t in rows), above)
        flag = flags.get(node.team.id)
        for counts in (row, total):
            counts.teams += 1
            counts.not_ambitious += flag is CalibrationFlag.NOT_AMBITIOUS
            counts.overreach += flag is CalibrationFlag.OVERREACH
    departments = [r for r in rows.values() if r.teams]
    return total, ([above] if above.teams else []) + departments


# --- the flagged teams of a report --------------------------------------------------------------

# A report names this many flagged teams, by name; the calibration review lists them all.
REPORT_FLAGGED = 50


@dataclass
class ReportFlags:
    cycles: list[Cycle]  # the graded quarters looked at, oldest first
    flagged: list[TeamCalibration]  # the first REPORT_FLAGGED by team name
    total: int


def report_flags(org_id: int, *, until: Cycle, last: int) -> ReportFlags:
    """The teams ``calibration(org_id, until=until, last=last)`` flags, found as the review at
    size finds them (grouped sums, candidates confirmed exactly): five queries whatever the
    size, rather than every objective and key result of the quarters."""
    cycles = list(_graded_quarters(org_id).filter(start__lte=until.start))
    cycles = cycles[-last:] if last > 0 else []
    found = _find_flags(org_id, cycles, None)
    flagged = {t: s for t, s in found.streaks.items() if s is not None}
    teams = list(
        Team.objects.filter(_among("pk", sorted(flagged)), organization_id=org_id).order_by(
            "name", "pk"
        )
    )
    return ReportFlags(
        cycles=cycles,
        flagged=[
            TeamCalibration(t, found.histories[t.pk], flagged[t.pk]) for t in teams[:REPORT_FLAGGED]
        ],
        total=len(teams),
    )
