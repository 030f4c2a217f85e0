"""``headway lint``: the coach over OKR files, each finding at the line it is about.

Works on the file alone: no database, no organization. A file that cannot be read is one finding
per problem, under the rule id ``invalid-file`` (an error).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from headway.core.coach import Finding, Severity, lint_cycle
from headway.okrsfile.drafts import cycle_drafts
from headway.okrsfile.model import Entry, FileProblems, OkrsFile
from headway.okrsfile.parse import load

INVALID_FILE = "invalid-file"
_KR_TARGET = "key_results["


@dataclass(frozen=True)
class FileFinding:
    file: str
    line: int
    rule: str
    severity: str
    message: str
    suggestion: str
    objective: str = ""  # the objective's key
    target: str = ""  # "objective", "key_results[1]", "cycle" (or "" for a file problem)
    column: int | None = None  # for YAML syntax errors

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        del data["column"]
        return data

    def text(self) -> str:
        where = f"{self.file}:{self.line}" + (f":{self.column}" if self.column else "")
        advice = f" ({self.suggestion})" if self.suggestion else ""
        return f"{where}: {self.severity} {self.rule}: {self.message}{advice}"


def lint_text(text: str, name: str) -> list[FileFinding]:
    try:
        file = load(text, name)
    except FileProblems as exc:
        return [
            FileFinding(
                file=name,
                line=p.line,
                rule=INVALID_FILE,
                severity=Severity.ERROR.value,
                message=f"{p.path}: {p.message}" if p.path else p.message,
                suggestion="",
                column=p.column,
            )
            for p in exc.problems
        ]
    return lint_file(file)


def lint_file(file: OkrsFile) -> list[FileFinding]:
    out: list[FileFinding] = []
    for cycle, draft in cycle_drafts(file):
        objectives = {o.key: o for o in cycle.children}
        for finding in lint_cycle(draft, disabled=file.disabled or ()):
            line = _line(finding, cycle, objectives.get(finding.objective))
            out.append(
                FileFinding(
                    file=file.name,
                    line=line,
                    rule=finding.rule,
                    severity=finding.severity.value,
                    message=finding.message,
                    suggestion=finding.suggestion,
                    objective=finding.objective,
                    target=finding.target,
                )
            )
    return out


def _line(finding: Finding, cycle: Entry, objective: Entry | None) -> int:
    """The key result's line for a finding about one, else the objective's, else the cycle's."""
    if objective is None:
        return cycle.line
    target = finding.target
    if target.startswith(_KR_TARGET) and target.endswith("]"):
        index = target[len(_KR_TARGET) : -1]
        if index.isdigit() and int(index) < len(objective.children):
            return objective.children[int(index)].line
    return objective.line


def has_errors(findings: Iterable[FileFinding]) -> bool:
    return any(f.severity == Severity.ERROR.value for f in findings)
