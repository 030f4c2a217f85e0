"""Helpers shared by the pages of every area."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.forms import Form
from django.http import Http404

from headway.errors import NotFound, ValidationFailed
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership

M = TypeVar("M", bound=models.Model)


def get_or_404(membership: Membership, model: type[M], pk: Any, **kwargs: Any) -> M:
    """One object of the person's organization; anything else (another's too) is a 404."""
    try:
        return get_for(membership, model, pk, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc)) from None


def add_service_errors(
    form: Form, exc: ValidationFailed, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's field errors beside the form's fields (``cycle_id`` -> ``cycle``)."""
    field_map = field_map or {}
    for field, message in exc.errors.items():
        name = field_map.get(field, field.removesuffix("_id"))
        form.add_error(name if name in form.fields else None, message)
