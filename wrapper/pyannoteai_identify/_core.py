"""Sans-I/O core: validated arguments → request kwargs, and HTTP responses → results or exceptions.

Request bodies are built with the generated models and routes come from the generated operation
modules, so paths, field names and serialisation follow openapi.yaml. Each builder imports what it
uses when first called: the generated package and attrs take about as long to import as httpx, and
``import pyannoteai_identify`` (a webhook receiver, the CLI's help) should not pay for them. Later
calls find the modules in ``sys.modules``. Responses are parsed here, not by the generated client:
its parser raises on a status value it does not know and returns None for undeclared statuses
(401, 404, 5xx), which must become precise exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from ._config import BASE_URL_SOURCES, KEY_SOURCES, is_loopback
from ._core_requests import RequestKwargs as RequestKwargs
from ._core_requests import get_job_request as get_job_request
from ._core_requests import identify_request as identify_request
from ._core_requests import list_jobs_request as list_jobs_request
from ._core_requests import media_upload_request as media_upload_request
from ._core_requests import test_key_request as test_key_request
from ._core_requests import voiceprint_request as voiceprint_request
from ._json import loads_json
from ._redact import hide_secrets
from ._retry import parse_retry_after
from ._validation import is_cursor
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    FieldError,
    InvalidResponseError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
    _short_repr,
)
from .results import Job, JobKind, JobStatus, Result, coerce_status, empty_job_id, infer_kind, parse_job


@dataclass(frozen=True, slots=True)
class JobSummary:
    """One entry of the job list: id, status and creation time (the list carries no output)."""

    id: str
    status: JobStatus | str
    created_at: datetime | None

    def __repr__(self) -> str:  # the status as its value, as ``Job`` shows it
        return f"JobSummary(id={self.id!r}, status={str(self.status)!r}, created_at={self.created_at!r})"


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of the job list (one ``GET /v2/jobs``), from ``job_page()`` or ``job_pages()``.

    Attributes:
        items: the page's jobs, newest first (none on an empty page, which may still point on).
        next_cursor: the ``cursor`` of the page after this one, or None on the last page: a UUID
            string, which ``cursor=`` takes (a page whose ``nextCursor`` is not one raises
            ``InvalidResponseError``). It resumes the listing right after this page's last job: keep
            it once the page's jobs are handled, and pass it back as ``cursor=`` after an error, in
            another process or on a later request.
    """

    items: tuple[JobSummary, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class KeyStatus:
    """The answer of ``GET /v1/test``: the API's status and message, as free text."""

    status: str
    message: str


# --- requests ---------------------------------------------------------------------------------


# --- responses --------------------------------------------------------------------------------


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
MAY_HAVE_CREATED_A_JOB = (
    f"The job may have been created, and billed, anyway: look for it with {LIST_JOBS} before submitting again"
)


#: The ``response.extensions`` key under which the flows note the client's wall time (its ``wall``
#: clock: the testing plugin's mock time) when the answer arrived: a server's dates are read on it.
WALL_TIME = "pyannoteai_identify.wall_time"


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


def json_of(response: httpx.Response) -> Any:
    """The JSON body of a successful response, or ``InvalidResponseError`` saying what is wrong with it."""
    content_type = response.headers.get("content-type", "")
    if not response.content:
        raise InvalidResponseError("the response body is empty; expected JSON", **_response_fields(response))
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise InvalidResponseError(
            f"expected application/json, got {content_type or 'no content type'}", **_response_fields(response)
        )
    try:
        return loads_json(response.content)
    except ValueError as exc:
        raise InvalidResponseError(
            f"the response body is not valid JSON ({exc})", **_response_fields(response)
        ) from None
    except RecursionError:
        raise InvalidResponseError(
            "the response body nests JSON arrays or objects too deeply to parse", **_response_fields(response)
        ) from None


def ok(response: httpx.Response) -> Any:
    """The JSON of a 2xx response; any other status raises its ``APIError``."""
    if not 200 <= response.status_code < 300:
        raise error_for(response)
    return json_of(response)


def _with_response(error: InvalidResponseError, response: httpx.Response, hint: str = "") -> InvalidResponseError:
    return type(error)(error.message, hint=hint, **_response_fields(response))


def parse_job_response(response: httpx.Response, kind: JobKind | None, job_id: str | None = None) -> Job[Result]:
    """A job from ``GET /v1/jobs/{id}`` or a creation response (``JobCreated``).

    With *job_id*, the job asked for: an answer about another job (a connection shared by a forked
    process, a proxy's cache) is refused rather than returned as that job's.
    """
    data = ok(response)
    try:
        job = parse_job(data, kind)
        if job_id is not None and job.id.lower() != job_id.lower():
            raise InvalidResponseError(
                f"the response breaks the contract at jobId: asked for job {job_id}, the answer is about job {job.id}",
                status_code=0,
            )
        return job
    except InvalidResponseError as error:
        raise _with_response(error, response, _kind_hint(data, kind)) from None


def _kind_hint(data: object, kind: JobKind | None) -> str:
    """When the caller's *kind* is not what the output's keys show, the likely cause of a parse error."""
    output = data.get("output") if kind is not None and isinstance(data, Mapping) else None
    shown = infer_kind(output) if isinstance(output, Mapping) else None
    if shown is None or shown == kind:
        return ""
    return (
        f"The output's keys are those of a job of kind {shown!r}, not {kind!r}: was kind={kind!r} right? "
        "(leave kind out to infer it)"
    )


def parse_created_job(response: httpx.Response, kind: JobKind) -> Job[Result]:
    """The job in the answer to a job-creating POST. A 5xx, or a 2xx whose body cannot be read, does
    not prove that no job was created: the error says so, and where to look."""
    if not 200 <= response.status_code < 300:
        raise error_for(response, creates_job=True)
    try:
        return parse_job(json_of(response), kind)
    except InvalidResponseError as error:
        raise _with_response(error, response, MAY_HAVE_CREATED_A_JOB) from None


class InsecureUploadURLError(InvalidResponseError):
    """A presigned URL in plain http off loopback: refused by this SDK's policy, not a garbled
    answer, so asking again gets the same refusal (the batch runner halts on it instead of retrying)."""


def parse_presigned_url(response: httpx.Response) -> str:
    data = ok(response)
    url = data.get("url") if isinstance(data, Mapping) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise _with_response(
            InvalidResponseError("the response breaks the contract at url: expected an http(s) URL", status_code=0),
            response,
        )
    if url.startswith("http://") and not is_loopback(_host_of(url)):
        # The audio would travel in clear; plain http is for loopback (the sandbox) only, as for the key.
        raise _with_response(
            InsecureUploadURLError(
                "the response's url is plain http to a host off this machine: refusing to send the audio in clear "
                "(https expected)",
                status_code=0,
            ),
            response,
        )
    return url


def _host_of(url: str) -> str | None:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, ValueError):
        return None


