"""Running the rules: one objective, or a whole cycle, in a stable order."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from headway.core.coach import cycle_rules, key_result_rules, objective_rules
from headway.core.coach.model import CycleDraft, Finding, ObjectiveDraft, Severity
from headway.core.coach.rules import RULE_RANK
from headway.core.coach.subject import Subject, read

_OBJECTIVE_CHECKS = {**objective_rules.CHECKS, **key_result_rules.CHECKS}
_KR_TARGET = "key_results["


def _position(finding: Finding) -> tuple[int, int]:
    # The objective first, then its key results in order; within one place, rule-book order.
    target = finding.target
    place = int(target[len(_KR_TARGET) : -1]) if target.startswith(_KR_TARGET) else -1
    return place, RULE_RANK[finding.rule]


Check = Callable[[Subject], Iterator[Finding]]


def _checks(off: Collection[str]) -> tuple[Check, ...]:
    """The objective and key-result checks still switched on, in rule-book order."""
    return tuple(check for rule_id, check in _OBJECTIVE_CHECKS.items() if rule_id not in off)


def _lint(objective: ObjectiveDraft, checks: tuple[Check, ...]) -> list[Finding]:
    if not checks:
        return []  # every objective rule is off: no need to read the wording
    subject = read(objective)
    findings = [found for check in checks for found in check(subject)]
    if len(findings) > 1:
        findings.sort(key=_position)
    return findings


def lint_objective(objective: ObjectiveDraft, *, disabled: Collection[str] = ()) -> list[Finding]:
    """Every finding about one objective and its key results."""
    return _lint(objective, _checks(frozenset(disabled)))


def lint_cycle(cycle: CycleDraft, *, disabled: Collection[str] = ()) -> list[Finding]:
    """Each objective's findings, in the cycle's order, then the findings about the cycle."""
    off = frozenset(disabled)
    unaligned = (
        {} if "unaligned-team-objective" in off else cycle_rules.unaligned_team_objectives(cycle)
    )
    checks = _checks(off)
    findings: list[Finding] = []
    for index, objective in enumerate(cycle.objectives):
        own = _lint(objective, checks)
        if index in unaligned:
            own.append(unaligned[index])
            own.sort(key=_position)
        findings += own
    for rule_id, check in cycle_rules.CHECKS.items():
        if rule_id not in off:
            findings += check(cycle)
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    """True when a finding breaks the method (``headway lint`` then exits 1)."""
    return any(f.severity is Severity.ERROR for f in findings)
