"""What the coach reads and what it says: plain data, built from forms, the API, files or rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"  # breaks the OKR method: `headway lint` exits 1
    WARNING = "warning"  # a classic mistake worth fixing
    INFO = "info"  # a hint


@dataclass(frozen=True, slots=True)
class KeyResultDraft:
    title: str
    start: float | None = None  # the baseline; None when the author gave none
    target: float | None = None
    kind: str = "metric"  # metric, percentage, currency, milestone
    direction: str = "increase"  # increase, decrease, at_least, at_most
    unit: str = ""
    result_type: str | None = None  # "outcome" / "output" when the author said so
    confidence: int | None = None  # the latest confidence, 0-10
    key: str = ""


@dataclass(frozen=True, slots=True)
class ObjectiveDraft:
    title: str
    key_results: tuple[KeyResultDraft, ...] = ()
    description: str = ""
    key: str = ""
    owner: str = ""  # a stable owner name ("team:marketing", "person:dana") for per-owner rules
    owner_is_team: bool = True
    is_company: bool = False  # owned by the root team
    aligned: bool = False  # supports at least one other objective
    kind: str = "aspirational"  # or committed
    score: float | None = None  # the graded score when the cycle is over


@dataclass(frozen=True, slots=True)
class CycleDraft:
    """One owner-cycle set of objectives, for the rules that look across objectives."""

    objectives: tuple[ObjectiveDraft, ...]
    name: str = ""
    week: int | None = None  # 1 in the cycle's first week; None when unknown
    # Earlier cycles' mean aspirational score per owner, oldest first.
    history: dict[str, tuple[float, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str  # a stable rule id, e.g. "kpi-in-okr-format"
    severity: Severity
    message: str  # why it matters, in the seeds' terms
    suggestion: str  # a concrete fix
    objective: str = ""  # the objective's key (or title when it has no key)
    target: str = "objective"  # "objective", "key_results[1]", or "cycle"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "suggestion": self.suggestion,
            "objective": self.objective,
            "target": self.target,
        }
