"""Every documented response of identify and get-job, as the wrapper's docs say it is handled.

Statuses and bodies come from openapi.yaml: each declared status is answered with bodies
generated from its schema, and each must map to the exception ``errors.py`` documents for it (or
parse, for 200). Then what the contract cannot promise: 5xx, malformed JSON, an empty body, a
wrong content type, and bodies that break the schema, which must fail naming the field. Every
test runs with ``Client`` and ``AsyncClient``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any, NamedTuple

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import JOB_SCHEMAS, resolve, response_body

from pyannoteai_identify import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InvalidResponseError,
    Job,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
    _schema,
)
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.errors import FieldError
from pyannoteai_identify.testing import make_diarization_output, make_identify_output, make_job, make_voiceprint_output

JOB_ID = "3c8a89a5-dcc6-4edb-a75d-ffd64739674d"
AUDIO = "https://example.com/meeting.wav"
VOICEPRINTS = {"John": "Sm9obg"}


class Operation(NamedTuple):
    """How the wrapper performs one operation of the contract."""

    method: str
    path: str
    call: str
    args: tuple[Any, ...]


OPERATIONS = {
    "identify": Operation("POST", "/v1/identify", "identify", (AUDIO, VOICEPRINTS)),
    "getJobById": Operation("GET", f"/v1/jobs/{JOB_ID}", "get_job", (JOB_ID,)),
}
# The exception errors.py documents for each error status.
DOCUMENTED: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    404: NotFoundError,
    429: RateLimitError,
}
DECLARED_ERRORS = [
    (operation_id, int(status))
    for operation_id, operation in OPERATIONS.items()
    for status in SPEC["paths"][operation.path.replace(JOB_ID, "{jobId}")][operation.method.lower()]["responses"]
    if int(status) >= 400
]


def route(api: Any, operation_id: str) -> Any:
    operation = OPERATIONS[operation_id]
    return api.router.request(operation.method, api.url(operation.path))


async def perform(api: Any, operation_id: str, **client_options: Any) -> Any:
    operation = OPERATIONS[operation_id]
    return await api.run(operation.call, *operation.args, client_options=client_options)


# --- success ----------------------------------------------------------------------------------------


@pytest.mark.anyio
@given(body=response_body("identify", 200))
async def test_job_created_bodies_generated_from_the_spec_parse_into_an_identify_job(
    mode: str, wrapper_api: Any, body: Any
) -> None:
    """identify returns a Job with the API's jobId, status and warning, of kind identify, after one request."""
    api = wrapper_api(mode)
    route(api, "identify").respond(200, json=body)
    created = await perform(api, "identify")
    assert isinstance(created, Job)
    assert (created.id, str(created.status), created.kind) == (body["jobId"], body["status"], "identify")
    assert created.warning == body.get("warning")
    assert len(api.requests) == 1


@pytest.mark.anyio
@given(body=response_body("getJobById", 200))
async def test_job_bodies_generated_from_the_spec_parse(mode: str, wrapper_api: Any, body: Any) -> None:
    """get_job parses every spec-valid job, keeping its id and status, with an output when it has one."""
    api = wrapper_api(mode)
    body = {**body, "jobId": JOB_ID}  # the job asked for: an answer about another job is refused
    route(api, "getJobById").respond(200, json=body)
    fetched = await perform(api, "getJobById")
    assert (fetched.id, str(fetched.status)) == (body["jobId"], body["status"])
    assert (fetched.output is not None) == (body.get("output") is not None)


@pytest.mark.anyio
@given(body=response_body("getJobById", 200, extra_keys=True))
async def test_unknown_keys_in_a_job_never_break_parsing(mode: str, wrapper_api: Any, body: Any) -> None:
    """Keys the contract does not list (a newer API's) are ignored or kept, never an error."""
    api = wrapper_api(mode)
    body = {**body, "jobId": JOB_ID}  # the job asked for: an answer about another job is refused
    route(api, "getJobById").respond(200, json=body)
    fetched = await perform(api, "getJobById")
    assert fetched.id == body["jobId"]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "extra",
    [{"createdAt": 1708430400}, {"updatedAt": ""}, {"output": 5}],
    ids=["createdAt-epoch", "updatedAt-empty", "output-a-number"],
)
async def test_keys_job_created_does_not_declare_never_break_identifys_answer(
    mode: str, wrapper_api: Any, extra: dict[str, Any]
) -> None:
    """JobCreated declares jobId, status and warning only. An answer that also carries a key of a
    polled job's envelope, with a value that envelope would refuse, is still the created job:
    refused, it told the caller that a job created and billed may not exist, and to look for it."""
    assert set(SPEC["components"]["schemas"]["JobCreated"]["properties"]) == {"jobId", "status", "warning"}
    api = wrapper_api(mode)
    route(api, "identify").respond(200, json={**RICH_JOB_CREATED, **extra})
    created = await perform(api, "identify")
    assert (created.id, str(created.status), created.kind) == (JOB_ID, "created", "identify")
    assert created.warning == RICH_JOB_CREATED["warning"]
    assert len(api.requests) == 1


