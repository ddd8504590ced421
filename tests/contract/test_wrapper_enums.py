"""Enums in both directions: ``numSpeakers`` as the wrapper sends it, and every job status as it receives one.

Allowed values and statuses are read from openapi.yaml, so a change of the contract changes what
is tested. Every test runs with ``Client`` and ``AsyncClient`` (the ``mode`` fixture).
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import job

from pyannoteai_identify import (
    IdentifyResult,
    JobCanceledError,
    JobFailedError,
    JobStatus,
    ValidationError,
    VoiceprintResult,
)
from pyannoteai_identify._spec import SPEC

NUM_SPEAKERS: list[Any] = SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]["numSpeakers"]["enum"]
STATUSES: list[str] = SPEC["components"]["schemas"]["JobStatus"]["enum"]
# The contract's own list of terminal statuses (a vendor extension of the JobStatus schema).
TERMINAL: set[str] = set(SPEC["components"]["schemas"]["JobStatus"]["x-terminal"])
RUNNING = [status for status in STATUSES if status not in TERMINAL]
AUDIO = "https://example.com/meeting.wav"
VOICEPRINTS = {"John": "Sm9obg"}
JOB_ID = "3c8a89a5-dcc6-4edb-a75d-ffd64739674d"
KINDS = ["identify", "voiceprint", "diarization"]
RESULT_TYPES = {"identify": IdentifyResult, "voiceprint": VoiceprintResult}


def not_in_the_enum() -> st.SearchStrategy[Any]:
    """Values of every JSON-ish type that are not exactly one of the enum's integers."""
    lookalikes = [float(v) for v in NUM_SPEAKERS] + [str(v) for v in NUM_SPEAKERS] + [Fraction(v) for v in NUM_SPEAKERS]
    return st.one_of(
        st.integers().filter(lambda v: v not in NUM_SPEAKERS),
        st.integers(min_value=2**63) | st.integers(max_value=-(2**63)),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.text(),
        st.sampled_from(lookalikes),
        st.decimals(allow_nan=True),
        st.complex_numbers(),
        st.lists(st.sampled_from(NUM_SPEAKERS), max_size=2),
        st.just(b"2"),
    )


def unknown_status() -> st.SearchStrategy[str]:
    return st.text().filter(lambda s: s not in STATUSES)


def _response(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def _job_created(api: Any) -> None:
    api.router.post(api.url("/v1/identify")).respond(200, json={"jobId": JOB_ID, "status": "created"})


# --- numSpeakers --------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("value", NUM_SPEAKERS)
async def test_num_speakers_in_the_enum_is_sent_exactly_as_given(mode: str, wrapper_api: Any, value: int) -> None:
    """Each allowed numSpeakers reaches the API as that JSON integer (never 1.0 or "1")."""
    api = wrapper_api(mode)
    _job_created(api)
    await api.run("identify", AUDIO, VOICEPRINTS, num_speakers=value)
    (request,) = api.requests
    sent = json.loads(request.content)["numSpeakers"]
    assert sent == value
    assert type(sent) is int


@pytest.mark.anyio
async def test_num_speakers_none_sends_no_num_speakers_to_detect_automatically(mode: str, wrapper_api: Any) -> None:
    """num_speakers=None (the default) leaves numSpeakers out of the request."""
    api = wrapper_api(mode)
    _job_created(api)
    await api.run("identify", AUDIO, VOICEPRINTS, num_speakers=None)
    await api.run("identify", AUDIO, VOICEPRINTS)
    assert [("numSpeakers" in body) for body in api.bodies()] == [False, False]


@pytest.mark.anyio
@given(value=not_in_the_enum())
async def test_num_speakers_outside_the_enum_is_rejected_before_any_request(
    mode: str, wrapper_api: Any, value: Any
) -> None:
    """Other ints, huge ints, floats (1.0 too), bools, strings, other types: ValidationError, and nothing sent."""
    api = wrapper_api(mode)
    _job_created(api)
    with pytest.raises(ValidationError) as caught:
        await api.run("identify", AUDIO, VOICEPRINTS, num_speakers=value)
    assert caught.value.field == "num_speakers"
    assert caught.value.value is value
    assert all(str(allowed) in caught.value.rule for allowed in NUM_SPEAKERS)
    assert api.requests == []


# --- job status -----------------------------------------------------------------------------------


def kind_and_job(status: str | None = None, kinds: list[str] = KINDS) -> st.SearchStrategy[tuple[str, Any]]:
    """A job kind and a spec-generated GET /v1/jobs/{id} body of that kind (drawn before the test runs)."""
    return st.sampled_from(kinds).flatmap(lambda kind: st.tuples(st.just(kind), job(kind, status)))


@pytest.mark.anyio
@pytest.mark.parametrize("status", STATUSES)
async def test_every_job_status_is_parsed_and_classified_as_terminal_or_not(
    mode: str, wrapper_api: Any, status: str
) -> None:
    """A job in each JobStatus comes back with that JobStatus, terminal exactly for succeeded, failed, canceled."""
    api = wrapper_api(mode)
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).respond(200, json={"jobId": JOB_ID, "status": status})
    parsed = await api.run("get_job", JOB_ID)
    assert parsed.status is JobStatus(status)
    assert parsed.is_terminal is (status in TERMINAL)
    assert JobStatus(status).is_terminal is (status in TERMINAL)