def parse_job_page(response: httpx.Response) -> tuple[list[JobSummary], str | None]:
    data = ok(response)

    def bad(field: str, problem: str) -> InvalidResponseError:
        return _with_response(
            InvalidResponseError(f"the response breaks the contract at {field}: {problem}", status_code=0), response
        )

    if not isinstance(data, Mapping) or not isinstance(data.get("items"), list):
        raise bad("items", "expected an array")
    cursor = data.get("nextCursor")
    if cursor is not None and not isinstance(cursor, str):
        raise bad("nextCursor", f"expected a string or null, got {cursor!r}")
    if cursor and not is_cursor(cursor):
        # Sent back as the cursor parameter, whose format is uuid: followed, the API would refuse it,
        # and handed out as a JobPage's next_cursor, job_pages(cursor=...) would refuse it.
        raise bad("nextCursor", f"expected a UUID (the cursor parameter's format), null or empty, got {cursor!r}")
    items = []
    for index, item in enumerate(data["items"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise bad(f"items[{index}].id", "expected a string")
        problem = empty_job_id(item["id"])
        if problem is not None:
            raise bad(f"items[{index}].id", problem)
        if not isinstance(item.get("status"), str):
            raise bad(f"items[{index}].status", "expected a string")
        created = item.get("createdAt")
        try:
            created_at = datetime.fromisoformat(created) if isinstance(created, str) else None
        except ValueError:
            raise bad(f"items[{index}].createdAt", f"expected a date-time, got {created!r}") from None
        items.append(JobSummary(item["id"], coerce_status(item["status"]), created_at))
    return items, cursor or None  # an empty cursor ends the list, as null does, for every reader


def parse_key_status(response: httpx.Response) -> KeyStatus:
    data = ok(response)
    if not isinstance(data, Mapping):
        raise _with_response(
            InvalidResponseError("the response breaks the contract: expected an object", status_code=0), response
        )
    for name in ("status", "message"):
        if not isinstance(data.get(name), str):
            raise _with_response(
                InvalidResponseError(
                    f"the response breaks the contract at {name}: expected a string, "
                    + (f"got {_short_repr(data[name])}" if name in data else "it is missing"),
                    status_code=0,
                ),
                response,
            )
    return KeyStatus(data["status"], data["message"])
