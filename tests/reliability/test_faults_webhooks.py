"""Webhook faults over loopback: redeliveries, tampered bodies, forged and replayed deliveries.

The sandbox delivers signed webhooks to a real receiver (``asgi_app`` behind a ``DeliveryTap``,
served by uvicorn on 127.0.0.1) that publishes to a ``WebhookBroker`` a client waits on. The tap
can lose the receiver's answer (so the sandbox redelivers), play a receiver that is down, or
tamper with a body in transit. Each outcome is checked where it shows: the receiver's answers,
the sandbox's delivery log, the handler's calls, and the result ``wait`` returns.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from reliabilitykit import DEMO_MEDIA, VOICEPRINTS, WEBHOOK_SECRET, Api, DeliveryTap, MakeApi, Tapped
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyannoteai_identify import IdentifyResult, Job, JobFailedError, PollSchedule, WebhookEvent
from pyannoteai_identify._background_server import BackgroundServer
from pyannoteai_identify.receiver import WebhookBroker, WebhookReceiver, asgi_app
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.webhooks import sign

pytestmark = pytest.mark.anyio

#: Long enough that a test which fails to get its webhook fails on its request counts, not on time.
BROKER_GAP = 30.0


@dataclass
class Receiver:
    """A running webhook receiver: where to deliver, the tap in front of it, what it handed out."""

    url: str
    tap: DeliveryTap
    broker: WebhookBroker
    events: list[WebhookEvent]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """``asgi_app`` with the sandbox's secret, publishing to a broker and recording handled events."""
    broker = WebhookBroker()
    events: list[WebhookEvent] = []
    tap = DeliveryTap(asgi_app(WEBHOOK_SECRET, on_event=events.append, broker=broker))
    with BackgroundServer(tap, name="reliability-receiver") as server:
        yield Receiver(f"{server.base_url}/", tap, broker, events)


@pytest.fixture
def waiting_api(make_api: MakeApi) -> Api:
    """A client whose wait awaits the broker for 30 s between polls (no jitter), on the real clock:
    the sandbox delivers in real time, and on the sandbox's clock the wait would sleep each gap
    with it (a simulation's sleep) and poll again before the delivery came."""
    return make_api(clock=None, poll_schedule=PollSchedule(initial=BROKER_GAP, jitter=0.0))


def finish_job_soon(sandbox: Sandbox) -> Any:
    """An on_status callback: on the first status seen, end the job (move the sandbox's clock).

    Moved in the callback itself, not by a timer thread, which outlived a test that ended first
    and moved the shared sandbox's clock in the next one.
    """
    started = threading.Event()

    def on_status(job: Job[Any]) -> None:
        if not started.is_set():
            started.set()
            sandbox.advance(10.0)

    return on_status


def settle(sandbox: Sandbox, receiver: Receiver, attempts: int, *, handled: int = 1) -> None:
    """Wait (at most 10 s) until the sandbox logged *attempts* deliveries, the tap saw the receiver answer
    those that reached it, and the handler ran *handled* times: the broker wakes ``wait`` before all that."""
    deadline = time.monotonic() + 10.0

    def done() -> bool:
        tap = receiver.tap
        return (
            len(sandbox.stats.deliveries) >= attempts
            and tap.finished == tap.arrived
            and len(receiver.events) >= handled
        )

    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sandbox.stats.deliveries) == attempts, sandbox.stats.deliveries
    assert len(receiver.events) == handled, receiver.events


def expected(sandbox: Sandbox, job_id: str) -> dict[str, Any]:
    job = sandbox.state.job(job_id)
    assert job is not None
    outcome = job.decision.outcome
    assert outcome is not None, f"the sandbox has not decided job {job_id} yet"
    return IdentifyResult.from_dict(outcome.output).to_dict()


async def submit_and_wait(api: Api, sandbox: Sandbox, receiver: Receiver, **options: Any) -> tuple[str, Any]:
    """Submit with the receiver as webhook, end the job after the first poll, and wait on the broker."""
    job = await api.identify(DEMO_MEDIA, VOICEPRINTS, webhook=receiver.url, **options)
    result = await api.wait(job, timeout=300, broker=receiver.broker, on_status=finish_job_soon(sandbox))
    return str(job.id), result


def answers(seen: list[Tapped]) -> list[tuple[int, str]]:
    return [(tapped.status, json.loads(tapped.answer)["status"]) for tapped in seen]


@pytest.mark.parametrize("failure", ["answer-lost", "receiver-down"])
async def test_a_redelivery_is_handled_once_and_wait_returns_the_output_from_the_webhook(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver, failure: str
) -> None:
    """The first attempt fails (its answer lost after handling, or the receiver down): the sandbox retries at
    once, the handler runs exactly once, and wait() ends on the webhook with the right output after one poll."""
    if failure == "answer-lost":
        receiver.tap.lose_answers = 1
    else:
        receiver.tap.refuse = 1
    job_id, result = await submit_and_wait(waiting_api, sandbox, receiver)
    assert result.to_dict() == expected(sandbox, job_id)
    assert sandbox.stats.requests["getJobById"] == 1
    settle(sandbox, receiver, 2)
    assert [(d.attempt, d.outcome, d.status_code) for d in sandbox.stats.deliveries] == [
        (0, "failed", 503),
        (1, "delivered", 200),
    ]
    retry = receiver.tap.seen[-1]
    assert (retry.headers["x-retry-num"], retry.headers["x-retry-reason"]) == ("1", "http_error")
    if failure == "answer-lost":
        assert answers(receiver.tap.seen) == [(200, "accepted"), (200, "duplicate")]
    else:
        assert answers(receiver.tap.seen) == [(200, "accepted")]
    assert [event.job_id for event in receiver.events] == [job_id]
    assert receiver.broker.pending() == 0
    assert sandbox.stats.submissions == 1


