"""Error responses → exceptions: the API's message, request id, field errors and a hint of what to do."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from ._config import BASE_URL_SOURCES, KEY_SOURCES
from ._redact import hide_secrets
from ._retry import parse_retry_after
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    FieldError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
)


def request_id_of(response: httpx.Response, body: object = None) -> str | None:
    """The request id the API gave: an ``x-request-id`` header, else ``requestId`` in an error body."""
    header: str | None = response.headers.get("x-request-id")
    if header:
        return header
    if isinstance(body, Mapping):
        value = body.get("requestId")
        if isinstance(value, str):
            return value
    return None


def storage_request_id(response: httpx.Response) -> str | None:
    """The id a storage service gave its answer to a PUT: S3's ``x-amz-request-id`` (S3-compatible
    storage sends it too), else an ``x-request-id``."""
    return response.headers.get("x-amz-request-id") or response.headers.get("x-request-id") or None


def storage_host_id(response: httpx.Response) -> str:
    """What an error says of S3's extended request id (``x-amz-id-2``), which AWS support asks for
    with ``x-amz-request-id``; "" when there is none."""
    host_id = response.headers.get("x-amz-id-2")
    return f"S3 extended request id (x-amz-id-2) {host_id[:200]}" if host_id else ""


def error_body(response: httpx.Response) -> object:
    """The parsed JSON of an error response, or None when it has none."""
    try:
        return json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):
        return None


def _message(response: httpx.Response, body: object) -> str:
    if isinstance(body, Mapping) and isinstance(body.get("message"), str):
        return str(body["message"])
    text = response.content[:200].decode("utf-8", "replace").strip()
    return text or response.reason_phrase or "no message"


def _field_errors(body: object) -> list[FieldError]:
    if not isinstance(body, Mapping) or not isinstance(body.get("errors"), list):
        return []
    return [
        FieldError(str(item.get("field", "")), str(item.get("message", "")))
        for item in body["errors"]
        if isinstance(item, Mapping)
    ]


def _response_fields(response: httpx.Response, body: object = None) -> dict[str, Any]:
    """What every ``APIError`` raised for *response* carries; built only when one is raised."""
    return {
        "status_code": response.status_code,
        "request_id": request_id_of(response, body),
        "headers": dict(response.headers),
        "body": response.content,
    }


#: How a message tells a Python caller to list the jobs (the command line says `pyannoteai-identify jobs`).
LIST_JOBS = "client.jobs()"
#: What a failed answer to a job-creating POST cannot rule out; such a POST is never resent.
JOB_MAY_EXIST = "The job may have been created, and billed, anyway"
#: What a caller is told to do about a job that may exist (a batch does it itself: it reads the job list).
LOOK_FOR_THE_JOB = f"Look for it with {LIST_JOBS} before submitting again."
MAY_HAVE_CREATED_A_JOB = f"{JOB_MAY_EXIST}: look for it with {LIST_JOBS} before submitting again"


#: The ``response.extensions`` key under which the flows note the client's wall time (its ``wall``
#: clock: the testing plugin's mock time) when the answer arrived: a server's dates are read on it.
WALL_TIME = "pyannoteai_identify.wall_time"


#: The ``response.extensions`` key of an answer whose body broke off after its headers, kept as
#: its status and headers only (:func:`headers_only`): what broke the body off.
BODY_LOST = "pyannoteai_identify.body_lost"


def headers_only(
    response: httpx.Response, request: httpx.Request, lost: str, wall_now: float | None = None
) -> httpx.Response:
    """*response*'s status and headers, with no body: an answer whose body broke off (*lost* says
    how), for :func:`error_for` to raise as the error of its status. *wall_now* is the client's wall
    time at the answer (see :data:`WALL_TIME`)."""
    extensions: dict[str, Any] = {BODY_LOST: lost}
    if wall_now is not None:
        extensions[WALL_TIME] = wall_now
    return httpx.Response(
        response.status_code, headers=response.headers, content=b"", request=request, extensions=extensions
    )


def wall_time_of(response: httpx.Response) -> float | None:
    """The client's wall time noted on *response* when it arrived, or None (then ``time.time()``)."""
    now = response.extensions.get(WALL_TIME)
    return now if isinstance(now, float | int) else None