@pytest.mark.anyio
@given(case=kind_and_job())
async def test_generated_jobs_of_every_kind_and_status_keep_their_status(
    mode: str, wrapper_api: Any, case: tuple[str, Any]
) -> None:
    """Spec-generated jobs of each kind, in any status, parse with that status and terminal flag."""
    kind, body = case
    api = wrapper_api(mode)
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).respond(200, json={**body, "jobId": JOB_ID})
    parsed = await api.run("get_job", JOB_ID, kind=kind)
    assert parsed.status is JobStatus(body["status"])
    assert parsed.is_terminal is (body["status"] in TERMINAL)


@pytest.mark.anyio
@given(case=kind_and_job("succeeded", kinds=["identify", "voiceprint"]))
async def test_wait_returns_the_result_of_a_job_that_succeeded(
    mode: str, wrapper_api: Any, case: tuple[str, Any]
) -> None:
    """wait() stops at the first succeeded poll and returns the output as the kind's result type."""
    kind, body = case
    api = wrapper_api(mode)
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).respond(200, json={**body, "jobId": JOB_ID})
    result = await api.run("wait", JOB_ID, kind=kind)
    assert type(result) is RESULT_TYPES[kind]
    assert len(api.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(("status", "error"), [("failed", JobFailedError), ("canceled", JobCanceledError)])
async def test_wait_raises_for_a_job_that_failed_or_was_canceled(
    mode: str, wrapper_api: Any, status: str, error: type[Exception]
) -> None:
    """failed raises JobFailedError and canceled JobCanceledError, each with the API's error text, after one poll."""
    api = wrapper_api(mode)
    body = {"jobId": JOB_ID, "status": status, "output": {"error": "Could not load audio"}}
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).respond(200, json=body)
    with pytest.raises(error) as caught:
        await api.run("wait", JOB_ID, kind="identify")
    assert caught.value.job_id == JOB_ID
    assert caught.value.status == status
    assert caught.value.api_message == "Could not load audio"
    assert len(api.requests) == 1


@pytest.mark.anyio
async def test_wait_keeps_polling_through_every_status_that_is_not_terminal(mode: str, wrapper_api: Any) -> None:
    """Each non-terminal status is reported to on_status and polled again, until succeeded."""
    api = wrapper_api(mode)
    polls = [{"jobId": JOB_ID, "status": status} for status in RUNNING]
    polls.append({"jobId": JOB_ID, "status": "succeeded", "output": {"voiceprint": "aGVsbG8"}})
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).mock(side_effect=[_response(body) for body in polls])
    seen: list[str] = []
    result = await api.run("wait", JOB_ID, kind="voiceprint", on_status=lambda j: seen.append(str(j.status)))
    assert result.voiceprint == "aGVsbG8"
    assert seen == [*RUNNING, "succeeded"]
    assert len(api.requests) == len(polls)
    assert len(api.sleeps) == len(RUNNING)


@pytest.mark.anyio
@given(status=unknown_status())
async def test_status_outside_the_enum_is_kept_as_text_and_counts_as_not_finished(
    mode: str, wrapper_api: Any, status: str
) -> None:
    """A status from a newer API never crashes: get_job, identify and jobs() keep it, and wait() polls on."""
    api = wrapper_api(mode)
    api.router.post(api.url("/v1/identify")).respond(200, json={"jobId": JOB_ID, "status": status})
    api.router.get(api.url("/v2/jobs")).respond(
        200, json={"items": [{"id": JOB_ID, "status": status, "createdAt": "2024-02-20T12:00:00Z"}], "nextCursor": None}
    )
    finished = {"jobId": JOB_ID, "status": "succeeded", "output": {"voiceprint": "aGVsbG8"}}
    polls = [{"jobId": JOB_ID, "status": status}, {"jobId": JOB_ID, "status": status}, finished]
    api.router.get(api.url(f"/v1/jobs/{JOB_ID}")).mock(side_effect=[_response(body) for body in polls])
    created = await api.run("identify", AUDIO, VOICEPRINTS)
    fetched = await api.run("get_job", JOB_ID)
    (listed,) = await api.run("jobs")
    result = await api.run("wait", JOB_ID, kind="voiceprint")
    for seen in (created.status, fetched.status, listed.status):
        assert seen == status
        assert type(seen) is str
    assert not created.is_terminal
    assert not fetched.is_terminal
    assert result.voiceprint == "aGVsbG8"
