"""The HTTP responses the mock API answers with, shaped as the API's.

A success carries the rate-limit headers, an error an ``ApiError`` body with a request id, and a
400 the field errors of a ``ValidationErrorResponse``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ._validation import DEFAULT_RATE_LIMIT

__all__ = ["_RATE_LIMIT", "_api_error", "_bad_request", "_error", "_ok", "_success_headers"]


#: The ``X-RateLimit-Limit`` the mock reports (the contract's default; the mock never enforces it).
_RATE_LIMIT = DEFAULT_RATE_LIMIT


def _success_headers() -> dict[str, str]:
    """The rate-limit headers of a success (api-reference §8): the limit, and one request of it used."""
    return {"X-RateLimit-Limit": str(_RATE_LIMIT), "X-RateLimit-Remaining": str(_RATE_LIMIT - 1)}


def _ok(status_code: int, body: Any) -> httpx.Response:
    return httpx.Response(status_code, json=body, headers=_success_headers())


def _api_error(message: str) -> dict[str, str]:
    return {"requestId": str(uuid.uuid4()), "message": message}


def _error(status_code: int, message: str) -> httpx.Response:
    return httpx.Response(status_code, json=_api_error(message))


def _bad_request(errors: Sequence[Mapping[str, str]]) -> httpx.Response:
    """A 400 with field errors ``[{field, message}]``, as the API (and the sandbox) answer."""
    return httpx.Response(400, json={"message": "Invalid request", "errors": [dict(error) for error in errors]})
