"""Job responses → jobs: the answer to ``GET /v1/jobs/{id}`` and to a job-creating POST."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from ._contract import SpecReader
from ._core_errors import MAY_HAVE_CREATED_A_JOB, error_for
from ._core_json import _with_response, json_of, ok
from .errors import InvalidResponseError
from .results import Job, JobKind, Result, infer_kind, parse_job

_SPEC = SpecReader(__name__)
#: The statuses that refuse a job-creating POST (the 4xx openapi.yaml declares for every such
#: operation): no job was created, so an answer of one of them says so even when its body was lost.
REFUSED_WITHOUT_A_JOB = _SPEC.job_refusals()
#: The keys of the answer to a job-creating POST that the contract declares (``JobCreated``).
_CREATED_KEYS = frozenset(_SPEC.properties("JobCreated"))
#: The keys the job shapes of ``GET /v1/jobs/{jobId}`` declare (its 200's ``anyOf``).
_JOB_KEYS = frozenset().union(
    *(
        _SPEC.properties(shape["$ref"].rpartition("/")[2])
        for shape in _SPEC.get(
            "paths", "/v1/jobs/{jobId}", "get", "responses", "200", "content", "application/json", "schema", "anyOf"
        )
    )
)


def _parse_declared(data: object, kind: JobKind | None, keys: frozenset[str]) -> Job[Result]:
    """``parse_job(data)``, or, when that fails on a body with keys its schema does not declare (not
    in *keys*), ``parse_job`` of the body without them: a key one of the API's job bodies has but this
    one does not declare (a polled job's ``createdAt`` in an answer to a POST, a created job's
    ``warning`` in a polled one), with a value the other body would refuse, breaks nothing. What
    breaks a declared key is still the error."""
    try:
        return parse_job(data, kind)
    except InvalidResponseError:
        if not isinstance(data, Mapping) or keys.issuperset(data):
            raise
        return parse_job({key: value for key, value in data.items() if key in keys}, kind)


def parse_job_response(response: httpx.Response, kind: JobKind | None, job_id: str | None = None) -> Job[Result]:
    """A job from ``GET /v1/jobs/{id}`` or a creation response (``JobCreated``).

    With *job_id*, the job asked for: an answer about another job (a connection shared by a forked
    process, a proxy's cache) is refused rather than returned as that job's.
    """
    data = ok(response)
    try:
        job = _parse_declared(data, kind, _JOB_KEYS)
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
        # A key JobCreated does not declare must not turn a created, billed job into an error.
        return _parse_declared(json_of(response), kind, _CREATED_KEYS)
    except InvalidResponseError as error:
        raise _with_response(error, response, MAY_HAVE_CREATED_A_JOB) from None
