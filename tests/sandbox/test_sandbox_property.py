"""Property tests: requests generated from openapi.yaml get answers that openapi.yaml allows.

Bodies come from the contract's own request schemas (hypothesis-jsonschema), so the sandbox is
driven with everything the contract permits, and with arbitrary JSON it must refuse. Every
response goes through ``check_response`` (status declared, body and headers valid).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from sandboxkit import checked_client, upload
from strategies import closed

from pyannoteai_identify import _schema
from pyannoteai_identify.sandbox import Clock, Sandbox, demo_audio, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox.pytest_fixture import running_sandbox

SUBMISSIONS = ["getMediaUploadUrl", "voiceprint", "identify"]
SUCCESS = {"getMediaUploadUrl": 201, "voiceprint": 200, "identify": 200}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[Sandbox, httpx.Client]]:
    """One sandbox (no rate limit, frozen clock) and a contract-checking client for the module."""
    clock = Clock(monotonic=lambda: 0.0, wall=lambda: 1_800_000_000.0)
    with running_sandbox(rate_limit=0, clock=clock) as sandbox, checked_client(sandbox) as client:
        upload(client, "conversation.wav", demo_audio())
        upload(client, "solo.wav", voice_sample("Bob", 3.0))
        yield sandbox, client


def _post(client: httpx.Client, operation_id: str, body: Any) -> httpx.Response:
    path, _, _ = _schema.operation(operation_id)
    content = json.dumps(body)  # ASCII escapes: generated text may hold lone surrogates
    return client.post(path, content=content, headers={"Content-Type": "application/json"})


def _job(sandbox: Sandbox, client: httpx.Client, job_id: str) -> dict[str, Any]:
    sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1e-6)
    response = client.get(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("operation_id", SUBMISSIONS)
def test_every_valid_request_is_accepted(shared: tuple[Sandbox, httpx.Client], operation_id: str) -> None:
    """Any body the contract's request schema allows is accepted, and the answer fits the contract."""
    sandbox, client = shared

    # Closed: generating arbitrary extra members is slow and adds nothing here (the refusal
    # test sends arbitrary JSON, extra keys included).
    @given(from_schema(closed(_schema.request_schema(operation_id))))
    def check(body: Any) -> None:
        response = _post(client, operation_id, body)
        assert response.status_code == SUCCESS[operation_id], response.text
        if operation_id != "getMediaUploadUrl":
            job = _job(sandbox, client, response.json()["jobId"])
            assert job["status"] in ("succeeded", "failed")

    check()


@pytest.mark.parametrize("operation_id", SUBMISSIONS)
def test_the_sandbox_refuses_exactly_what_the_contract_refuses(
    shared: tuple[Sandbox, httpx.Client], operation_id: str
) -> None:
    """For arbitrary JSON, the sandbox answers 400 if and only if the request schema rejects it."""
    _, client = shared
    validator = _schema.validator_for(f"request:{operation_id}")

    @given(JSON | st.fixed_dictionaries({}, optional={"url": JSON, "voiceprints": JSON, "matching": JSON}))
    def check(body: Any) -> None:
        response = _post(client, operation_id, body)
        expected = SUCCESS[operation_id] if validator.is_valid(body) else 400
        assert response.status_code == expected, response.text

    check()


def test_identify_outputs_fit_the_contract_for_any_options(shared: tuple[Sandbox, httpx.Client]) -> None:
    """Identify jobs on real audio, with any options the contract allows, succeed with a valid output."""
    sandbox, client = shared
    real_voiceprints = st.lists(st.sampled_from(["Alice", "Bob", "John"]), min_size=1, max_size=3)

    options = from_schema(closed(_schema.request_schema("identify")))

    @given(options, real_voiceprints, st.sampled_from(["conversation", "solo"]))
    def check(body: dict[str, Any], names: list[str], audio: str) -> None:
        body = {k: v for k, v in body.items() if k not in ("webhook",)}
        labels = [v["label"] for v in body["voiceprints"]]
        body["url"] = f"media://{audio}.wav"
        body["voiceprints"] = [
            {"label": labels[i % len(labels)], "voiceprint": voiceprint_for(name)} for i, name in enumerate(names)
        ]
        response = _post(client, "identify", body)
        assert response.status_code == 200
        job = _job(sandbox, client, response.json()["jobId"])
        assert job["status"] == "succeeded", job
        output = job["output"]
        assert ("confidence" in output) == bool(body.get("confidence"))
        assert ("exclusiveDiarization" in output) == bool(body.get("exclusive"))
        speakers = {segment["speaker"] for segment in output["diarization"]}
        if body.get("numSpeakers") is not None:
            assert len(speakers) <= body["numSpeakers"]

    check()


def test_job_listing_accepts_every_valid_query(shared: tuple[Sandbox, httpx.Client]) -> None:
    """Every combination of limit and status the contract allows lists jobs; foreign cursors are a 400."""
    _, client = shared
    _, _, operation = _schema.operation("getJobsByTeamV2")
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    query = from_schema(
        {
            "type": "object",
            "properties": parameters,
            "additionalProperties": False,
            "components": _schema.component("JobStatus")["components"],
        }
    )

    @given(query)
    def check(params: dict[str, Any]) -> None:
        response = client.get("/v2/jobs", params={k: str(v) for k, v in params.items()})
        if "cursor" in params:
            assert response.status_code == 400
            assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
        else:
            assert response.status_code == 200
            assert len(response.json()["items"]) <= params.get("limit", 10)

    check()


@given(st.text(min_size=1, max_size=40))
def test_any_job_id_gets_a_contract_answer(shared: tuple[Sandbox, httpx.Client], job_id: str) -> None:
    """GET /v1/jobs/{anything} answers a valid 404 (or the job, for an id the sandbox issued)."""
    _, client = shared
    response = client.get("/v1/jobs/" + quote(job_id, safe=""))
    assert response.status_code == 404
