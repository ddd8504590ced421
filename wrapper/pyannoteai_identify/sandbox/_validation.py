"""Request validation against openapi.yaml, reported as the API's 400 field errors.

Bodies are checked with :func:`pyannoteai_identify._schema.validator_for` and query parameters
with their schemas from the same document, so nothing here restates the contract. Each problem
becomes ``{"field": "voiceprints[0].label", "message": "Must be at most 100 characters long"}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, cast

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from .. import _schema
from .._spec import SPEC
from .._validation import ascii_int

__all__ = ["FieldErrors", "body_errors", "drop_null_options", "field_name", "query_errors"]

FieldErrors = list[dict[str, str]]

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


def field_name(path: Iterable[str | int]) -> str:
    """``["voiceprints", 0, "label"]`` → ``"voiceprints[0].label"``; the root is ``"body"``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def _join(values: Iterable[Any]) -> str:
    return ", ".join("null" if v is None else str(v).lower() if isinstance(v, bool) else str(v) for v in values)


def _message(error: ValidationError) -> str:
    rule, value = error.validator, cast(Any, error.validator_value)
    if rule == "type":
        kinds = value if isinstance(value, list) else [value]
        return "Must be " + " or ".join(_TYPE_NAMES.get(str(kind), str(kind)) for kind in kinds)
    if rule == "enum":
        return f"Must be one of: {_join(value)}"
    if rule == "minLength":
        return "Must not be empty" if value == 1 else f"Must be at least {value} characters long"
    if rule == "maxLength":
        return f"Must be at most {value} characters long"
    if rule == "pattern":
        return f"Must match the pattern {value}"
    if rule in ("minimum", "maximum"):
        bounds = cast(Mapping[str, Any], error.schema)
        if "minimum" in bounds and "maximum" in bounds:  # both bounds, as the spec sets them
            return f"Must be from {bounds['minimum']} to {bounds['maximum']}"
        return f"Must be at least {value}" if rule == "minimum" else f"Must be at most {value}"
    if rule == "minItems":
        return f"Must have at least {value} item{'s' if value != 1 else ''}"
    if rule == "maxItems":
        return f"Must have at most {value} items"
    if rule == "format":
        return f"Must be a valid {value}"
    return str(error.message)


def _errors(errors: Iterable[ValidationError]) -> FieldErrors:
    found: FieldErrors = []
    for error in errors:
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, Mapping):
            # One error per missing property; its name is in the message, not in the path.
            required = cast(list[str], error.validator_value)
            missing = [name for name in required if name not in error.instance]
            name = next((n for n in missing if repr(n) in error.message), missing[0] if missing else "")
            item = {"field": field_name([*path, name]), "message": "Required"}
        else:
            item = {"field": field_name(path), "message": _message(error)}
        if item not in found:
            found.append(item)
    return sorted(found, key=lambda item: item["field"])


def drop_null_options(operation_id: str, body: Any) -> Any:
    """The body without top-level ``null`` values of optional fields, read as "not given".

    The official pyannoteAI SDK sends ``null`` for every option it leaves unset (``numSpeakers``,
    ``confidence``, …), and the API evidently accepts that; the contract does not list ``null``,
    so the sandbox forgives it here rather than answer 400 to a client written from practice.
    Required fields keep their ``null`` and fail validation as they should.
    """
    if not isinstance(body, dict):
        return body
    required = _required_fields(operation_id)
    return {key: value for key, value in body.items() if value is not None or key in required}


@cache
def _required_fields(operation_id: str) -> frozenset[str]:
    """The required top-level fields of the operation's request body, read once from the contract."""
    return frozenset(_schema.deref(_schema.request_schema(operation_id)).get("required", []))


def body_errors(operation_id: str, body: Any) -> FieldErrors:
    """The field errors of a JSON request body for *operation_id* (empty when valid)."""
    return _errors(_schema.validator_for(f"request:{operation_id}").iter_errors(body))


@cache
def _query_parameters(operation_id: str) -> tuple[dict[str, dict[str, Any]], Draft202012Validator]:
    _, _, operation = _schema.operation(operation_id)
    schemas = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p.get("in") == "query"}
    required = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query" and p.get("required")]
    whole = {"type": "object", "properties": schemas, "required": required, "components": SPEC["components"]}
    return schemas, _schema.validator_class()(whole, format_checker=FormatChecker())


def _coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query string value as the JSON type its schema wants, or the raw text if it is not one."""
    kind = schema.get("type")
    if kind == "integer":
        # ASCII digits only: int() also reads "1_0" and non-ASCII digits, which a query never means.
        # A leading "-" is read too: -1 is an integer, out of range rather than of the wrong type.
        number = ascii_int(raw.removeprefix("-"))
        return raw if number is None else -number if raw.startswith("-") else number
    try:
        if kind == "number":
            return float(raw)
    except ValueError:
        return raw
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    return raw


def query_errors(operation_id: str, query: Mapping[str, str]) -> tuple[dict[str, Any], FieldErrors]:
    """The operation's known query parameters, typed, and their field errors."""
    schemas, validator = _query_parameters(operation_id)
    values = {name: _coerce(query[name], schemas[name]) for name in schemas if name in query}
    return values, _errors(validator.iter_errors(values))
