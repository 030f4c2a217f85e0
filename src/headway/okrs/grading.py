"""Grading key results at the end of a cycle: a score on the 0.1 grid, with a reason when it
differs from the default (the final progress on the grid).

Whoever may edit a key result grades it, while its cycle is in grading. Each grade moves the
objective's, the team's and the organization's scores at once (``recompute_scores``).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from headway import core
from headway.audit import services as audit
from headway.errors import Problems, ValidationFailed, to_text
from headway.okrs.choices import CycleState
from headway.okrs.models import KeyResult
from headway.okrs.scores import recompute_scores
from headway.orgs import permissions
from headway.orgs.models import Membership

GRADE_FIELDS = ["score", "score_reason", "graded_at", "graded_by"]
MAX_REASON_LENGTH = 2000
# The scores a grader picks from: 0.0, 0.1, ... 1.0.
SCORE_CHOICES = [n / 10 for n in range(11)]


def to_score(raw: Any, field: str = "score") -> float:
    """A score on the 0.1 grid from 0.0 to 1.0, from a number or its text."""
    message = "must be a number from 0.0 to 1.0 in steps of 0.1"
    if isinstance(raw, bool) or raw is None:
        raise ValidationFailed({field: message})
    try:
        value = float(Decimal(str(raw).strip()))
    except (InvalidOperation, ValueError):
        raise ValidationFailed({field: f"{message}, not {str(raw)[:40]!r}"}) from None
    if not math.isfinite(value):
        raise ValidationFailed({field: message})
    try:
        return core.validate_score(value)
    except ValueError:
        raise ValidationFailed({field: f"{message}, got {str(raw)[:40]}"}) from None


def _gradable(actor: Membership, key_result: KeyResult) -> KeyResult:
    """The key result, locked, once the actor may grade it and its cycle is in grading."""
    if not permissions.can_check_in(actor, key_result):
        raise PermissionDenied("you may not grade this key result")
    kr = (
        KeyResult.objects.select_for_update()
        .select_related("objective__cycle")
        .get(pk=key_result.pk)
    )
    state = kr.objective.cycle.state
    if state != CycleState.GRADING:
        raise ValidationFailed(
            {
                "score": f"the cycle is not in grading (it is {state}): key results are graded "
                "between the end of the cycle and its closing"
            }
        )
    return kr


def _store_grade(
    actor: Membership,
    kr: KeyResult,
    action: str,
    *,
    score: float | None,
    reason: str,
    graded_at: dt.datetime | None,
    graded_by: Membership | None,
) -> KeyResult:
    """Save the grade fields, move the scores above the key result and audit the change."""
    before = audit.snapshot(kr, GRADE_FIELDS)
    kr.score = score
    kr.score_reason = reason
    kr.graded_at = graded_at
    kr.graded_by = graded_by
    kr.save(update_fields=[*GRADE_FIELDS, "updated_at"])
    recompute_scores(kr.objective.cycle)
    audit.record(
        organization_id=kr.organization_id,
        actor_id=actor.user_id,
        action=action,
        instance=kr,
        before=before,
        after=audit.snapshot(kr, GRADE_FIELDS),
    )
    return kr


@transaction.atomic
def grade_key_result(
    *, actor: Membership, key_result: KeyResult, score: Any, reason: Any = ""
) -> KeyResult:
    """Store ``score`` on the key result; a score other than the default needs a reason."""
    kr = _gradable(actor, key_result)
    problems = Problems()
    clean_score = problems.check(to_score, score)
    clean_reason = (
        problems.check(to_text, reason, "reason", max_length=MAX_REASON_LENGTH, required=False)
        or ""
    )
    default = core.default_score(kr.progress)
    if clean_score is not None and clean_score != default and not clean_reason:
        problems.add(
            "reason",
            f"say why the score differs from the default {default:.1f} (the final progress)",
        )
    problems.raise_any()
    return _store_grade(
        actor,
        kr,
        "key_result.grade",
        score=clean_score,
        reason=clean_reason,
        graded_at=timezone.now(),
        graded_by=actor,
    )


@transaction.atomic
def clear_grade(*, actor: Membership, key_result: KeyResult) -> KeyResult:
    """Forget the grade: the key result counts with its default score again."""
    kr = _gradable(actor, key_result)
    return _store_grade(
        actor,
        kr,
        "key_result.grade_clear",
        score=None,
        reason="",
        graded_at=None,
        graded_by=None,
    )
