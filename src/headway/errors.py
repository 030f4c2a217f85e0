"""Errors that services raise and every interface (web, API, CLI) turns into a clear answer."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

T = TypeVar("T")

# Matches DecimalField(max_digits=20, decimal_places=4): 16 digits before the point.
VALUE_LIMIT = Decimal("1e16")


class ValidationFailed(Exception):
    """Bad input, named by field: ``{"confidence": "must be between 0 and 10"}``."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class NotFound(Exception):
    """The object does not exist in this organization (another organization's is not found too)."""

    def __init__(self, what: str, ident: Any) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"{what} {ident!r} not found")


def to_value(raw: Any, field: str) -> Decimal:
    """A finite number that fits the value columns, or ValidationFailed naming ``field``."""
    if isinstance(raw, bool) or raw is None:
        raise ValidationFailed({field: "must be a number"})
    try:
        value = Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise ValidationFailed({field: f"must be a number, not {str(raw)[:40]!r}"}) from None
    if not value.is_finite() or (isinstance(raw, float) and not math.isfinite(raw)):
        raise ValidationFailed({field: "must be a finite number"})
    if abs(value) >= VALUE_LIMIT:
        raise ValidationFailed({field: "is too large"})
    return value.quantize(Decimal("0.0001"))


def to_date(raw: Any, field: str) -> dt.date:
    """A date from a date, a datetime or text starting "YYYY-MM-DD", or ValidationFailed."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        raise ValidationFailed(
            {field: f"must be a date (YYYY-MM-DD), not {str(raw)[:40]!r}"}
        ) from None


def to_confidence(raw: Any, field: str = "confidence") -> int:
    if isinstance(raw, bool):
        raise ValidationFailed({field: "must be a whole number from 0 to 10"})
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ValidationFailed({field: "must be a whole number from 0 to 10"}) from None
    if not 0 <= value <= 10:
        raise ValidationFailed({field: f"must be between 0 and 10, got {value}"})
    return value


def to_weight(raw: Any, field: str = "weight") -> Decimal:
    value = to_value(raw, field)
    if value <= 0:
        raise ValidationFailed({field: "must be greater than 0"})
    if value >= Decimal("100000"):
        raise ValidationFailed({field: "is too large"})
    return value.quantize(Decimal("0.001"))


class Problems:
    """Collects field errors so that bad input is answered with all of its problems at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def check(self, convert: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """``convert(*args, **kwargs)``, or None with its ValidationFailed recorded."""
        try:
            return convert(*args, **kwargs)
        except ValidationFailed as exc:
            for field, message in exc.errors.items():
                self.add(field, message)
            return None

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


NUL = "nul"
SURROGATE = "surrogate"


def unstorable(text: str) -> str | None:
    """Why no database column can hold ``text``, or None when any can.

    NUL: PostgreSQL text cannot hold it (refuse it before the driver fails). SURROGATE: a
    lone surrogate (JSON and YAML escapes can write "\ud800") has no UTF-8 form: no database
    stores it.
    """
    if "\x00" in text:
        return NUL
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE
    return None


def to_text(raw: Any, field: str, *, max_length: int, required: bool = True) -> str:
    text = "" if raw is None else str(raw).strip()
    problem = unstorable(text)
    if problem == NUL:
        raise ValidationFailed({field: "must not contain NUL characters"})
    if problem == SURROGATE:
        raise ValidationFailed({field: "must be valid Unicode text"})
    if required and not text:
        raise ValidationFailed({field: "is required"})
    if len(text) > max_length:
        raise ValidationFailed({field: f"must be at most {max_length} characters"})
    return text


def to_choice(raw: Any, field: str, allowed: Iterable[str]) -> str:
    options = list(allowed)
    if raw not in options:
        raise ValidationFailed({field: f"must be one of {', '.join(options)}"})
    return str(raw)
