"""Fetch one object of the acting person's organization, or raise NotFound.

Another organization's object is simply not found: its existence is not revealed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from headway.errors import NotFound, ValidationFailed
from headway.orgs.models import Membership

M = TypeVar("M", bound=models.Model)
# Primary keys are signed 64-bit integers on every supported database.
MAX_ID = 2**63 - 1


def _is_id(pk: Any) -> bool:
    try:
        return 0 < int(pk) <= MAX_ID
    except (TypeError, ValueError):
        return False


def get_for(
    membership: Membership,
    model: type[M],
    pk: Any,
    *,
    select: tuple[str, ...] = (),
    **lookup: Any,
) -> M:
    queryset = model._default_manager.filter(organization_id=membership.organization_id)
    if select:
        queryset = queryset.select_related(*select)
    # Ids in ``lookup`` come from the URL too (kpi_id of /kpis/{kpi_id}/sources/{source_id}): one
    # beyond 64 bits names nothing, rather than overflowing in the driver.
    ids_fit = _is_id(pk) and all(_is_id(v) for k, v in lookup.items() if k.endswith("_id"))
    found = queryset.filter(pk=pk, **lookup).first() if ids_fit else None
    if found is None:
        raise NotFound(str(model._meta.verbose_name), pk)
    return found


def get_ref(membership: Membership, model: type[M], pk: Any, field: str) -> M | None:
    """Resolve a reference given in a request body: None stays None, a bad id names ``field``."""
    if pk is None:
        return None
    try:
        return get_for(membership, model, pk)
    except NotFound:
        raise ValidationFailed(
            {field: f"no such {model._meta.verbose_name} in this organization"}
        ) from None
