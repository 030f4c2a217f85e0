"""The grading section of the objective page: scores beside progress once grading has started,
and a grading form per key result while the cycle is in grading.

A tag rather than view code, so the objective page stays as it is for cycles not being graded
(no query is added there).
"""

from __future__ import annotations

from typing import Any

from django import template

from headway.okrs import scoreboard
from headway.okrs.cycles import is_graded
from headway.okrs.views.cycles import grade_item, scores_context

register = template.Library()


@register.inclusion_tag("okrs/_grading_section.html", takes_context=True)
def grading_section(context: template.Context) -> dict[str, Any]:
    objective = context["objective"]
    if not is_graded(objective.cycle):
        return {"show": False}
    membership = context["request"].membership
    rows = context.get("rows") or []
    krs = [row.kr for row in rows]
    for kr in krs:
        # The rows' key results come without their objective loaded; it is this one.
        kr.objective = objective
    graders = scoreboard.graders(krs)
    can_edit = bool(context.get("can_edit"))
    items = [
        grade_item(
            kr,
            membership,
            can_edit_objective=can_edit,
            grader=graders.get(kr.graded_by_id or 0),
        )
        for kr in krs
    ]
    return {
        "show": True,
        "items": items,
        "cycle": objective.cycle,
        "csrf_token": context.get("csrf_token"),
        "request": context["request"],
        **scores_context(objective),
    }
