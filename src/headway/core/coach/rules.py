"""The coach's rule book: every rule, by stable id, with the reason it exists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from headway.core.coach.model import Finding, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    title: str
    why: str  # one sentence: the mistake, in the terms of the OKR method


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

# The order here is the order findings come out in, after their position in the objective.
_RULES = (
    # The objective itself.
    Rule(
        "objective-has-number",
        _W,
        "Objective contains a number",
        "An objective paints the qualitative state you want to reach; the numbers that prove you"
        " reached it belong in the key results.",
    ),
    Rule(
        "kpi-in-okr-format",
        _E,
        "A KPI rewritten as an OKR",
        "When the objective only names a metric to move and a key result moves that same metric,"
        " the OKR is a KPI in disguise and says nothing about where the team is heading.",
    ),
    Rule(
        "objective-too-long",
        _I,
        "Objective too long",
        "An objective should be short and clear enough to repeat from memory; a long one usually"
        " hides a plan or a list of metrics.",
    ),
    Rule(
        "too-few-key-results",
        _W,
        "Fewer than 2 key results",
        "A single measure rarely captures an ambition and is easy to game; two to five key results"
        " show progress from more than one side.",
    ),
    Rule(
        "too-many-key-results",
        _W,
        "More than 5 key results",
        "Beyond five key results the objective loses its focus: the team cannot tell which"
        " numbers really matter this cycle.",
    ),
    # Each key result.
    Rule(
        "nothing-to-measure",
        _E,
        "Key result with nothing to measure",
        "A key result is the evidence that the objective was met; without a number or a"
        " done/not-done milestone nobody can say at the end of the cycle whether it happened.",
    ),
    Rule(
        "no-baseline",
        _W,
        "Key result without a baseline",
        "Without the starting value nobody can tell a stretch from a number already reached;"
        " the formula is \u201cfrom X to Y\u201d.",
    ),
    Rule(
        "target-equals-start",
        _E,
        "Target equals the starting value",
        "A key result whose target is where you already stand asks for no change, so it can"
        " neither show progress nor stretch anyone.",
    ),
    Rule(
        "output-not-outcome",
        _W,
        "Output instead of outcome",
        "Shipping work is an output; a key result should show the impact the work is meant to"
        " have, which leaves the team free to find a better way to get there.",
    ),
    Rule(
        "duplicate-key-results",
        _W,
        "Duplicate key results",
        "Two key results that measure the same thing count one signal twice and leave another"
        " side of the objective unmeasured.",
    ),
    # Across the cycle.
    Rule(
        "too-many-objectives",
        _W,
        "More than 4 objectives for one owner",
        "Focus means choosing: two to four objectives per owner and cycle is what a team can"
        " really push forward, and more dilutes every one of them.",
    ),
    Rule(
        "unaligned-team-objective",
        _I,
        "Team objective aligned to nothing",
        "OKRs cascade from the company to its teams; a team objective that supports none of the"
        " company's objectives may be pulling in a direction of its own.",
    ),
    Rule(
        "always-perfect-score",
        _W,
        "Aspirational OKRs always fully met",
        "Aspirational OKRs are meant to stretch, landing around 0.7; scoring 0.9 or more cycle"
        " after cycle means the bar was set too low.",
    ),
    Rule(
        "overconfident-week-one",
        _I,
        "Full confidence on every key result in week one",
        "Ambitious key results start with some doubt; if every one feels certain in the first"
        " week, they are probably targets the team already knows it will hit.",
    ),
)

RULES: Mapping[str, Rule] = MappingProxyType({rule.id: rule for rule in _RULES})
RULE_RANK: Mapping[str, int] = MappingProxyType({rule.id: i for i, rule in enumerate(_RULES)})
_SEVERITY = {rule.id: rule.severity for rule in _RULES}


def finding(
    rule_id: str, *, message: str, suggestion: str, objective: str = "", target: str = "objective"
) -> Finding:
    """A finding of a rule, with the rule's severity."""
    return Finding(rule_id, _SEVERITY[rule_id], message, suggestion, objective, target)