@pytest.mark.anyio
async def test_a_key_no_job_shape_declares_never_breaks_get_job(mode: str, wrapper_api: Any) -> None:
    """The job shapes of GET /v1/jobs/{jobId} declare no top-level ``warning`` (JobCreated does): a
    job that carries one that is no string is still the job, read without it."""
    alternatives = SPEC["paths"]["/v1/jobs/{jobId}"]["get"]["responses"]["200"]["content"]["application/json"]
    for alternative in alternatives["schema"]["anyOf"]:
        assert "warning" not in SPEC["components"]["schemas"][alternative["$ref"].rpartition("/")[2]]["properties"]
    api = wrapper_api(mode)
    body = {"jobId": JOB_ID, "status": "succeeded", "output": {"voiceprint": "abc"}, "warning": 5}
    route(api, "getJobById").respond(200, json=body)
    fetched = await perform(api, "getJobById")
    assert (fetched.id, str(fetched.status), fetched.kind, fetched.warning) == (JOB_ID, "succeeded", "voiceprint", None)
    assert len(api.requests) == 1


# --- declared errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("operation_id", "status"), DECLARED_ERRORS)
def test_declared_error_statuses_are_in_the_documented_table(operation_id: str, status: int) -> None:
    """Every error status the contract declares for identify and get-job has an exception documented for it."""
    assert status in DOCUMENTED, f"{operation_id} declares {status}: document and test its exception"


def _error_case(operation_id: str, status: int) -> st.SearchStrategy[tuple[str, int, Any]]:
    return st.tuples(st.just(operation_id), st.just(status), response_body(operation_id, status))


ERROR_CASES = st.one_of([_error_case(operation_id, status) for operation_id, status in DECLARED_ERRORS])


@pytest.mark.anyio
@given(case=ERROR_CASES, retry_after=st.integers(min_value=0, max_value=10**6))
async def test_each_declared_error_raises_its_documented_exception_with_the_apis_details(
    mode: str, wrapper_api: Any, case: tuple[str, int, Any], retry_after: int
) -> None:
    """400/401/402/404/429 raise their exception with status, message, request id, field errors and Retry-After."""
    operation_id, status, body = case
    api = wrapper_api(mode)
    headers = {"Retry-After": str(retry_after)} if status == 429 else {}
    route(api, operation_id).respond(status, json=body, headers=headers)
    with pytest.raises(DOCUMENTED[status]) as caught:
        await perform(api, operation_id, max_retries=0)
    error = caught.value
    assert error.status_code == status
    assert len(api.requests) == 1
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        assert error.message == body["message"]
    if isinstance(body, dict) and isinstance(body.get("requestId"), str):
        assert error.request_id == body["requestId"]
    if status == 400:
        assert error.field_errors == tuple(FieldError(e["field"], e["message"]) for e in body["errors"])
    if status == 429:
        assert error.retry_after == retry_after
    assert "contract-test-key" not in str(error)


@pytest.mark.anyio
async def test_a_rate_limited_identify_is_not_resent(mode: str, wrapper_api: Any) -> None:
    """identify creates a billed job: a 429 raises RateLimitError at once, with Retry-After, and nothing is resent."""
    api = wrapper_api(mode)
    route(api, "identify").respond(
        429, json={"requestId": "r", "message": "Too many requests"}, headers={"Retry-After": "3"}
    )
    with pytest.raises(RateLimitError) as caught:
        await perform(api, "identify")
    assert caught.value.retry_after == 3
    assert len(api.requests) == 1
    assert api.sleeps == []


