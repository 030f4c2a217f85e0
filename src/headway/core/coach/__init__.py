"""The OKR coach: offline rules that catch the classic OKR mistakes, say why, and suggest a fix.

findings = lint_cycle(CycleDraft(objectives=(...)), disabled={"objective-too-long"})
if has_errors(findings): ...
"""

from headway.core.coach.lint import has_errors, lint_cycle, lint_objective
from headway.core.coach.model import (
    CycleDraft,
    Finding,
    KeyResultDraft,
    ObjectiveDraft,
    Severity,
)
from headway.core.coach.rules import RULES, Rule

__all__ = [
    "RULES",
    "CycleDraft",
    "Finding",
    "KeyResultDraft",
    "ObjectiveDraft",
    "Rule",
    "Severity",
    "has_errors",
    "lint_cycle",
    "lint_objective",
]