async def test_a_body_tampered_in_transit_is_refused_and_the_genuine_retry_is_handled(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver
) -> None:
    """A delivery whose body was altered (Alice → Mallory) gets 400 signature_mismatch and reaches no handler;
    the sandbox's retry carries the genuine body, which is handled once and ends the wait."""
    receiver.tap.tamper = lambda body: body.replace(b'"Alice"', b'"Mallory"')
    job_id, result = await submit_and_wait(waiting_api, sandbox, receiver)
    assert result.to_dict() == expected(sandbox, job_id)
    settle(sandbox, receiver, 2)
    assert b"Mallory" in receiver.tap.seen[0].body
    assert answers(receiver.tap.seen) == [(400, "signature_mismatch"), (200, "accepted")]
    assert [(d.outcome, d.status_code) for d in sandbox.stats.deliveries] == [("failed", 400), ("delivered", 200)]
    assert len(receiver.events) == 1
    assert "Mallory" not in receiver.events[0].result.speakers  # type: ignore[union-attr]
    assert receiver.events[0].result.speakers == ["Alice", "Bob"]  # type: ignore[union-attr]


async def test_a_forged_delivery_is_refused_and_cannot_block_the_genuine_one(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver
) -> None:
    """A delivery for the job signed with another secret arrives first: 400, and the job id is not claimed,
    so the genuine delivery is still accepted and handled."""
    job = await waiting_api.identify(DEMO_MEDIA, VOICEPRINTS, webhook=receiver.url)
    forged = json.dumps({"jobId": job.id, "status": "failed", "output": {"error": "forged"}}).encode()
    refused = httpx.post(receiver.url, content=forged, headers=sign(forged, "whsec_attacker"), timeout=10)
    assert (refused.status_code, refused.json()["status"]) == (400, "signature_mismatch")
    result = await waiting_api.wait(job, timeout=300, broker=receiver.broker, on_status=finish_job_soon(sandbox))
    assert result.to_dict() == expected(sandbox, job.id)
    settle(sandbox, receiver, 1)
    assert [(event.job_id, str(event.status)) for event in receiver.events] == [(job.id, "succeeded")]


async def test_a_replayed_delivery_is_answered_as_a_duplicate_and_not_handled_again(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver
) -> None:
    """The captured delivery, sent again byte for byte within the window: 200 duplicate, no second handling."""
    job_id, _ = await submit_and_wait(waiting_api, sandbox, receiver)
    settle(sandbox, receiver, 1)
    original = receiver.tap.seen[0]
    replay = httpx.post(receiver.url, content=original.body, headers=original.headers, timeout=10)
    assert (replay.status_code, replay.json()) == (200, {"status": "duplicate", "jobId": job_id})
    assert len(receiver.events) == 1


def _receiver_at(receiver: WebhookReceiver, now: float) -> Starlette:
    """A receiver app whose clock reads *now* (a replay arriving later than the delivery)."""

    async def endpoint(request: Request) -> Response:
        outcome = await receiver.handle_request(request, now=now)
        return Response(outcome.body, outcome.status_code, media_type=outcome.media_type)

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


@pytest.mark.parametrize(
    ("delay", "status", "reason"),
    [(601.0, 400, "timestamp_out_of_tolerance"), (3600.0, 400, "timestamp_out_of_tolerance"), (300.0, 200, "accepted")],
    ids=["10-minutes-later", "an-hour-later", "5-minutes-later"],
)
async def test_a_stale_replay_is_refused_even_by_a_receiver_that_never_saw_the_delivery(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver, delay: float, status: int, reason: str
) -> None:
    """A captured delivery replayed to a fresh receiver (nothing to de-duplicate against) is refused once its
    timestamp is over 600 s old, and accepted within the window, where the documented retries arrive."""
    await submit_and_wait(waiting_api, sandbox, receiver)
    settle(sandbox, receiver, 1)
    original = receiver.tap.seen[0]
    stamp = int(original.headers["x-request-timestamp"])
    fresh = WebhookReceiver(WEBHOOK_SECRET)
    with BackgroundServer(_receiver_at(fresh, stamp + delay), name="reliability-late-receiver") as server:
        replay = httpx.post(f"{server.base_url}/", content=original.body, headers=original.headers, timeout=10)
    assert (replay.status_code, replay.json()["status"]) == (status, reason)


async def test_a_status_only_delivery_ends_the_wait_with_one_more_poll_for_the_output(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver
) -> None:
    """webhookStatusOnly: the delivery has no output, so wait() polls once more and returns the right output."""
    job_id, result = await submit_and_wait(waiting_api, sandbox, receiver, webhook_status_only=True)
    assert result.to_dict() == expected(sandbox, job_id)
    settle(sandbox, receiver, 1)
    assert receiver.events[0].result is None
    assert sandbox.stats.requests["getJobById"] == 2


async def test_a_failed_job_delivered_by_webhook_raises_job_failed(
    waiting_api: Api, sandbox: Sandbox, receiver: Receiver
) -> None:
    """The sandbox fails the job; its delivery (no output, as documented) ends the wait with JobFailedError
    carrying the reason, fetched by one more poll."""
    sandbox.faults.fail_next_job("Could not load audio")
    with pytest.raises(JobFailedError, match="Could not load audio") as info:
        await submit_and_wait(waiting_api, sandbox, receiver)
    settle(sandbox, receiver, 1)
    assert info.value.job_id == receiver.events[0].job_id
    assert info.value.api_message == "Could not load audio"
    assert str(receiver.events[0].status) == "failed"
    assert receiver.events[0].error is None
    assert sandbox.stats.requests["getJobById"] == 2
