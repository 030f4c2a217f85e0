"""Rules that look across a cycle: focus per owner, alignment, calibration and confidence."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from headway.core.coach.model import CycleDraft, Finding, ObjectiveDraft
from headway.core.coach.rules import finding
from headway.core.coach.text import number, quote

MAX_OBJECTIVES = 4
TOO_EASY = 0.9  # a mean aspirational score this high, cycle after cycle, was not a stretch
TOO_EASY_CYCLES = 2
FULL_CONFIDENCE = 10
MIN_CONFIDENT_KRS = 3


def _owner_name(owner: str) -> str:
    """The owner as the subject of a sentence."""
    return quote(owner) if owner else "The owner"


def _by_owner(cycle: CycleDraft) -> dict[str, list[ObjectiveDraft]]:
    groups: dict[str, list[ObjectiveDraft]] = {}
    for objective in cycle.objectives:
        groups.setdefault(objective.owner, []).append(objective)
    return groups


def too_many_objectives(cycle: CycleDraft) -> Iterator[Finding]:
    for owner, objectives in _by_owner(cycle).items():
        if len(objectives) <= MAX_OBJECTIVES:
            continue
        titles = ", ".join(quote(o.title, 40) for o in objectives)
        yield finding(
            "too-many-objectives",
            target="cycle",
            message=(
                f"{_owner_name(owner)} has"
                f" {len(objectives)} objectives this cycle ({titles}). With that many, each one"
                " gets a sliver of attention and the team cannot say what matters most."
            ),
            suggestion=(
                f"Keep the {MAX_OBJECTIVES} (ideally 2 or 3) that matter most this quarter; move"
                " the rest to a later cycle, or watch them as KPIs if they are business as usual."
            ),
        )


def unaligned_team_objectives(cycle: CycleDraft) -> dict[int, Finding]:
    """Findings by the index of the objective they are about."""
    company = [o for o in cycle.objectives if o.is_company]
    if not company:
        return {}
    names = ", ".join(quote(o.title, 40) for o in company[:3])
    found: dict[int, Finding] = {}
    for index, objective in enumerate(cycle.objectives):
        if not objective.owner_is_team or objective.is_company or objective.aligned:
            continue
        found[index] = finding(
            "unaligned-team-objective",
            objective=objective.key or objective.title,
            message=(
                f"The team objective {quote(objective.title)} supports none of the company's"
                f" objectives ({names}). Unaligned, it may pull the team away from what the"
                " company is trying to achieve this cycle."
            ),
            suggestion=(
                "Link it to the company objective it serves; if it serves none, ask whether it"
                " belongs in this cycle, or say in its description why it stands on its own."
            ),
        )
    return found


def _current_scores(cycle: CycleDraft) -> dict[str, float]:
    scores: dict[str, list[float]] = {}
    for objective in cycle.objectives:
        if objective.kind == "aspirational" and objective.score is not None:
            scores.setdefault(objective.owner, []).append(objective.score)
    return {owner: sum(values) / len(values) for owner, values in scores.items()}


def always_perfect_score(cycle: CycleDraft) -> Iterator[Finding]:
    current = _current_scores(cycle)
    owners = list(dict.fromkeys(o.owner for o in cycle.objectives))
    owners += sorted(set(cycle.history) - set(owners))
    for owner in owners:
        series = list(cycle.history.get(owner, ()))
        if owner in current:
            series.append(current[owner])
        streak: list[float] = []
        for score in reversed(series):
            if not (math.isfinite(score) and score >= TOO_EASY):
                break
            streak.append(score)
        if len(streak) < TOO_EASY_CYCLES:
            continue
        scores = ", ".join(number(round(v, 2)) for v in reversed(streak))
        yield finding(
            "always-perfect-score",
            target="cycle",
            message=(
                f"{_owner_name(owner)} scored {scores} on its aspirational OKRs over"
                f" the last {len(streak)} cycles. Stretch goals should land around 0.7;"
                " reaching nearly all of them every time means they were not stretching."
            ),
            suggestion=(
                "Next cycle, set aspirational targets the team gives roughly a 50-70% chance,"
                " or mark the objectives that must be fully met as committed."
            ),
        )


def overconfident_week_one(cycle: CycleDraft) -> Iterator[Finding]:
    if cycle.week != 1:
        return
    confidences = [
        kr.confidence
        for objective in cycle.objectives
        for kr in objective.key_results
        if kr.confidence is not None
    ]
    if len(confidences) < MIN_CONFIDENT_KRS or any(c != FULL_CONFIDENCE for c in confidences):
        return
    yield finding(
        "overconfident-week-one",
        target="cycle",
        message=(
            f"All {len(confidences)} key results with a confidence are at"
            f" {FULL_CONFIDENCE}/{FULL_CONFIDENCE} in the first week of"
            f" {quote(cycle.name) if cycle.name else 'the cycle'}. Goals that already feel"
            " certain are not stretching anyone; ambitious ones start with some doubt."
        ),
        suggestion=(
            "Ask for an honest confidence per key result (5 is a fair start for a stretch);"
            " if 10 is honest, raise the targets until it is not."
        ),
    )


CHECKS: dict[str, Callable[[CycleDraft], Iterator[Finding]]] = {
    "too-many-objectives": too_many_objectives,
    "always-perfect-score": always_perfect_score,
    "overconfident-week-one": overconfident_week_one,
}
