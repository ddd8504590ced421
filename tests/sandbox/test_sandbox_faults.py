"""Fault injection: each kind of failure, its scope and count, and jobs made to fail."""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import anyio
import httpx
import pytest
from sandboxkit import TLS, check_response, finished, upload

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify.errors import JobCanceledError
from pyannoteai_identify.sandbox import Sandbox, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox._faults import FaultKind


def test_5xx_faults_answer_the_status_with_an_api_error(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """A '5xx' fault answers 503 by default, or the chosen status, with an ApiError body."""
    sandbox.faults.next(1, "5xx")
    sandbox.faults.next(1, "5xx", status=502)
    first, second, third = (raw_client.get("/v1/test") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (503, 502, 200)
    assert set(first.json()) == {"requestId", "message"}


def test_429_faults_carry_retry_after(sandbox: Sandbox, client: httpx.Client) -> None:
    """A '429' fault is a contract-valid 429 with the chosen Retry-After and a reset time."""
    sandbox.faults.next(1, "429", retry_after=7)
    refused = client.get("/v1/test")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "7"
    assert refused.headers["X-RateLimit-Reset"] == str(math.ceil(sandbox.clock.real_wall() + 7))  # not advanced


def test_402_faults_say_a_subscription_is_required(sandbox: Sandbox, client: httpx.Client) -> None:
    """A '402' fault is the contract's PaymentRequired ApiError."""
    sandbox.faults.next(1, "402")
    response = client.post("/v1/identify", json={"url": "media://a", "voiceprints": []})
    assert (response.status_code, response.json()["message"]) == (402, "Subscription is required")


def test_delay_faults_hold_the_answer_back(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """A 'delay' fault makes a client with a shorter timeout time out; the answer itself is normal."""
    sandbox.faults.next(1, "delay", seconds=2.0)
    with pytest.raises(httpx.ReadTimeout):
        raw_client.get("/v1/test", timeout=0.2)
    sandbox.faults.next(1, "delay", seconds=0.05)
    assert raw_client.get("/v1/test").status_code == 200


def test_drop_faults_cut_the_connection_mid_response(
    sandbox: Sandbox, raw_client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """A 'drop' fault sends part of a response then closes the connection; the server logs no error."""
    sandbox.faults.next(1, "drop")
    with caplog.at_level(logging.ERROR), pytest.raises(httpx.RemoteProtocolError):
        raw_client.get("/v1/test")
    assert raw_client.get("/v1/test").status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_malformed_faults_send_broken_json_with_the_success_status(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """A 'malformed' fault answers the operation's success status with a body that is not JSON."""
    sandbox.faults.next(1, "malformed")
    response = raw_client.post("/v1/media/input", json={"url": "media://a"})
    assert response.status_code == 201
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_faults_apply_to_the_next_n_requests_only(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """next(n, ...) affects exactly n requests, then the sandbox answers normally again."""
    sandbox.faults.next(3, "5xx")
    assert [raw_client.get("/v1/test").status_code for _ in range(5)] == [503, 503, 503, 200, 200]
    assert sandbox.faults.pending == 0


def test_faults_scoped_to_an_operation_spare_the_others(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """A fault for 'identify' leaves other operations alone and waits for an identify request."""
    sandbox.faults.next(1, "5xx", operation="identify")
    assert raw_client.get("/v1/test").status_code == 200
    assert raw_client.post("/v1/identify", json={}).status_code == 503
    assert raw_client.post("/v1/identify", json={}).status_code == 400


def test_faults_hit_the_presigned_upload_too(sandbox: Sandbox, client: httpx.Client) -> None:
    """operation='upload' targets the presigned PUT, e.g. to drop an upload half way."""
    target = client.post("/v1/media/input", json={"url": "media://a"}).json()["url"]
    sandbox.faults.next(1, "drop", operation="upload")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.put(target, content=b"RIFF", verify=TLS)
    assert sandbox.state.media("a") is None


@pytest.mark.sandbox(rate_limit=0)  # 200 presigned URLs in a row
def test_a_dropped_upload_is_an_answer_cut_short_every_time(sandbox: Sandbox, client: httpx.Client) -> None:
    """A drop fault on a PUT reads the body before cutting the answer. Closing with the body unread
    made the kernel reset the connection: some uploads (1 to 20 in 100 here) saw "connection reset"
    (ReadError) instead of the answer cut short that the fault promises."""
    outcomes: Counter[str] = Counter()
    with httpx.Client(verify=TLS, timeout=10) as storage:
        for _ in range(200):
            target = client.post("/v1/media/input", json={"url": "media://a"}).json()["url"]
            sandbox.faults.next(1, "drop", operation="upload")
            try:
                storage.put(target, content=b"RIFF")
            except httpx.TransportError as error:
                outcomes[type(error).__name__] += 1
    assert outcomes == {"RemoteProtocolError": 200}
    assert sandbox.state.media("a") is None


def test_a_request_held_by_a_delay_when_the_sandbox_is_reset_acts_on_nothing(
    sandbox: Sandbox, raw_client: httpx.Client
) -> None:
    """reset() between tests releases a submission a delay still holds: 503, no job, nothing counted
    (served after the reset, it created a job in whatever test came next)."""
    sandbox.faults.next(1, "delay", seconds=1.0, operation="identify")
    body = {"url": "media://a", "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(raw_client.post, "/v1/identify", json=body)
        for _ in range(500):  # until the sandbox holds it (at most 5 s)
            if sandbox.stats.requests["identify"] or held.done():
                break
            time.sleep(0.01)
        sandbox.reset()
        answer = held.result(timeout=5)
    assert answer.status_code == 503
    assert "reset" in answer.json()["message"]
    assert (sandbox.stats.submissions, sum(sandbox.stats.requests.values())) == (0, 0)
    assert sandbox.state.list_jobs()[0] == []


def test_faulted_submissions_create_no_job(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """A request answered by a fault never reaches the handler: it is counted, but no job exists."""
    sandbox.faults.next(1, "5xx", operation="identify")
    body = {"url": "media://a", "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    raw_client.post("/v1/identify", json=body)
    assert sandbox.stats.requests["identify"] == 1
    assert sandbox.stats.submissions == 0
    assert raw_client.get("/v2/jobs").json()["items"] == []


@pytest.mark.parametrize("kind", ["5xx", "malformed", "drop"])
def test_faults_after_the_work_create_the_job_then_spoil_the_answer(
    sandbox: Sandbox, raw_client: httpx.Client, kind: FaultKind
) -> None:
    """after=True: the job is created and billed, and the client gets the fault instead of its id,
    as when the API fails after doing the work."""
    sandbox.faults.next(1, kind, operation="identify", after=True)
    body = {"url": "media://a", "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    try:
        response = raw_client.post("/v1/identify", json=body)
    except httpx.RemoteProtocolError:
        assert kind == "drop"
    else:
        assert kind != "drop"
        assert response.status_code == (503 if kind == "5xx" else 200)
        assert "jobId" not in response.text or kind == "malformed"
    assert sandbox.stats.submissions == 1
    assert len(raw_client.get("/v2/jobs").json()["items"]) == 1


def test_fail_next_job_fails_exactly_one_job_with_the_error(sandbox: Sandbox, client: httpx.Client) -> None:
    """fail_next_job(error) makes the next job of that kind fail with output.error = error."""
    url = upload(client, "v.wav", voice_sample("Bob", 1.0))
    sandbox.faults.fail_next_job("GPU on fire", kind="identify")
    voiceprint_job = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    body = {"url": url, "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    failing = client.post("/v1/identify", json=body).json()["jobId"]
    after = client.post("/v1/identify", json=body).json()["jobId"]
    assert finished(sandbox, client, voiceprint_job)["status"] == "succeeded"
    assert finished(sandbox, client, failing)["output"] == {"error": "GPU on fire"}
    assert finished(sandbox, client, after)["status"] == "succeeded"


def test_cancel_next_job_ends_one_job_canceled_which_the_clients_raise(sandbox: Sandbox, client: httpx.Client) -> None:
    """cancel_next_job() makes the next job of that kind end ``canceled`` (the MockAPI's
    ``outcome = "canceled"``, which the sandbox had no way to produce): wait() raises
    JobCanceledError, sync and async, and the next job runs as usual."""
    url = upload(client, "c.wav", voice_sample("Bob", 1.0))
    sandbox.faults.cancel_next_job(kind="voiceprint")
    body = {"url": url, "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    identify = client.post("/v1/identify", json=body).json()["jobId"]
    canceled = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    after = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1e-6)
    assert client.get(f"/v1/jobs/{identify}").json()["status"] == "succeeded"
    assert client.get(f"/v1/jobs/{after}").json()["status"] == "succeeded"
    with (
        Client(sandbox.api_key, base_url=sandbox.base_url, max_retries=0, timeout=10) as sdk,
        pytest.raises(JobCanceledError),
    ):
        sdk.wait(canceled, timeout=0)

    async def wait_async() -> None:
        async with AsyncClient(sandbox.api_key, base_url=sandbox.base_url, max_retries=0, timeout=10) as sdk:
            await sdk.wait(canceled, timeout=0)

    with pytest.raises(JobCanceledError):
        anyio.run(wait_async)


def test_faults_can_be_cleared(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """faults.clear() forgets pending faults and job failures."""
    sandbox.faults.next(5, "5xx")
    sandbox.faults.fail_next_job()
    sandbox.faults.clear()
    assert sandbox.faults.pending == 0
    assert raw_client.get("/v1/test").status_code == 200


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, "5xx"), {}, "n=0"),
        ((1, "teapot"), {}, "kind='teapot'"),
        ((1, "5xx"), {"status": 404}, "status=404"),
        ((1, "429"), {"status": 503}, "only a 5xx"),
        ((1, "delay"), {"seconds": 0}, "seconds=0"),
        ((1, "429"), {"retry_after": -1}, "retry_after=-1"),
        ((1, "5xx"), {"operation": "diarize"}, "operation='diarize'"),
        ((1, "429"), {"after": True}, "after=True"),
        ((1, "5xx"), {"after": 1}, "after=1"),
    ],
    ids=["count", "kind", "status", "status-on-429", "delay", "retry-after", "operation", "after-429", "after-int"],
)
def test_bad_fault_arguments_are_refused(
    sandbox: Sandbox, args: tuple[object, ...], kwargs: dict[str, object], message: str
) -> None:
    """Each bad argument to faults.next raises a ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        sandbox.faults.next(*args, **kwargs)  # type: ignore[arg-type]


def test_injected_faults_that_the_contract_declares_validate(sandbox: Sandbox, raw_client: httpx.Client) -> None:
    """The 402 and 429 faults are declared responses and match openapi.yaml."""
    for kind in ("402", "429"):
        sandbox.faults.next(1, kind)  # type: ignore[arg-type]
        check_response(raw_client.get("/v2/jobs"))
