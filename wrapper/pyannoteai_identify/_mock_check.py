"""``check_response``: what in an API response breaks openapi.yaml.

The status must be declared for the request's operation, a declared JSON body must be JSON and
validate against its schema (the message names the field that breaks it), and declared integer
headers must be integers. jsonschema is imported when a check first needs it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ._mock_extra import _need
from ._mock_routes import _route_for
from ._schema import deref, response_schema
from ._validation import ascii_int
from .results import infer_kind

__all__ = ["_cut", "check_response"]


def _where(path: Sequence[Any]) -> str:
    """A JSON path such as ``$.items[0].createdAt``."""
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


_MAX_PATH_CHARS = 200
_MAX_MESSAGE_CHARS = 300


def _schema_problems(key: str, body: Any) -> list[str]:
    _need("jsonschema")
    from jsonschema.exceptions import best_match

    from . import _schema

    error = best_match(_schema.validator_for(key).iter_errors(body))
    if error is None:
        return []
    while error.validator in ("anyOf", "oneOf") and error.context:
        # Every branch failed: name the field inside rather than "$ is not valid under any of the
        # given schemas", preferring what breaks every branch (a job envelope's bad createdAt
        # breaks all three shapes) over one branch's complaint.
        error = best_match(_shared_by_every_branch(error.context) or error.context)
    # jsonschema's message quotes the offending value whole, and the path the body's keys: a job
    # body of megabytes, at worst.
    return [f"{_cut(_where(error.absolute_path), _MAX_PATH_CHARS)}: {_cut(error.message, _MAX_MESSAGE_CHARS)}"]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _shared_by_every_branch(errors: Sequence[Any]) -> list[Any]:
    """The errors of an ``anyOf``/``oneOf`` that every branch reports (same place, same message)."""
    by_branch: dict[Any, set[tuple[tuple[Any, ...], str]]] = {}
    for error in errors:
        by_branch.setdefault(error.relative_schema_path[0], set()).add((tuple(error.absolute_path), error.message))
    shared = set.intersection(*by_branch.values()) if by_branch else set()
    return [error for error in errors if (tuple(error.absolute_path), error.message) in shared]


def _response_schema_key(operation_id: str, status: int, body: Any) -> str:
    """The schema to check a response body against: the declared one, except for a job body whose
    output's keys name its type, which is checked against that type's shape alone, as the client
    parses it. Against the contract's ``anyOf``, a broken identify output still fits the last shape
    (a diarization job's output requires nothing), so it would pass unnoticed."""
    declared = f"response:{operation_id}:{status}"
    output = body.get("output") if isinstance(body, dict) else None
    kind = infer_kind(output) if isinstance(output, dict) else None
    if kind is None:
        return declared
    shape = f"{kind.capitalize()}Job"
    schema = response_schema(operation_id, status) or {}
    alternatives = {alternative.get("$ref", "").rpartition("/")[2] for alternative in schema.get("anyOf", ())}
    return f"component:{shape}" if shape in alternatives else declared


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _header_problems(declared: Mapping[str, Any], headers: httpx.Headers) -> list[str]:
    problems = []
    for name, header in declared.items():
        value = headers.get(name)
        schema = deref(header).get("schema", {})
        if value is None or schema.get("type") != "integer":
            continue
        number = ascii_int(value.strip())
        if number is None or number < schema.get("minimum", 0):
            problems.append(f"header {name}: {value!r} is not an integer ≥ {schema.get('minimum', 0)}")
    return problems


def check_response(response: httpx.Response) -> list[str]:
    """What in an API response breaks openapi.yaml; an empty list when it conforms.

    Checks that the status is declared for the request's operation, that a declared JSON body is
    JSON and validates against its schema (naming the field that breaks it), and that declared
    integer headers (rate limits, ``Retry-After``) are integers. The response must carry its
    request (every response an httpx client returns does) and its body must have been read.
    """
    request = response.request
    what = f"{request.method} {request.url.path} answered {response.status_code}"
    route = _route_for(request.method, request.url.path)
    if route is None:
        return [f"{request.method} {request.url.path} is not an operation of openapi.yaml"]
    responses: Mapping[str, Any] = route.operation["responses"]
    declared = responses.get(str(response.status_code), responses.get("default"))
    if declared is None:
        return [
            f"{what}, a status openapi.yaml does not declare for {route.operation_id} (declares {sorted(responses)})"
        ]
    declared = deref(declared)
    problems = [f"{what}: {p}" for p in _header_problems(declared.get("headers", {}), response.headers)]
    if "application/json" not in declared.get("content", {}):
        return problems
    content_type = response.headers.get("content-type", "")
    if not _is_json(content_type):
        return [*problems, f"{what} with content type {content_type or 'none'}; openapi.yaml says application/json"]
    try:
        body = json.loads(response.content)
    except ValueError as error:
        return [*problems, f"{what} with a body that is not JSON ({error})"]
    found = _schema_problems(_response_schema_key(route.operation_id, response.status_code, body), body)
    return [*problems, *(f"{what}: the body breaks openapi.yaml at {p}" for p in found)]
