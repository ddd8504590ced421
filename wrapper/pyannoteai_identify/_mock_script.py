"""The answers a test scripts with ``MockAPI.respond_with``: their checks and default bodies, the
response each becomes when a request takes it, and the error for those no request took.
"""

from __future__ import annotations

import copy
import math
from collections import Counter
from collections.abc import Mapping
from typing import Any, TypeAlias

import httpx

from ._mock_extra import _need
from ._mock_responses import _RATE_LIMIT, _api_error, _success_headers
from ._mock_routes import _UPLOAD, _check_operation_id
from ._schema import deref, operation, validator_for
from ._validation import ascii_int

__all__: list[str] = []

#: A scripted answer: its status, its body and the headers that replace the default ones.
_Canned: TypeAlias = tuple[int, Any, dict[str, str]]


def _scripted(
    operation_id: str, status_code: int, json: Any, headers: Mapping[str, str] | None, times: int
) -> list[_Canned]:
    """The *times* answers ``respond_with`` queues, its arguments checked (``ValueError`` names the bad one)."""
    _check_operation_id(operation_id)
    if isinstance(status_code, bool) or not isinstance(status_code, int) or not 200 <= status_code <= 599:
        raise ValueError(
            f"status_code={status_code!r}: must be an HTTP status from 200 to 599 (a whole number), the "
            f"answer to {operation_id!r}"
        )
    if isinstance(times, bool) or not isinstance(times, int) or times < 1:
        raise ValueError(
            f"times={times!r}: must be a whole number ≥ 1, the number of requests of {operation_id!r} "
            "to answer this way"
        )
    if json is None:
        json = _default_body(operation_id, status_code)
    canned = (status_code, json, _headers_of(operation_id, status_code, headers))
    return [canned] * times


def _default_body(operation_id: str, status_code: int) -> Any:
    """The body of a scripted answer given none: what the contract declares for it.

    An ``ApiError`` when the contract declares no JSON body of another shape for this answer (an
    undeclared status, a 5xx, the storage's ``upload``); otherwise the contract's first example of
    the declared body (a 400's field error, a 200's job). A declared body that is no ``ApiError``
    and has no example is a ``ValueError`` asking for ``json=``.
    """
    api_error = _api_error(httpx.codes.get_reason_phrase(status_code) or "Error")
    if operation_id == _UPLOAD:
        return api_error
    declared = operation(operation_id)[2]["responses"].get(str(status_code))
    media = deref(declared).get("content", {}).get("application/json") if declared is not None else None
    if media is None:
        return api_error
    _need("jsonschema")
    if validator_for(f"response:{operation_id}:{status_code}").is_valid(api_error):
        return api_error
    for example in media.get("examples", {}).values():
        if "value" in deref(example):
            return copy.deepcopy(deref(example)["value"])
    if "example" in media:
        return copy.deepcopy(media["example"])
    raise ValueError(
        f"status_code={status_code}: openapi.yaml declares a body for the {status_code} answer to "
        f"{operation_id!r} that is no ApiError and gives no example of it; pass the body with json="
    )


def _headers_of(operation_id: str, status_code: int, headers: Mapping[str, str] | None) -> dict[str, str]:
    """The headers of a scripted answer: for a success of an API operation, the rate-limit headers
    the mock's own successes carry (as the API's do), which *headers* replace; otherwise *headers*
    (a 429's are computed when it is answered). The storage's answer to ``upload`` is not the API's."""
    if operation_id == _UPLOAD or not 200 <= status_code < 300:
        return dict(headers or {})
    merged = httpx.Headers(_success_headers())
    merged.update(headers or {})
    return dict(merged)


def _canned_response(canned: _Canned, now: float) -> httpx.Response:
    """The response of a scripted answer taken at *now* (epoch seconds on the mock's clock)."""
    status_code, body, overrides = canned
    headers = httpx.Headers()
    if status_code == 429:
        # The headers of a refusal (api-reference §8, as the sandbox sends them), computed when
        # answered so the reset time follows the clock; the caller's headers replace any of them.
        wait = ascii_int(httpx.Headers(overrides).get("retry-after", "1").strip())
        headers = httpx.Headers(
            {
                "Retry-After": "1",
                "X-RateLimit-Limit": str(_RATE_LIMIT),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(now + (wait if wait is not None else 1))),
            }
        )
    headers.update(overrides)
    return httpx.Response(status_code, json=body, headers=headers)


def _unused_error(queued: Mapping[str, list[_Canned]]) -> AssertionError | None:
    """The error for the scripted answers still *queued* (by operation), or None if every one was taken."""
    unused = Counter(
        (operation_id, status_code) for operation_id, answers in queued.items() for status_code, _, _ in answers
    )
    if not unused:
        return None
    total = sum(unused.values())
    listed = ", ".join(f"{operation_id} {status} ({count})" for (operation_id, status), count in unused.items())
    return AssertionError(
        f"{total} answer{'s' if total != 1 else ''} scripted with respond_with() "
        f"{'were' if total != 1 else 'was'} never used: {listed} (operation, status, how many left). "
        "The test never sent the requests it scripted; if that is intended, mark it "
        "@pytest.mark.pyannoteai_mock(assert_all_used=False)"
    )
