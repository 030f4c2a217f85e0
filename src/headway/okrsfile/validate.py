"""Checking a document against ``schema.json``, with messages people can act on.

This is a small interpreter for the JSON Schema keywords the published schema uses (draft
2020-12). It keeps ``headway apply`` free of a run-time dependency on ``jsonschema`` (which the
tests use to check that the two agree) and words each problem the way the rest of Headway does:
"must be a number", "unknown field 'tittle' (did you mean 'title'?)". A keyword it does not know
is refused when the schema is loaded, so the schema cannot quietly say more than is checked.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

Path = tuple[str | int, ...]

_ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs", "$comment", "default"}
_KEYWORDS = _ANNOTATIONS | {
    "$ref",
    "type",
    "const",
    "enum",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "pattern",
    "minLength",
    "maxLength",
    "format",
    "exclusiveMinimum",
    "exclusiveMaximum",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# What a value that does not match a definition's pattern should look like, by definition.
PATTERN_MESSAGES = {
    "key": "must be a key: letters, digits, hyphens and underscores (e.g. monthly-visitors)",
    "username": "must be a username (letters, digits and @ . + - _)",
    "ruleId": "must be a coach rule id (e.g. objective-too-long)",
    "supportRef": "must be an objective's key, or CYCLE:KEY for another cycle's objective",
    "objectiveRef": "must name its cycle: CYCLE:KEY (e.g. 2026-Q4:grow-revenue)",
}
TYPE_MESSAGES = {
    "string": "must be text",
    "number": "must be a number",
    "integer": "must be a whole number",
    "boolean": "must be true or false",
    "array": "must be a list",
    "object": "must be a mapping of fields (name: value)",
    "null": "must be empty (null)",
}


@functools.cache
def load_schema() -> dict[str, Any]:
    text = resources.files("headway.okrsfile").joinpath("schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    _check_keywords(schema)
    return schema


def _check_keywords(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"schema.json uses keywords this validator does not check: {unknown}")
    for name in ("properties", "$defs"):
        for sub in schema.get(name, {}).values():
            _check_keywords(sub)
    for name in ("items", "additionalProperties"):
        _check_keywords(schema.get(name))


def problems(document: Any) -> list[tuple[Path, str]]:
    """Every place where ``document`` breaks the schema, as (path, message)."""
    schema = load_schema()
    return list(_Checker(schema["$defs"]).check(schema, document, (), ""))


def _is_type(value: Any, kind: str, schema: Mapping[str, Any]) -> bool:
    if kind == "string":
        if schema.get("format") == "date":
            # YAML reads an unquoted date as a date; JSON has only the text.
            is_day = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
            return is_day or isinstance(value, str)
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    if kind == "object":
        return isinstance(value, dict)
    return kind == "null" and value is None


def _bound_text(bound: Decimal) -> str:
    return f"{bound.normalize():f}"


class _Checker:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs

    def check(
        self, schema: Mapping[str, Any], value: Any, path: Path, ref: str
    ) -> Iterator[tuple[Path, str]]:
        if "$ref" in schema:
            name = schema["$ref"].removeprefix("#/$defs/")
            found = list(self.check(self.defs[name], value, path, name))
            yield from found
            if found:
                return
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, kind, schema) for kind in kinds):
                yield path, self._type_message(kinds[0], value, schema)
                return
        if "const" in schema and (value != schema["const"] or isinstance(value, bool)):
            yield path, f"must be {schema['const']}"
            return
        if "enum" in schema and value not in schema["enum"]:
            yield path, "must be one of " + ", ".join(str(v) for v in schema["enum"])
            return
        if isinstance(value, str):
            yield from self._text(schema, value, path, ref)
        elif isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            yield from self._number(schema, Decimal(str(value)), path)
        elif isinstance(value, list):
            yield from self._list(schema, value, path)
        elif isinstance(value, dict):
            yield from self._mapping(schema, value, path, ref)

    @staticmethod
    def _type_message(kind: str, value: Any, schema: Mapping[str, Any]) -> str:
        if kind == "string" and schema.get("format") == "date":
            return "must be a date (YYYY-MM-DD)"
        message = TYPE_MESSAGES[kind]
        if kind == "string" and isinstance(value, int | float | Decimal | dt.date):
            # `name: 2026` reads as a number: the fix is quotes.
            return f'{message} (put it in quotes: "{value}")'
        if kind in {"number", "integer"} and isinstance(value, str):
            return f"{message}, not {value[:40]!r}"
        return message

    def _text(
        self, schema: Mapping[str, Any], value: str, path: Path, ref: str
    ) -> Iterator[tuple[Path, str]]:
        if schema.get("format") == "date":
            try:
                if not _DATE.match(value):
                    raise ValueError
                dt.date.fromisoformat(value)
            except ValueError:
                yield path, f"must be a date (YYYY-MM-DD), not {value[:40]!r}"
                return
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield path, "must not be empty"
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            yield path, f"must be at most {schema['maxLength']} characters"
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            message = PATTERN_MESSAGES.get(ref, f"must match {schema['pattern']}")
            yield path, f"{message}, not {value[:40]!r}"

    @staticmethod
    def _number(
        schema: Mapping[str, Any], value: Decimal, path: Path
    ) -> Iterator[tuple[Path, str]]:
        if not value.is_finite():
            yield path, "must be a finite number"
            return
        low, high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if low is not None and value <= (bound := Decimal(str(low))):
            big = abs(bound) >= Decimal("1e15")
            yield path, "is too large" if big else f"must be greater than {_bound_text(bound)}"
        elif high is not None and value >= (bound := Decimal(str(high))):
            big = abs(bound) >= Decimal("1e15")
            yield path, "is too large" if big else f"must be less than {_bound_text(bound)}"

    def _list(
        self, schema: Mapping[str, Any], value: list[Any], path: Path
    ) -> Iterator[tuple[Path, str]]:
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for index, item in enumerate(value):
                if item in seen:
                    yield (*path, index), f"{item!r} is listed twice"
                seen.append(item)
        if "items" in schema:
            for index, item in enumerate(value):
                yield from self.check(schema["items"], item, (*path, index), "")

    def _mapping(
        self, schema: Mapping[str, Any], value: dict[str, Any], path: Path, ref: str
    ) -> Iterator[tuple[Path, str]]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                yield (*path, name), "is required"
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                yield from self.check(properties[name], item, (*path, name), "")
            elif extra is False:
                close = difflib.get_close_matches(name, list(properties), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                allowed = ", ".join(properties)
                yield (*path, name), f"unknown field{hint}; known fields: {allowed}"
            elif isinstance(extra, dict):
                yield from self.check(extra, item, (*path, name), "")
        count = len(value)
        if count < schema.get("minProperties", 0) or count > schema.get("maxProperties", count):
            if ref == "owner":
                yield path, "give exactly one owner: {team: KEY} or {person: USERNAME}"
            else:
                yield path, "has the wrong number of fields"
