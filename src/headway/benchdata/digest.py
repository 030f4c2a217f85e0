"""A fingerprint of a generated organization's rows, for checking that they repeat exactly.

Ids differ from one load to the next (the tables already hold other rows), so each id and
foreign key to a generated table is taken relative to the organization's first id in that
table; rows are read in the order of all their columns. Compare digests on one database kind:
each backend returns its own Python types for the same stored values.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.db.models import Min

from headway.benchdata.generate import ALLOCATED, Generator


def _bases(org_id: int) -> dict[str, int]:
    bases: dict[str, int] = {"orgs.Organization": org_id}
    for label in ALLOCATED[1:]:
        model: Any = apps.get_model(label)
        if label == "orgs.User":
            found = model.objects.filter(memberships__organization_id=org_id)
        else:
            found = model.objects.filter(organization_id=org_id)
        bases[label] = found.aggregate(first=Min("id"))["first"] or 0
    return bases


def digest(org_id: int) -> str:
    """SHA-256 of the organization's rows in every table ``bench-data`` writes."""
    bases = _bases(org_id)
    hasher = hashlib.sha256()
    for label, columns in Generator.TABLE_COLUMNS:
        model: Any = apps.get_model(label)
        targets: list[str | None] = []
        for column in columns:
            if column == "id":
                targets.append(label)
                continue
            field = next(f for f in model._meta.concrete_fields if f.attname == column)
            related = field.related_model._meta.label if field.is_relation else None
            targets.append(related if related in bases else None)
        if label == "orgs.Organization":
            rows = model.objects.filter(pk=org_id)
        elif label == "orgs.User":
            rows = model.objects.filter(memberships__organization_id=org_id)
        else:
            rows = model.objects.filter(organization_id=org_id)
        hasher.update(f"{label}\n".encode())
        for row in rows.order_by(*columns).values_list(*columns):
            shifted = tuple(
                value - bases[target] if target and value is not None else value
                for value, target in zip(row, targets, strict=True)
            )
            hasher.update(repr(shifted).encode())
    return hasher.hexdigest()
