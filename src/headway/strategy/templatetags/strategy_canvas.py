"""Template tags of the Strategy Canvas used on other areas' pages."""

from __future__ import annotations

from typing import Any

from django import template

from headway.okrs.models import Objective
from headway.strategy.canvas_selectors import origin_of

register = template.Library()


@register.inclusion_tag("strategy/canvas_origin.html")
def canvas_origin(objective: Objective) -> dict[str, Any]:
    """ "From the strategy canvas: <canvas> / <factor>" on an objective made from a factor."""
    return {"factor": origin_of(objective)}
