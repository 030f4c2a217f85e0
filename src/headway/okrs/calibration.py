"""The calibration review: each team's aspirational scores over the graded quarters, the teams
that keep scoring too high or too low, and how key result grades spread across the bands.

Three queries whatever the number of teams, cycles and key results: the graded cycles, their
team objectives, and those objectives' key results.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from headway import core
from headway.core.calibration import (
    OVERREACH,
    CalibrationFlag,
    Spread,
    Streak,
    calibration_streak,
    explain,
    spread,
)
from headway.core.coach.cycle_rules import TOO_EASY
from headway.okrs import cycles as lifecycle
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
    queryset = Cycle.objects.filter(
        organization_id=org_id, kind=CycleKind.QUARTER, state__in=lifecycle.GRADED_STATES
    ).order_by("start", "id")
    if until is not None:
        queryset = queryset.filter(start__lte=until.start)
    cycles = list(queryset)
    if last is not None:
        cycles = cycles[-last:] if last > 0 else []
    chosen = cycle if cycle is not None else (cycles[-1] if cycles else None)
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
        history = []
        for c in cycles:
            rows = aspirational[team_id].get(c.pk)
            mean = core.weighted_mean(rows) if rows else None
            if mean is not None and rows is not None:
                history.append(TeamCycle(c, mean, len(rows)))
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
