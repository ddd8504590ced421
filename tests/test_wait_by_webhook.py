"""Client.wait finishes on a webhook's arrival, with polling as the fallback (sync and async)."""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import httpx
import pytest
import respx

from pyannoteai_identify import AsyncClient, Client, IdentifyResult, Job, JobFailedError, WaitTimeoutError
from pyannoteai_identify.receiver import WebhookBroker
from pyannoteai_identify.testing import signed_delivery
from pyannoteai_identify.webhooks import parse

BASE = "https://api.pyannote.ai"
SECRET = "whsec_wait_test"
OUTPUT = {
    "identification": [
        {"speaker": "Ann", "start": 0.0, "end": 2.5, "diarizationSpeaker": "SPEAKER_00", "match": "Ann"},
    ],
    "voiceprints": [{"speaker": "SPEAKER_00", "match": "Ann", "confidence": {"Ann": 91}}],
    "diarization": [{"speaker": "SPEAKER_00", "start": 0.0, "end": 2.5}],
}


def _event(payload: dict[str, Any]) -> Any:
    body, headers = signed_delivery(payload, SECRET)
    return parse(body, headers, SECRET)


def _router(status: str = "running", output: dict[str, Any] | None = None) -> respx.Router:
    router = respx.Router(base_url=BASE)
    job: dict[str, Any] = {"jobId": "job-1", "status": status}
    if output is not None:
        job["output"] = output
    router.get("/v1/jobs/job-1", name="getJobById").respond(200, json=job)
    return router


def _running_then_succeeded() -> tuple[respx.Router, respx.Route]:
    """A job that polls as running once, then as succeeded with OUTPUT."""
    router = respx.Router(base_url=BASE)
    route = router.get("/v1/jobs/job-1", name="getJobById")
    route.side_effect = [
        httpx.Response(200, json={"jobId": "job-1", "status": "running"}),
        httpx.Response(200, json={"jobId": "job-1", "status": "succeeded", "output": OUTPUT}),
    ]
    return router, route


def _publish_later(broker: WebhookBroker, event: Any, delay: float = 0.05) -> threading.Timer:
    timer = threading.Timer(delay, broker.publish, args=(event,))
    timer.start()
    return timer


def test_sync_wait_returns_the_webhook_result_while_the_job_still_polls_as_running() -> None:
    """A delivery ends the wait at once: one poll, no sleep, the webhook's typed result."""
    router, broker, sleeps = _router(), WebhookBroker(), []
    timer = _publish_later(broker, _event({"jobId": "job-1", "status": "succeeded", "output": OUTPUT}))
    with Client("key", transport=httpx.MockTransport(router.handler), sleep=sleeps.append) as client:
        result = client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=30)
    timer.join()
    assert isinstance(result, IdentifyResult)
    assert result.talk_time() == {"Ann": 2.5}
    assert router["getJobById"].call_count == 1
    assert sleeps == []


@pytest.mark.anyio
async def test_async_wait_returns_the_webhook_result() -> None:
    """The async client awaits the broker the same way."""
    router, broker = _router(), WebhookBroker()
    timer = _publish_later(broker, _event({"jobId": "job-1", "status": "succeeded", "output": OUTPUT}))

    async def no_sleep(_: float) -> None:
        raise AssertionError("the async wait must await the broker, not sleep")

    async with AsyncClient("key", transport=httpx.MockTransport(router.async_handler), sleep=no_sleep) as client:
        result = await client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=30)
    timer.join()
    assert isinstance(result, IdentifyResult)
    assert router["getJobById"].call_count == 1


def test_a_status_only_delivery_makes_wait_poll_for_the_output() -> None:
    """A delivery without output (webhookStatusOnly) triggers an immediate poll for the output."""
    router, route = _running_then_succeeded()
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded"}))
    with Client("key", transport=httpx.MockTransport(router.handler), sleep=lambda _: None) as client:
        result = client.wait("job-1", broker=broker, timeout=30, kind="identify")
    assert isinstance(result, IdentifyResult)
    assert route.call_count == 2


def test_a_failed_delivery_raises_job_failed_with_the_api_error() -> None:
    """A failed job's delivery raises JobFailedError with the API's text."""
    router, broker = _router(), WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "failed", "output": {"error": "Could not load audio"}}))
    with Client("key", transport=httpx.MockTransport(router.handler)) as client, pytest.raises(JobFailedError) as info:
        client.wait("job-1", broker=broker, timeout=30)
    assert info.value.api_message == "Could not load audio"


def test_without_a_delivery_polling_is_the_fallback() -> None:
    """When no webhook comes, wait keeps polling until the job ends."""
    router, route = _running_then_succeeded()
    schedule_gap = 0.01
    from pyannoteai_identify import PollSchedule

    with Client(
        "key",
        transport=httpx.MockTransport(router.handler),
        poll_schedule=PollSchedule(initial=schedule_gap, jitter=0.0),
    ) as client:
        result = client.wait(Job("job-1", "created", "identify"), broker=WebhookBroker(), timeout=30)
    assert isinstance(result, IdentifyResult)
    assert route.call_count == 2


def test_a_delivery_whose_output_is_not_of_the_jobs_kind_makes_wait_poll_instead_of_failing() -> None:
    """A broker must never turn a wait that polling finishes into an error: a delivery holding only a
    diarization for an identify job is set aside and the poll's identify output is returned."""
    router, route = _running_then_succeeded()
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded", "output": {"diarization": OUTPUT["diarization"]}}))
    with Client("key", transport=httpx.MockTransport(router.handler), sleep=lambda _: None) as client:
        result = client.wait("job-1", broker=broker, timeout=30, kind="identify")
    assert isinstance(result, IdentifyResult) and result.speakers == ["Ann"]
    assert route.call_count == 2


