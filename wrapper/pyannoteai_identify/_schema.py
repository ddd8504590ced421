"""JSON Schemas cut from the contract, for validating requests and responses at run time.

Used by the sandbox (request validation, 400 field errors), the testing plugin and the contract
tests. The schemas come from ``_spec.SPEC`` (openapi.yaml, written by ``nox -s generate``), with
every ``$ref`` resolved against the whole document, so nothing here restates the contract.
``jsonschema`` is imported lazily: it belongs to the sandbox and testing extras, not the core.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from ._spec import SPEC

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

__all__ = [
    "component",
    "deref",
    "operation",
    "operations",
    "request_schema",
    "response_schema",
    "validator_for",
]

_METHODS = ("get", "post", "put", "delete", "patch")


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(path, method, operation object)`` of every operation; webhooks have the path ``webhook:NAME``."""
    for path, item in SPEC["paths"].items():
        for method in _METHODS:
            if method in item:
                yield path, method, item[method]
    for name, item in SPEC.get("webhooks", {}).items():
        for method in _METHODS:
            if method in item:
                yield f"webhook:{name}", method, item[method]


def operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    """``(path, method, operation object)`` of the operation with this operationId."""
    for path, method, op in operations():
        if op.get("operationId") == operation_id:
            return path, method, op
    raise KeyError(f"no operation {operation_id!r} in openapi.yaml")


def deref(node: dict[str, Any]) -> dict[str, Any]:
    """*node*, or what its ``$ref`` chain points to in the contract."""
    while "$ref" in node:
        node = _resolve_pointer(node["$ref"])
    return node


def _resolve_pointer(ref: str) -> dict[str, Any]:
    target: Any = SPEC
    for part in ref.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    result: dict[str, Any] = target
    return result


def _rooted(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema that can resolve ``#/components/...`` references: the spec's components ride along."""
    return {**schema, "components": SPEC["components"]}


def component(name: str) -> dict[str, Any]:
    """The JSON Schema of ``components.schemas[name]``, resolvable on its own."""
    return _rooted({"$ref": f"#/components/schemas/{name}"})


def request_schema(operation_id: str) -> dict[str, Any]:
    """The JSON Schema of the operation's JSON request body."""
    _, _, op = operation(operation_id)
    body = deref(op["requestBody"])
    return _rooted(body["content"]["application/json"]["schema"])


def response_schema(operation_id: str, status: int | str) -> dict[str, Any] | None:
    """The JSON Schema of the operation's response body for *status*, or None if it has no JSON body."""
    _, _, op = operation(operation_id)
    responses = op["responses"]
    response = responses.get(str(status))
    if response is None:
        raise KeyError(f"{operation_id} declares no {status} response")
    content = deref(response).get("content", {})
    if "application/json" not in content:
        return None
    return _rooted(content["application/json"].get("schema", {}))


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    """*pattern* as ECMA-262 reads it, as JSON Schema says: a final ``$`` matches only at the very
    end (Python's ``$`` also matches before a final newline, so ``media://a\\n`` would pass)."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def validator_class() -> Any:
    """Draft 2020-12 with ECMA-262 ``pattern`` anchoring: every contract check uses it."""
    from jsonschema import Draft202012Validator, validators

    extend: Any = validators.extend  # untyped in some versions of types-jsonschema
    return extend(Draft202012Validator, {"pattern": _pattern})


@cache
def validator_for(key: str) -> Validator:
    """A cached jsonschema validator: ``component:Name``, ``request:opId`` or ``response:opId:status``."""
    from jsonschema import FormatChecker

    kind, _, rest = key.partition(":")
    if kind == "component":
        schema = component(rest)
    elif kind == "request":
        schema = request_schema(rest)
    else:
        operation_id, _, status = rest.rpartition(":")
        found = response_schema(operation_id, status)
        schema = found if found is not None else {}
    validator: Validator = validator_class()(schema, format_checker=FormatChecker())
    return validator