@pytest.mark.anyio
async def test_a_rate_limited_get_job_waits_retry_after_and_retries(mode: str, wrapper_api: Any) -> None:
    """get_job is safe to repeat: after a 429 it sleeps Retry-After seconds and asks again."""
    api = wrapper_api(mode)
    route(api, "getJobById").mock(
        side_effect=[
            httpx.Response(429, json={"requestId": "r", "message": "Too many requests"}, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"jobId": JOB_ID, "status": "running"}),
        ]
    )
    fetched = await perform(api, "getJobById")
    assert str(fetched.status) == "running"
    assert api.sleeps == [7.0]


# --- what the contract cannot promise ------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_server_errors_raise_server_error_and_only_reads_are_retried(
    mode: str, wrapper_api: Any, operation_id: str, status: int
) -> None:
    """5xx raises ServerError; get_job retries 502/503/504 (max_retries=2), identify is sent exactly once."""
    api = wrapper_api(mode)
    route(api, operation_id).respond(
        status, text="<html><h1>Bad gateway</h1></html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(ServerError) as caught:
        await perform(api, operation_id, max_retries=2)
    assert caught.value.status_code == status
    assert "Bad gateway" in caught.value.message
    retried = operation_id == "getJobById" and status != 500
    assert len(api.requests) == (3 if retried else 1)


BROKEN_SUCCESSES = {
    "malformed JSON": (b'{"jobId": "3c8a", "status": ', "application/json", "not valid JSON"),
    "JSON with single quotes": (b"{'jobId': 'x'}", "application/json", "not valid JSON"),
    "invalid UTF-8": (b'{"jobId": "\xff\xfe"}', "application/json", "not valid JSON"),
    "empty body": (b"", "application/json", "empty"),
    "HTML page": (b"<html>Maintenance</html>", "text/html", "expected application/json, got text/html"),
    "JSON sent as text/plain": (b'{"jobId": "x", "status": "created"}', "text/plain", "expected application/json"),
    "no content type": (b'{"jobId": "x", "status": "created"}', "", "expected application/json"),
}


@pytest.mark.anyio
@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("case", BROKEN_SUCCESSES, ids=str)
async def test_a_200_that_is_not_a_json_body_raises_invalid_response_error(
    mode: str, wrapper_api: Any, operation_id: str, case: str
) -> None:
    """Malformed JSON, an empty body or a wrong content type on 200 raise InvalidResponseError saying which."""
    content, content_type, says = BROKEN_SUCCESSES[case]
    api = wrapper_api(mode)
    headers = {"Content-Type": content_type} if content_type else {}
    route(api, operation_id).mock(return_value=httpx.Response(200, content=content, headers=headers))
    with pytest.raises(InvalidResponseError) as caught:
        await perform(api, operation_id)
    assert caught.value.status_code == 200
    assert says in str(caught.value)
    assert caught.value.body == content
    assert len(api.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("operation_id", OPERATIONS)
@pytest.mark.parametrize("status", sorted(DOCUMENTED))
async def test_a_declared_error_without_a_json_body_still_raises_its_exception(
    mode: str, wrapper_api: Any, operation_id: str, status: int
) -> None:
    """An error status whose body is not JSON (a proxy's page) still raises the status's exception, with the text;
    but a 404: only the API's JSON 404 may say that a job is gone, another's is a plain APIError."""
    api = wrapper_api(mode)
    route(api, operation_id).respond(status, text="upstream says no", headers={"Content-Type": "text/plain"})
    with pytest.raises(DOCUMENTED[status] if status != 404 else APIError) as caught:
        await perform(api, operation_id, max_retries=0)
    assert status != 404 or not isinstance(caught.value, NotFoundError)
    assert caught.value.message == "upstream says no"
    assert caught.value.field_errors == ()


# --- bodies that break the schema ---------------------------------------------------------------------

_DELETE = object()
_SAMPLES: dict[str, Any] = {
    "string": "text",
    "number": 1.5,
    "integer": 7,
    "boolean": True,
    "null": None,
    "array": [],
    "object": {},
}


def _allows(types: list[str], sample_type: str) -> bool:
    return sample_type in types or (sample_type == "integer" and "number" in types)


def breakages(value: Any, schema: Any, path: tuple[Any, ...] = (), required: bool = True) -> Iterator[tuple[Any, ...]]:
    """``(path, replacement)`` pairs that each break *value* against *schema*: a wrong type or a missing key.

    ``null`` is not offered for optional keys: the wrapper reads a null optional key as absent.
    """
    declared = schema.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or [])
    for sample_type, sample in _SAMPLES.items():
        if types and not _allows(types, sample_type) and (required or sample is not None):
            yield path, sample
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key in value:
                yield (*path, key), _DELETE
        for key, sub in properties.items():
            if key in value:
                yield from breakages(value[key], sub, (*path, key), key in schema.get("required", []))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            for key, item in value.items():
                if key not in properties:
                    yield from breakages(item, extra, (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from breakages(item, schema["items"], (*path, index))


def json_response(body: Any) -> httpx.Response:
    """A 200 whose JSON text is exactly *body* (``null`` included: httpx's ``json=None`` sends nothing)."""
    return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})


def field_name(path: tuple[Any, ...]) -> str:
    """The wrapper's spelling of a path: ``output.identification[0].start``; the whole body is ``body``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def broken(body: Any, path: tuple[Any, ...], replacement: Any) -> Any:
    if not path:
        return replacement
    copied = copy.deepcopy(body)
    parent = copied
    for part in path[:-1]:
        parent = parent[part]
    if replacement is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return copied


# Spec-valid bodies that carry every optional field, so that every field gets broken.
RICH_JOBS: dict[str, dict[str, Any]] = {
    "identify": make_job(
        "identify",
        output={
            **make_identify_output(unmatched=1, confidence=True, exclusive=True, turn_level_confidence=True),
            "warning": "Audio is shorter than 20 s",
        },
    ),
    "voiceprint": make_job("voiceprint", output=make_voiceprint_output(warning="Audio is noisy")),
    "diarization": make_job(
        "diarization",
        output={**make_diarization_output(confidence=True, exclusive=True, turn_level_confidence=True), "warning": "w"},
    ),
}
RICH_JOB_CREATED = {"jobId": JOB_ID, "status": "created", "warning": "Audio is shorter than 20 s"}


def schema_breakages(body: Any, schema_name: str) -> Iterator[tuple[Any, str]]:
    """Every single-field breakage of *body* that the schema refuses, with the name of the field."""
    validator = _schema.validator_for(f"component:{schema_name}")
    for path, replacement in breakages(body, resolve(SPEC["components"]["schemas"][schema_name])):
        result = broken(body, path, replacement)
        # Array items share one schema: breaking the first item of each array is enough.
        if all(part == 0 for part in path if isinstance(part, int)) and not validator.is_valid(result):
            yield result, field_name(path)


async def unnamed(api: Any, schema_name: str, body: Any, call: str, *args: Any, **kwargs: Any) -> list[str]:
    """The breakages of *body* the wrapper lets through or reports without naming the field."""
    missed = []
    assert _schema.validator_for(f"component:{schema_name}").is_valid(body), "the unbroken body must be spec-valid"
    for result, field in schema_breakages(body, schema_name):
        api.router.routes.clear()
        api.router.route().mock(return_value=json_response(result))
        try:
            await api.run(call, *args, **kwargs)
        except InvalidResponseError as error:
            if f"at {field}:" not in str(error) or error.status_code != 200:
                missed.append(f"{field}: reported as {error}")
        else:
            missed.append(f"{field}: accepted {_at(result, field)!r}")
    return missed


def _at(body: Any, field: str) -> Any:
    for part in field.replace("[", ".").replace("]", "").split("."):
        if isinstance(body, list):
            body = body[int(part)]
        elif isinstance(body, dict) and part in body:
            body = body[part]
        else:
            return "<missing>"
    return body


@pytest.mark.anyio
@pytest.mark.parametrize("kind", RICH_JOBS)
async def test_a_job_with_one_field_missing_or_mistyped_raises_invalid_response_naming_it(
    mode: str, wrapper_api: Any, kind: str
) -> None:
    """Each required field removed, and each field given a wrong JSON type, one at a time: the error names it."""
    api = wrapper_api(mode)
    missed = await unnamed(api, JOB_SCHEMAS[kind], RICH_JOBS[kind], "get_job", JOB_ID, kind=kind)
    assert not missed, f"{len(missed)} breakages of a {kind} job not named:\n" + "\n".join(missed)


@pytest.mark.anyio
async def test_a_job_created_with_one_field_missing_or_mistyped_raises_invalid_response_naming_it(
    mode: str, wrapper_api: Any
) -> None:
    """identify's answer with a required field removed or a field mistyped raises InvalidResponseError naming it."""
    api = wrapper_api(mode)
    missed = await unnamed(api, "JobCreated", RICH_JOB_CREATED, "identify", AUDIO, VOICEPRINTS)
    assert not missed, f"{len(missed)} breakages of JobCreated not named:\n" + "\n".join(missed)