def test_a_wait_that_ends_by_polling_drops_the_delivery_kept_for_its_job() -> None:
    """A delivery kept for the job (here a status-only one) is not left in memory once a poll ended
    the wait: it would hold its output until max_age otherwise."""
    router = _router("succeeded", OUTPUT)
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded"}))
    broker.publish(_event({"jobId": "job-2", "status": "succeeded"}))
    assert broker.pending() == 2
    with Client("key", transport=httpx.MockTransport(router.handler), sleep=lambda _: None) as client:
        assert isinstance(client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=30), IdentifyResult)
    assert broker.pending() == 1  # job-2's event stays for its own waiter
    assert broker.wait("job-1", timeout=0) is None


@pytest.mark.parametrize("answer", [{"status": "running"}, None], ids=["polls-as-running", "poll-refused-503"])
def test_a_zero_timeout_wait_returns_the_delivery_the_broker_already_holds(answer: dict[str, Any] | None) -> None:
    """wait(timeout=0) is a web handler's "done yet?": when the broker already holds the job's
    delivery, that is the answer, whether the one poll lags behind it or is refused. It must not
    raise WaitTimeoutError ("still running") with the finished job's output in hand."""
    router = respx.Router(base_url=BASE)
    route = router.get("/v1/jobs/job-1", name="getJobById")
    if answer is None:
        route.respond(503, json={"message": "Service Unavailable"})
    else:
        route.respond(200, json={"jobId": "job-1", **answer})
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded", "output": OUTPUT}))
    with Client("key", transport=httpx.MockTransport(router.handler), max_retries=0) as client:
        result = client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=0)
    assert isinstance(result, IdentifyResult)


def test_a_zero_timeout_wait_with_a_status_only_delivery_polls_once_more_for_the_result() -> None:
    """At the deadline the wait takes the job's delivery from the broker. A status-only one (no
    output) cannot end it, and was dropped with a WaitTimeoutError ("still running") though the job
    had ended: the wait polls once more for the output, and returns it when the API has it."""
    answers = iter([{"status": "running"}, {"status": "succeeded", "output": OUTPUT}])
    router = respx.Router(base_url=BASE)
    router.get("/v1/jobs/job-1", name="getJobById").mock(
        side_effect=lambda request: httpx.Response(200, json={"jobId": "job-1", **next(answers)})
    )
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded"}))
    with Client("key", transport=httpx.MockTransport(router.handler), max_retries=0) as client:
        result = client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=0)
    assert isinstance(result, IdentifyResult)
    assert router.routes["getJobById"].call_count == 2


def test_a_zero_timeout_wait_with_a_status_only_delivery_polls_once_more_and_no_more() -> None:
    """The API still says running after the one more poll: the wait ends at its deadline."""
    router = respx.Router(base_url=BASE)
    router.get("/v1/jobs/job-1", name="getJobById").respond(200, json={"jobId": "job-1", "status": "running"})
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "succeeded"}))
    with (
        Client("key", transport=httpx.MockTransport(router.handler), max_retries=0) as client,
        pytest.raises(WaitTimeoutError),
    ):
        client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=0)
    assert router.routes["getJobById"].call_count == 2


def test_a_zero_timeout_wait_with_a_failure_delivery_without_reason_polls_once_more_for_it() -> None:
    """A failed job's delivery carries no output, so no reason: at the deadline the wait ended
    with "the API gave no reason" though one more poll gives it, as a succeeded delivery's does."""
    answers = iter([{"status": "running"}, {"status": "failed", "output": {"error": "Bad audio"}}])
    router = respx.Router(base_url=BASE)
    router.get("/v1/jobs/job-1", name="getJobById").mock(
        side_effect=lambda request: httpx.Response(200, json={"jobId": "job-1", **next(answers)})
    )
    broker = WebhookBroker()
    broker.publish(_event({"jobId": "job-1", "status": "failed"}))
    with (
        Client("key", transport=httpx.MockTransport(router.handler), max_retries=0) as client,
        pytest.raises(JobFailedError, match="Bad audio"),
    ):
        client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=0)
    assert router.routes["getJobById"].call_count == 2


@pytest.mark.parametrize("patched", ["instance", "class"])
def test_a_test_that_patches_the_brokers_wait_has_its_patch_obeyed(patched: str) -> None:
    """``mock.patch.object(broker, "wait")`` (or on ``WebhookBroker``) is how a test hands wait() a
    delivery: the client called ``broker.wait``. Since close() wakes broker waits, a broker whose
    class is WebhookBroker and whose ``type(broker).wait is WebhookBroker.wait`` (true under both
    patches) is waited on through the broker's internals: the patch is never called and the wait
    runs out its timeout on the real, empty broker (as a patched time.sleep is obeyed, this must be too)."""
    event = _event({"jobId": "job-1", "status": "succeeded", "output": OUTPUT})
    router, broker, sleeps = _router(), WebhookBroker(), []
    target: Any = broker if patched == "instance" else WebhookBroker
    with (
        mock.patch.object(target, "wait", return_value=event) as fake,
        Client("key", transport=httpx.MockTransport(router.handler), sleep=sleeps.append) as client,
    ):
        result = client.wait(Job("job-1", "created", "identify"), broker=broker, timeout=0.5)
    assert isinstance(result, IdentifyResult)
    assert fake.call_count >= 1
