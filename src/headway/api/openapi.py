"""The error answers every operation may give, written into the OpenAPI document.

django-ninja documents only the success responses a route declares; the errors come from the
exception handlers in ``headway.api.main`` and are the same for every route, so they are added
here once rather than repeated in a hundred decorators. A client (or schemathesis) then knows
that a 422 is a list of field errors and every other 4xx a ``{"detail": "..."}`` message.
"""

from __future__ import annotations

from typing import Any

from headway.orgs.accessors import MAX_ID

MESSAGE = "Message"
FIELD_ERRORS = "FieldErrors"

COMPONENTS: dict[str, dict[str, Any]] = {
    MESSAGE: {
        "title": MESSAGE,
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FIELD_ERRORS: {
        "title": FIELD_ERRORS,
        "type": "object",
        "properties": {
            "detail": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        # Where the bad value was: ["body", "confidence"], ["query", "limit"].
                        "loc": {
                            "type": "array",
                            "minItems": 1,
                            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        },
                        "msg": {"type": "string", "minLength": 1},
                        "type": {"type": "string"},
                    },
                    "required": ["loc", "msg", "type"],
                },
            }
        },
        "required": ["detail"],
    },
}


def _answer(description: str, component: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _names_an_object(parameter: dict[str, Any]) -> bool:
    """A path parameter, or a query parameter typed ``Id``: it may name no object of ours."""
    if parameter.get("in") == "path":
        return True
    schema = parameter.get("schema", {})
    return any(s.get("maximum") == MAX_ID for s in [schema, *schema.get("anyOf", [])])


def error_responses(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The error answers of one operation, by status code."""
    answers = {
        "401": _answer("No valid token or session", MESSAGE),
        "403": _answer("The person may not do this (or the token is read-only)", MESSAGE),
        "422": _answer("Bad input: each error names its field in `loc`", FIELD_ERRORS),
    }
    if any(_names_an_object(p) for p in operation.get("parameters", [])):
        answers["404"] = _answer("No such object in this organization", MESSAGE)
    if "requestBody" in operation:
        answers["400"] = _answer("The body is not JSON", MESSAGE)
        answers["413"] = _answer("The request body is too large", MESSAGE)
    return answers


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the shared error answers to every operation of ``schema`` (in place) and return it."""
    schema.setdefault("components", {}).setdefault("schemas", {}).update(COMPONENTS)
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, answer in error_responses(operation).items():
                # ninja keys its own answers by int: 404 and "404" would both be written.
                if int(status) not in responses and status not in responses:
                    responses[status] = answer
    return schema