def error_for(response: httpx.Response, *, creates_job: bool = False) -> APIError:
    """The exception that an error response stands for, with the API's message, request id and fields.

    With *creates_job*, a 5xx says that the job may exist: the API may have failed after creating it;
    a 429 that none was.
    """
    body = error_body(response)
    status = response.status_code
    common = _response_fields(response, body)
    message = _message(response, body)
    sender = _not_the_apis(response)
    lost = response.extensions.get(BODY_LOST)
    if isinstance(lost, str):  # only the status and headers arrived (see headers_only)
        message = f"{message} (the answer's body broke off after its headers: {lost})"
        if creates_job and status != 429:  # a 429's own hint says it
            sender = _hints(sender, _REFUSED)
    if status == 400:
        return BadRequestError(message, field_errors=_field_errors(body), hint=sender, **common)
    if status == 401:
        return AuthenticationError(
            message, hint=_hints(sender, f"Check the API key ({KEY_SOURCES}) in the pyannoteAI dashboard"), **common
        )
    if status == 402:
        return PaymentRequiredError(
            message, hint=_hints(sender, "A subscription is required, or the team's budget is exhausted"), **common
        )
    if status == 404:
        if not _is_json(response):
            # Only the API's own 404 (its ApiError JSON) says the job is unknown or deleted: a
            # gateway's or proxy's page must not read as "the job is gone".
            return APIError(message, hint=sender or _NO_BODY_404, **common)
        return NotFoundError(message, hint=sender, **common)
    if status == 429:
        retry_after = parse_retry_after(response.headers, wall_time_of(response))
        hint = f"Retry after {retry_after:g} s" if retry_after is not None else "Slow down"
        if creates_job:  # a refusal: sending again cannot bill twice
            hint += "; no job was created, so submitting again then bills once"
        return RateLimitError(message, retry_after=retry_after, hint=_hints(sender, hint), **common)
    if 300 <= status < 400:
        return APIError(message, hint=_redirect_hint(response), **common)
    if status >= 500:
        hint = MAY_HAVE_CREATED_A_JOB if creates_job else "The API failed; try again later"
        return ServerError(message, hint=_hints(sender, hint), **common)
    return APIError(message, hint=sender, **common)


#: What a refusal of a job-creating POST whose body was lost says (its status alone is known).
_REFUSED = "Its status refuses the request: no job was created"


#: What a 404 without a body says: not the API's answer, so not that the job is gone.
_NO_BODY_404 = (
    "The answer (no body) is not the API's JSON error: a proxy, firewall or gateway between this machine and "
    "the API may have sent it, so it does not say that the job is gone"
)


def _media_type(response: httpx.Response) -> str:
    """The media type *response*'s ``Content-Type`` names, without its parameters ("" if none)."""
    content_type: str = response.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower()


def _is_json(response: httpx.Response) -> bool:
    """Whether *response* says its body is JSON (``application/json`` or ``+json``)."""
    media_type = _media_type(response)
    return media_type == "application/json" or media_type.endswith("+json")


def _not_the_apis(response: httpx.Response) -> str:
    """What to say of an error response with a body that is not JSON, or "" for one that is (or has none).

    The API's errors are JSON documents (``ApiError``, ``ValidationErrorResponse``); an HTML or text
    page comes from something on the way: a TLS-inspecting proxy, a firewall, a load balancer.
    """
    if not response.content or _is_json(response):
        return ""
    return (
        f"The answer ({_media_type(response) or 'no content type'}) is not the API's JSON error: a proxy, firewall or "
        "gateway between this machine and the API may have sent it"
    )


def _hints(*hints: str) -> str:
    """The non-empty *hints*, as one hint."""
    return ". ".join(hint for hint in hints if hint)


def _redirect_hint(response: httpx.Response) -> str:
    """What to do about a redirect, which the SDK does not follow: the key goes to the configured API only."""
    location = response.headers.get("location", "")
    where = f" to {hide_secrets(location)[:300]}" if location else ""  # hidden, then cut (a cut splits user:pass@)
    return f"The API redirected{where}, which the SDK does not follow: check the base URL ({BASE_URL_SOURCES})"
