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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from ._core_errors import LIST_JOBS as LIST_JOBS
from ._core_errors import MAY_HAVE_CREATED_A_JOB as MAY_HAVE_CREATED_A_JOB
from ._core_errors import WALL_TIME as WALL_TIME
from ._core_errors import _hints as _hints
from ._core_errors import error_body as error_body
from ._core_errors import error_for as error_for
from ._core_errors import request_id_of as request_id_of
from ._core_errors import storage_host_id as storage_host_id
from ._core_errors import storage_request_id as storage_request_id
from ._core_errors import wall_time_of as wall_time_of
from ._core_jobs import parse_created_job as parse_created_job
from ._core_jobs import parse_job_response as parse_job_response
from ._core_json import _with_response as _with_response
from ._core_json import json_of as json_of
from ._core_json import ok as ok
from ._core_media import InsecureUploadURLError as InsecureUploadURLError
from ._core_media import parse_presigned_url as parse_presigned_url
from ._core_requests import RequestKwargs as RequestKwargs
from ._core_requests import get_job_request as get_job_request
from ._core_requests import identify_request as identify_request
from ._core_requests import list_jobs_request as list_jobs_request
from ._core_requests import media_upload_request as media_upload_request
from ._core_requests import test_key_request as test_key_request
from ._core_requests import voiceprint_request as voiceprint_request
from ._validation import is_cursor
from .errors import (
    InvalidResponseError,
    _short_repr,
)
from .results import JobStatus, coerce_status, empty_job_id


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
