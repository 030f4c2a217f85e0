"""Reading untrusted JSON data: every value checked, every problem named by its path.

Each reader raises ``ValidationFailed({path: message})`` for the first problem it meets, with paths
such as ``teams[3].parent`` or ``objectives[0].key_results[1].checkins[2].confidence``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterator
from decimal import Decimal
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug

from headway.errors import NUL, SURROGATE, ValidationFailed, to_value, to_weight, unstorable

REQUIRED: Any = object()
INT_MAX = 2**31 - 1
SMALL_INT_MAX = 2**15 - 1
BIG_INT_MAX = 2**63 - 1


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def fail(path: str, message: str) -> NoReturn:
    raise ValidationFailed({path or "data": message})


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    if value is None:
        return "null"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def obj(value: Any, path: str, allowed: Collection[str]) -> dict[str, Any]:
    """A JSON object with no keys beyond ``allowed``."""
    if not isinstance(value, dict):
        fail(path, f"must be an object, not {_kind(value)}")
    for key in value:
        if key not in allowed:
            fail(join(path, str(key)), "unknown key")
    return value


def items(d: dict[str, Any], path: str, key: str) -> Iterator[tuple[str, Any]]:
    """The entries of the list ``d[key]`` (empty if absent), each with its path."""
    value = d.get(key, [])
    here = join(path, key)
    if not isinstance(value, list):
        fail(here, f"must be a list, not {_kind(value)}")
    for i, item in enumerate(value):
        yield join(here, i), item


def get(d: dict[str, Any], path: str, key: str, default: Any = REQUIRED) -> Any:
    return _get(d, path, key, default)[0]


def _get(d: dict[str, Any], path: str, key: str, default: Any) -> tuple[Any, bool]:
    """The value and whether it was given; a missing required key fails."""
    if key in d:
        return d[key], True
    if default is REQUIRED:
        fail(join(path, key), "is required")
    return default, False


def text(
    d: dict[str, Any],
    path: str,
    key: str,
    *,
    max_length: int | None = None,
    default: Any = "",
    null: bool = False,
    blank: bool = True,
) -> Any:
    value, given = _get(d, path, key, default)
    if not given or (value is None and null):
        return value
    here = join(path, key)
    if not isinstance(value, str):
        fail(here, f"must be a string, not {_kind(value)}")
    check_text(value, here)
    if not blank and not value.strip():
        fail(here, "must not be blank")
    if max_length is not None and len(value) > max_length:
        fail(here, f"must be at most {max_length} characters")
    return value


def check_text(value: str, path: str) -> None:
    problem = unstorable(value)
    if problem == NUL:
        fail(path, "must not contain NUL characters")
    if problem == SURROGATE:
        fail(path, "is not valid Unicode text")


def slug(d: dict[str, Any], path: str, key: str, *, max_length: int | None) -> str:
    value = text(d, path, key, max_length=max_length, default=REQUIRED, blank=False)
    check_slug(value, join(path, key))
    return str(value)


def check_slug(value: str, path: str) -> None:
    try:
        validate_slug(value)
    except ValidationError:
        fail(path, f"must be a slug (letters, digits, - and _), not {value[:40]!r}")


def boolean(d: dict[str, Any], path: str, key: str, *, default: Any) -> bool:
    value, _ = _get(d, path, key, default)
    if not isinstance(value, bool):
        fail(join(path, key), f"must be true or false, not {_kind(value)}")
    return value


def integer(
    d: dict[str, Any],
    path: str,
    key: str,
    *,
    low: int,
    high: int,
    default: Any = REQUIRED,
    null: bool = False,
) -> Any:
    value, given = _get(d, path, key, default)
    if not given or (value is None and null):
        return value
    here = join(path, key)
    if isinstance(value, bool) or not isinstance(value, int):
        fail(here, f"must be a whole number, not {_kind(value)}")
    if not low <= value <= high:
        fail(here, f"must be between {low} and {high}, got {value}")
    return value


def fraction(d: dict[str, Any], path: str, key: str, *, default: Any, null: bool = False) -> Any:
    """A float from 0 to 1 (progress)."""
    value, given = _get(d, path, key, default)
    if not given or (value is None and null):
        return value
    here = join(path, key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(here, f"must be a number from 0 to 1, not {_kind(value)}")
    value = float(value)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        fail(here, f"must be a number from 0 to 1, got {value}")
    return value


def decimal(
    d: dict[str, Any], path: str, key: str, *, default: Any = REQUIRED, null: bool = False
) -> Any:
    """A value column: a number or a numeric string, kept exact (4 decimal places)."""
    value, given = _get(d, path, key, default)
    if not given or (value is None and null):
        return value
    return _decimal(value, join(path, key), weight=False)


def weight(d: dict[str, Any], path: str, key: str) -> Decimal:
    value, given = _get(d, path, key, Decimal(1))
    return _decimal(value, join(path, key), weight=True) if given else value


def _decimal(value: Any, path: str, *, weight: bool) -> Decimal:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        fail(path, f"must be a number or a numeric string, not {_kind(value)}")
    try:
        return to_weight(value, path) if weight else to_value(value, path)
    except ValidationFailed:
        raise
    except (ArithmeticError, ValueError):
        fail(path, f"must be a number, not {str(value)[:40]!r}")


def choice(
    d: dict[str, Any], path: str, key: str, allowed: Collection[str], *, default: Any
) -> str:
    value, _ = _get(d, path, key, default)
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value)[:40] if isinstance(value, str) else _kind(value)
        fail(join(path, key), f"must be one of {', '.join(allowed)}, not {shown}")
    return value


def date(d: dict[str, Any], path: str, key: str, *, default: Any = REQUIRED) -> Any:
    value, given = _get(d, path, key, default)
    if not given or (value is None and default is None):
        return value
    here = join(path, key)
    if not isinstance(value, str):
        fail(here, f"must be a date string (YYYY-MM-DD), not {_kind(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(here, f"must be a date (YYYY-MM-DD), not {value[:40]!r}")


def datetime(d: dict[str, Any], path: str, key: str, *, default: Any) -> Any:
    """An ISO 8601 date and time with a UTC offset, returned in UTC."""
    value, given = _get(d, path, key, default)
    if not given or (value is None and default is None):
        return value
    here = join(path, key)
    if not isinstance(value, str):
        fail(here, f"must be an ISO 8601 date and time string, not {_kind(value)}")
    # fromisoformat stops reading at a NUL after the UTC offset: "...+00:00\x00junk" would pass.
    check_text(value, here)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(here, f"must be an ISO 8601 date and time, not {value[:40]!r}")
    if parsed.utcoffset() is None:
        fail(here, "must include a UTC offset, e.g. 2026-01-31T09:00:00+00:00")
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        fail(here, "is out of range")


def json_value(d: dict[str, Any], path: str, key: str) -> Any:
    """Any JSON value (audit snapshots), checked so the database takes it."""
    value, _ = _get(d, path, key, None)
    _check_json(value, join(path, key), depth=0)
    return value


def _check_json(value: Any, path: str, depth: int) -> None:
    if depth > 100:
        fail(path, "is nested too deeply")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            fail(path, "must be a finite number")
    elif isinstance(value, str):
        check_text(value, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, join(path, i), depth + 1)
    elif isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(k, str):
                fail(path, "object keys must be strings")
            check_text(k, path)
            _check_json(item, join(path, k), depth + 1)
    else:
        fail(path, f"must be JSON data, not {_kind(value)}")
