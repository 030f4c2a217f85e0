"""The objective page's retrospective and copies panel, loaded by ``okrs/_carry.html``.

It reads what it needs in at most two queries: the objective's origin with its copies, and, for
someone who may copy it, the open cycles.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from headway.okrs import carry
from headway.okrs.choices import CycleKind, OriginKind
from headway.okrs.cycles import is_graded
from headway.okrs.models import Objective

register = template.Library()


@register.inclusion_tag("okrs/_carry_panel.html", takes_context=True)
def carry_panel(context: template.Context) -> dict[str, Any]:
    objective: Objective = context["objective"]
    can_edit = bool(context.get("can_edit"))
    related = list(
        Objective.objects.filter(Q(pk=objective.origin_id) | Q(origin_id=objective.pk))
        .select_related("cycle")
        .order_by("cycle__start", "id")
    )
    origin = next((o for o in related if o.pk == objective.origin_id), None)
    copies = [o for o in related if o.origin_id == objective.pk]
    panel: dict[str, Any] = {
        "objective": objective,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "origin": origin,
        "copies": copies,
        "carried_to": [o for o in copies if o.origin_kind == OriginKind.CARRIED_OVER],
        "duplicated_as": [o for o in copies if o.origin_kind == OriginKind.DUPLICATED],
        "can_edit": can_edit,
        "emphasised": is_graded(objective.cycle),
        "finished": objective.progress >= 1,
        "retro_max": carry.RETRO_MAX_LENGTH,
    }
    if can_edit:
        cycles = list(carry.open_cycles(objective.organization_id))
        targets = carry.carry_over_targets(cycles, objective)
        panel["carry_targets"] = targets
        # The next quarter first, as the service would choose when asked for no cycle.
        panel["carry_default"] = next(
            (c for c in targets if c.kind == CycleKind.QUARTER), targets[0] if targets else None
        )
        panel["duplicate_targets"] = carry.duplicate_targets(cycles, objective)
    return panel
