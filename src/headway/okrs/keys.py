"""Stable keys for objectives and key results: slugs of their titles, made unique."""

from __future__ import annotations

from collections.abc import Container

from django.utils.text import slugify

MAX_LENGTH = 80


def unique_key(title: str, taken: Container[str], fallback: str = "okr") -> str:
    """``title`` as a slug that is not in ``taken``: "increase-revenue", "increase-revenue-2"."""
    base = slugify(title)[: MAX_LENGTH - 4].strip("-") or fallback
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key
