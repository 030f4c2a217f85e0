"""The coach over the API: check a draft objective before writing it, and list the rules."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from headway.api.auth import actor
from headway.api.types import ObjectIn
from headway.core import Direction, KRKind
from headway.core.coach import RULES, has_errors, lint_objective
from headway.errors import ValidationFailed
from headway.okrs.coach import disabled_rules, lint_draft_input

router = Router(tags=["coach"])

# Generous bounds: a draft is text to check, but not an unbounded one.
MAX_TITLE = 1000
MAX_DESCRIPTION = 10_000
MAX_KEY_RESULTS = 50


class KeyResultDraftIn(ObjectIn):
    title: str = Field(max_length=MAX_TITLE)
    start: float | None = Field(None, allow_inf_nan=False, description="The baseline.")
    target: float | None = Field(None, allow_inf_nan=False)
    kind: KRKind = KRKind.METRIC
    direction: Direction = Direction.INCREASE
    unit: str = Field("", max_length=30)
    result_type: Literal["outcome", "output"] | None = None


class ObjectiveDraftIn(ObjectIn):
    title: str = Field(max_length=MAX_TITLE)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    key_results: list[KeyResultDraftIn] = Field([], max_length=MAX_KEY_RESULTS)


class LintIn(ObjectIn):
    objective: ObjectiveDraftIn
    disabled: list[str] = Field(
        [],
        max_length=len(RULES) + 10,
        description="Rule ids to leave out, beside those the organization switched off.",
    )


class CoachFindingOut(Schema):
    rule: str
    severity: str
    message: str
    suggestion: str
    objective: str
    target: str


class LintOut(Schema):
    findings: list[CoachFindingOut]
    errors: bool = Field(description="Whether any finding is an error (what fails `headway lint`).")


class RuleOut(Schema):
    id: str
    severity: str
    title: str
    why: str
    enabled: bool = Field(description="False when the organization switched the rule off.")


@router.post("", response=LintOut)
def lint(request: HttpRequest, payload: LintIn) -> LintOut:
    unknown = sorted(set(payload.disabled) - RULES.keys())
    if unknown:
        raise ValidationFailed({"disabled": f"no such coach rule: {', '.join(unknown)}"})
    draft = lint_draft_input(payload.objective.model_dump(mode="json"))
    disabled = {*disabled_rules(actor(request).organization), *payload.disabled}
    findings = lint_objective(draft, disabled=tuple(sorted(disabled)))
    return LintOut(
        findings=[CoachFindingOut(**f.as_dict()) for f in findings], errors=has_errors(findings)
    )


@router.get("/rules", response=list[RuleOut])
def rules(request: HttpRequest) -> list[RuleOut]:
    off = set(disabled_rules(actor(request).organization))
    return [
        RuleOut(
            id=rule.id,
            severity=rule.severity.value,
            title=rule.title,
            why=rule.why,
            enabled=rule.id not in off,
        )
        for rule in RULES.values()
    ]
