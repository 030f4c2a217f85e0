"""Column types shared by the apps, so every measured value has the same precision."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models


def value_field(**kwargs: Any) -> models.DecimalField:
    """A measured value: up to 16 digits before the point and 4 after (matches errors.to_value)."""
    return models.DecimalField(max_digits=20, decimal_places=4, **kwargs)


def weight_field() -> models.DecimalField:
    return models.DecimalField(max_digits=8, decimal_places=3, default=Decimal("1"))
