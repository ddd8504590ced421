"""What ``MockAPI`` checks of a request before it answers an operation: the API key, and the JSON
body read and validated as the sandbox does, so both fakes refuse a bad request alike.
"""

from __future__ import annotations

from typing import Any

import httpx

from ._json import loads_stdlib
from ._mock_extra import _need
from ._mock_responses import _bad_request, _error

__all__: list[str] = []


def _unauthorized() -> httpx.Response:
    """The 401 to a request without the mock's key."""
    # The usual cause is a client built before the fixture set PYANNOTEAI_API_KEY, with the
    # team's real key: say that the mock answers, and which key it takes (never the key sent).
    unauthorized = _error(
        401,
        "Invalid or missing API key: this is the mock API of pyannoteai_identify.testing, which "
        "takes only its own key (MOCK_API_KEY; a client built before the fixture set "
        "PYANNOTEAI_API_KEY keeps the key it had)",
    )
    unauthorized.headers["WWW-Authenticate"] = "Bearer"  # as the sandbox (RFC 6750)
    return unauthorized


def _read_body(operation_id: str, content: bytes) -> tuple[Any, httpx.Response | None]:
    """The JSON body of a request of *operation_id* (which takes one), or the 400 that refuses it."""
    _need("jsonschema")
    # The sandbox's reading of the contract, so both fakes answer a bad body alike.
    from .sandbox._validation import body_errors, drop_null_options

    if not content.strip():
        return None, _bad_request([{"field": "body", "message": "Required: a JSON object"}])
    try:
        body = loads_stdlib(content)  # strict, as the API: NaN and Infinity are not JSON
    except (ValueError, RecursionError):
        return None, _bad_request([{"field": "body", "message": "Must be valid JSON"}])
    # The official SDK sends null for unset options and the API accepts it.
    body = drop_null_options(operation_id, body)
    problems = body_errors(operation_id, body)
    if problems:
        return None, _bad_request(problems)
    return body, None
