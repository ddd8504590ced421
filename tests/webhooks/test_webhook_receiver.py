"""The receiver: framework-agnostic handling, the dedup store, and the ready Starlette app."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import logging
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx
import pytest

from pyannoteai_identify import webhooks
from pyannoteai_identify.errors import ConfigurationError, ValidationError
from pyannoteai_identify.receiver import (
    DeliveryStore,
    MemoryDeliveryStore,
    WebhookBroker,
    WebhookReceiver,
    asgi_app,
)
from pyannoteai_identify.testing import signed_delivery

SECRET = "whsec_receiver_tests"


def delivery(job_id: str = "job-1", **kwargs: Any) -> tuple[bytes, dict[str, str]]:
    payload = {"jobId": job_id, "status": "succeeded", "output": {"voiceprint": "abc"}}
    return signed_delivery(payload, SECRET, **kwargs)


# --- WebhookReceiver.handle -------------------------------------------------------------------


def test_a_new_delivery_is_accepted_with_its_event() -> None:
    """A verified delivery answers 200 {"status": "accepted"} and hands out the event."""
    outcome = WebhookReceiver(SECRET).handle(*delivery())
    assert outcome.status_code == 200
    assert json.loads(outcome.body) == {"status": "accepted", "jobId": "job-1"}
    assert outcome.reason == "accepted"
    assert outcome.event is not None and outcome.event.job_id == "job-1"
    assert outcome.media_type == "application/json"


def test_a_redelivery_is_acknowledged_but_not_handed_out_again() -> None:
    """The second delivery of a job (an API retry) answers 200 with no event to handle."""
    receiver = WebhookReceiver(SECRET)
    assert receiver.handle(*delivery()).event is not None
    again = receiver.handle(*delivery(retry_num=1, retry_reason="http_timeout"))
    assert (again.status_code, again.reason, again.event) == (200, "duplicate", None)
    assert json.loads(again.body) == {"status": "duplicate", "jobId": "job-1"}


def test_a_released_job_is_accepted_again_so_an_inline_handler_can_have_the_api_retry() -> None:
    """A Flask handler that fails answers 500 so the API retries; the job was claimed when the event
    was handed out, so the retry was answered "duplicate" and the event was lost."""
    receiver = WebhookReceiver(SECRET)
    assert receiver.handle(*delivery()).event is not None
    receiver.release("job-1")
    retry = receiver.handle(*delivery(retry_num=1, retry_reason="http_error"))
    assert (retry.status_code, retry.reason) == (200, "accepted")
    assert retry.event is not None and retry.event.job_id == "job-1"
    assert receiver.handle(*delivery(retry_num=2)).reason == "duplicate"
    receiver.release("never-seen")  # releasing what is not held is harmless


def test_releasing_with_a_store_that_cannot_is_refused_naming_the_store() -> None:
    class ClaimOnly:
        def claim(self, job_id: str) -> bool:
            return True

    with pytest.raises(ConfigurationError, match=r"ClaimOnly has no release\(job_id\) method"):
        WebhookReceiver(SECRET, store=ClaimOnly()).release("job-1")


@pytest.mark.parametrize("status", ["running", "pending", "created", "processing"])
def test_a_delivery_of_a_job_not_yet_ended_does_not_take_the_slot_of_the_final_one(status: str) -> None:
    """A non-final (or unknown, so not final) status is acknowledged as ignored and handed out to no
    one; the job's final delivery after it is accepted with its event, and published to the broker."""
    broker = WebhookBroker()
    receiver = WebhookReceiver(SECRET, broker=broker)
    early = receiver.handle(*signed_delivery({"jobId": "job-1", "status": status}, SECRET))
    assert (early.status_code, early.reason, early.event) == (200, "ignored", None)
    assert broker.pending() == 0
    final = receiver.handle(*delivery())
    assert (final.status_code, final.reason) == (200, "accepted")
    assert final.event is not None and final.event.result is not None
    assert broker.pending() == 1


def test_a_signed_delivery_whose_output_cannot_be_read_is_accepted_without_a_result() -> None:
    """Refusing it would have the API retry and then drop the job's only delivery: it is accepted,
    with result None, the reason, and the raw body, so the handler can fetch the job instead."""
    payload = {"jobId": "job-1", "status": "succeeded", "output": {"identification": "not a list"}}
    outcome = WebhookReceiver(SECRET).handle(*signed_delivery(payload, SECRET))
    assert (outcome.status_code, outcome.reason) == (200, "accepted")
    assert outcome.event is not None and outcome.event.result is None
    assert outcome.event.output_error is not None and "identification" in outcome.event.output_error
    assert outcome.event.raw["output"] == {"identification": "not a list"}


def test_a_signed_delivery_with_a_key_its_schema_does_not_declare_is_accepted_with_its_result() -> None:
    """WebhookDelivery declares jobId, status and output only: a delivery that also carries, say, a
    ``createdAt`` in epoch seconds is genuine. Answered 400 (malformed_body), the API would retry
    it and then drop the job's only delivery; it is accepted, read as without that key."""
    payload = {"jobId": "job-1", "status": "succeeded", "output": {"voiceprint": "abc"}, "createdAt": 1708430400}
    outcome = WebhookReceiver(SECRET).handle(*signed_delivery(payload, SECRET))
    assert (outcome.status_code, outcome.reason) == (200, "accepted")
    assert outcome.event is not None and outcome.event.output_error is None
    assert outcome.event.result is not None and outcome.event.raw["createdAt"] == 1708430400


def test_a_bad_signature_is_refused_with_400_and_the_reason() -> None:
    """A delivery signed with another secret answers 400 naming the reason; nothing is handed out."""
    receiver = WebhookReceiver(SECRET)
    body, headers = signed_delivery({"jobId": "job-1", "status": "canceled"}, "not-the-secret")
    outcome = receiver.handle(body, headers)
    assert (outcome.status_code, outcome.reason, outcome.event) == (400, "signature_mismatch", None)
    assert json.loads(outcome.body)["status"] == "signature_mismatch"


def test_an_uppercase_hex_signature_is_accepted() -> None:
    """Hex is case-insensitive: a delivery whose X-Signature is uppercase hex is accepted."""
    body, headers = delivery()
    outcome = WebhookReceiver(SECRET).handle(body, {**headers, "X-Signature": headers["X-Signature"].upper()})
    assert (outcome.status_code, outcome.reason) == (200, "accepted")


@pytest.mark.anyio
async def test_an_uppercase_hex_signature_is_accepted_by_handle_async_and_the_asgi_app() -> None:
    """handle_async and the ASGI app (handle_request) accept an uppercase hex signature too."""
    body, headers = delivery()
    upper = {**headers, "X-Signature": headers["X-Signature"].upper()}
    outcome = await WebhookReceiver(SECRET).handle_async(body, upper)
    assert (outcome.status_code, outcome.reason) == (200, "accepted")
    async with client_for(asgi_app(SECRET)) as client:
        response = await client.post("/", content=body, headers=upper)
    assert (response.status_code, response.json()["status"]) == (200, "accepted")


def test_a_forged_delivery_does_not_block_the_genuine_one() -> None:
    """Job ids are claimed only after verification, so a forgery cannot make the real delivery a duplicate."""
    receiver = WebhookReceiver(SECRET)
    forged_body, forged_headers = signed_delivery({"jobId": "job-1", "status": "failed"}, "attacker")
    assert receiver.handle(forged_body, forged_headers).status_code == 400
    assert receiver.handle(*delivery()).reason == "accepted"


def test_a_stale_delivery_is_refused() -> None:
    """A delivery outside the tolerance answers 400 timestamp_out_of_tolerance."""
    outcome = WebhookReceiver(SECRET, tolerance=60).handle(*delivery(timestamp=1_000))
    assert (outcome.status_code, outcome.reason) == (400, "timestamp_out_of_tolerance")


def test_a_body_over_the_limit_is_refused_with_413_before_verifying() -> None:
    """A body longer than max_body_bytes answers 413 and is not looked at."""
    body, headers = delivery()
    outcome = WebhookReceiver(SECRET, max_body_bytes=len(body) - 1).handle(body, headers)
    assert (outcome.status_code, outcome.reason, outcome.event) == (413, "too_large", None)
    assert WebhookReceiver(SECRET, max_body_bytes=len(body)).handle(body, headers).status_code == 200


def test_new_events_are_published_to_the_broker_once() -> None:
    """With a broker, the first delivery of a job is published; its redelivery is not."""
    broker = WebhookBroker()
    receiver = WebhookReceiver(SECRET, broker=broker)
    receiver.handle(*delivery())
    receiver.handle(*delivery())
    assert broker.pending() == 1
    event = broker.wait("job-1", timeout=0)
    assert event is not None and event.job_id == "job-1"
    assert broker.pending() == 0


def test_the_secret_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """WebhookReceiver() reads PYANNOTEAI_WEBHOOK_SECRET."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", SECRET)
    assert WebhookReceiver().handle(*delivery()).status_code == 200


def test_a_receiver_without_a_secret_fails_at_construction() -> None:
    """No secret anywhere is a ConfigurationError at startup, not a 400 on every delivery."""
    with pytest.raises(ConfigurationError, match="PYANNOTEAI_WEBHOOK_SECRET"):
        WebhookReceiver()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_body_bytes": 0}, "max_body_bytes"),
        ({"max_body_bytes": True}, "max_body_bytes"),
        ({"tolerance": -1}, "tolerance"),
        ({"max_body_bytes": 100, "max_bytes_in_flight": 99}, "max_bytes_in_flight"),
        ({"max_bytes_in_flight": 2.5e9}, "max_bytes_in_flight"),
        ({"body_timeout": 0}, "body_timeout"),
        ({"body_timeout": float("inf")}, "body_timeout"),
        ({"body_timeout": True}, "body_timeout"),
    ],
)
def test_bad_receiver_settings_are_rejected_naming_the_field(kwargs: dict[str, Any], field: str) -> None:
    """A non-positive body limit or body timeout, or a negative tolerance, raises ValidationError naming it."""
    with pytest.raises(ValidationError, match=field):
        WebhookReceiver(SECRET, **kwargs)


def test_rotation_secrets_are_all_accepted_by_the_receiver() -> None:
    """A receiver configured with old and new secrets accepts deliveries signed with either."""
    receiver = WebhookReceiver(["old", SECRET])
    body, headers = signed_delivery({"jobId": "a", "status": "canceled"}, "old")
    assert receiver.handle(body, headers).status_code == 200
    assert receiver.handle(*delivery("b")).status_code == 200


@pytest.mark.anyio
async def test_handle_async_gives_the_same_outcome() -> None:
    """handle_async runs handle off the event loop with the same result."""
    outcome = await WebhookReceiver(SECRET).handle_async(*delivery())
    assert outcome.status_code == 200 and outcome.event is not None


class CountingStream:
    """A file-like body that records how many bytes were read from it, serving at most *step* per read."""

    def __init__(self, data: bytes, step: int = 1 << 30) -> None:
        self.data = data
        self.step = step
        self.consumed = 0

    def read(self, size: int, /) -> bytes:
        chunk = self.data[self.consumed : self.consumed + min(size, self.step)]
        self.consumed += len(chunk)
        return chunk


def test_handle_stream_reads_a_file_like_body() -> None:
    """A Flask/Django-style stream is read to its end and handled like raw bytes, even one byte per read."""
    body, headers = delivery()
    stream = CountingStream(body, step=1)
    outcome = WebhookReceiver(SECRET).handle_stream(stream, headers)
    assert outcome.reason == "accepted"
    assert stream.consumed == len(body)


def test_a_forged_delivery_read_from_a_stream_is_held_once_in_memory() -> None:
    """Anyone can send signature headers that pass the format and time checks; the body they send
    was kept as chunks and then joined into a second copy before the signature failed (a flood of
    eight 60 MiB bodies took 1 GiB). It is now read into one buffer."""
    import io
    import tracemalloc

    size = 8 << 20
    body = b"x" * size
    headers = {"X-Request-Timestamp": str(int(time.time())), "X-Signature": "a" * 64}
    receiver = WebhookReceiver(SECRET, max_body_bytes=2 * size)
    tracemalloc.start()
    try:
        outcome = receiver.handle_stream(io.BytesIO(body), headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (outcome.status_code, outcome.reason) == (400, "signature_mismatch")
    assert peak < 1.5 * size, f"peak {peak / size:.2f} times the body"


def test_a_body_given_as_a_cast_memoryview_is_measured_in_bytes() -> None:
    """len() of a memoryview cast to 8-byte items counts items: a body four times the limit passed."""
    receiver = WebhookReceiver(SECRET, max_body_bytes=64)
    outcome = receiver.handle(memoryview(b"x" * 256).cast("Q"), {})
    assert (outcome.status_code, outcome.reason) == (413, "too_large")


def _forged_headers() -> dict[str, str]:
    """Signature headers anyone can send: well-formed, current, and wrong."""
    return {"X-Request-Timestamp": str(int(time.time())), "X-Signature": "a" * 64}


def test_bodies_read_at_once_are_bounded_across_requests_and_the_excess_answered_503() -> None:
    """Each forged body was read up to max_body_bytes whatever else was being read: a flood of them
    held that much each. A delivery arriving while another is read (here, from inside its read)
    that would pass max_bytes_in_flight is answered 503 (the API retries), and every byte held is
    given back whichever way a read ends."""
    receiver = WebhookReceiver(SECRET, max_body_bytes=100, max_bytes_in_flight=150)
    inner: list[Any] = []

    class ReadsAnotherMeanwhile(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            if not chunk and not inner:  # the first body is held: a second one arrives
                inner.append(receiver.handle_stream(io.BytesIO(b"y" * 100), _forged_headers()))
            return chunk

    outer = receiver.handle_stream(ReadsAnotherMeanwhile(b"x" * 100), _forged_headers())
    assert (inner[0].status_code, inner[0].reason) == (503, "busy")
    assert (outer.status_code, outer.reason) == (400, "signature_mismatch")
    assert receiver._in_flight.held == 0
    body, headers = delivery()
    assert WebhookReceiver(SECRET, max_body_bytes=len(body)).handle_stream(io.BytesIO(body), headers).reason == (
        "accepted"
    )


@pytest.mark.anyio
async def test_handle_request_gives_back_what_it_held_and_answers_503_past_the_budget() -> None:
    receiver = WebhookReceiver(SECRET, max_body_bytes=100, max_bytes_in_flight=100)

    class Request:
        headers = _forged_headers()

        async def stream(self) -> Any:
            yield b"x" * 60
            yield b"x" * 40

    refused = await receiver.handle_request(Request())  # type: ignore[arg-type]
    assert (refused.status_code, refused.reason) == (400, "signature_mismatch")
    assert receiver._in_flight.held == 0
    assert receiver._in_flight.take(50)  # another request holds half the budget
    busy = await receiver.handle_request(Request())  # type: ignore[arg-type]
    assert (busy.status_code, busy.reason) == (503, "busy")
    assert receiver._in_flight.held == 50


@pytest.mark.anyio
async def test_a_sender_that_stalls_inside_its_body_is_answered_408_and_gives_back_the_bytes_it_held() -> None:
    """Well-formed signature headers, then a body that stops one byte short and never ends: the
    bytes read were held against max_bytes_in_flight until the sender hung up, which a sender that
    stalls never does (uvicorn has no body timeout). Four such forged deliveries (4 x 64 MiB by
    default, sent once) had every genuine delivery answered 503 "busy" for as long as they stayed
    connected. The body must arrive within body_timeout; past it the sender is answered 408."""
    receiver = WebhookReceiver(SECRET, max_body_bytes=100, max_bytes_in_flight=100, body_timeout=0.2)

    class Stalls:
        headers = _forged_headers()

        async def stream(self) -> Any:
            yield b"x" * 99
            await anyio.sleep_forever()
            yield b""  # pragma: no cover

    with anyio.fail_after(5):
        outcome = await receiver.handle_request(Stalls())  # type: ignore[arg-type]
    assert (outcome.status_code, outcome.reason, outcome.event) == (408, "timeout", None)
    assert receiver._in_flight.held == 0
    body, headers = delivery()
    assert (await receiver.handle_async(body, headers)).reason == "accepted"


@pytest.mark.anyio
async def test_a_sender_that_disconnects_mid_body_is_answered_not_logged_as_a_server_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Well-formed signed headers, then a hang-up inside the body: Starlette's ClientDisconnect
    escaped handle_request and uvicorn logged "Exception in ASGI application" at ERROR (anyone can
    page an operator so). It is an INFO line and a 400, and the bytes held are given back."""
    from starlette.requests import ClientDisconnect

    receiver = WebhookReceiver(SECRET)
    _, headers = delivery()

    class HangsUp:
        def __init__(self) -> None:
            self.headers = headers

        async def stream(self) -> Any:
            yield b'{"jobId": "job-1"'
            raise ClientDisconnect

    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        outcome = await receiver.handle_request(HangsUp())  # type: ignore[arg-type]
    assert (outcome.status_code, outcome.reason, outcome.event) == (400, "disconnected", None)
    assert receiver._in_flight.held == 0
    assert [record.levelname for record in caplog.records] == ["INFO"]
    assert "disconnected after 17 bytes" in caplog.records[0].getMessage()


def test_an_accepted_delivery_whose_output_cannot_be_read_is_logged_as_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A signed succeeded delivery whose output no parser reads (the API changed?) is accepted (a
    retry would not help), but said at DEBUG only: operators never saw the drift. It is a WARNING."""
    body, headers = signed_delivery({"jobId": "job-1", "status": "succeeded", "output": {"weird": 1}}, SECRET)
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        outcome = WebhookReceiver(SECRET).handle(body, headers)
    assert outcome.reason == "accepted" and outcome.event is not None and outcome.event.output_error
    (warning,) = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert warning.getMessage() == f"accepted the webhook delivery of job job-1, but {outcome.event.output_error}"


def test_handle_stream_reads_at_most_one_byte_past_the_limit() -> None:
    """An endless-looking body without Content-Length is cut after max_body_bytes + 1 bytes: 413."""
    _, headers = delivery()
    stream = CountingStream(b"x" * 10_000_000)
    outcome = WebhookReceiver(SECRET, max_body_bytes=1000).handle_stream(stream, headers)
    assert outcome.status_code == 413
    assert stream.consumed == 1001


def test_handle_stream_trusts_a_declared_oversized_length_without_reading() -> None:
    """A Content-Length over the limit answers 413 before anything is read."""
    _, headers = delivery()
    stream = CountingStream(b"x" * 5000)
    outcome = WebhookReceiver(SECRET, max_body_bytes=1000).handle_stream(stream, {**headers, "Content-Length": "5000"})
    assert (outcome.status_code, stream.consumed) == (413, 0)


def test_a_body_of_exactly_max_body_bytes_is_accepted_with_its_content_length() -> None:
    """The limit is inclusive: a delivery of exactly max_body_bytes, declared as such, is handled."""
    body, headers = delivery()
    declared = {**headers, "Content-Length": str(len(body))}
    exact = WebhookReceiver(SECRET, max_body_bytes=len(body)).handle_stream(CountingStream(body), declared)
    one_less = WebhookReceiver(SECRET, max_body_bytes=len(body) - 1).handle_stream(CountingStream(body), declared)
    assert (exact.status_code, one_less.status_code) == (200, 413)


@pytest.mark.parametrize(
    ("declared", "status"),
    [("\u00b2", 200), ("\u0663", 200), ("1" * 5000, 413), ("0" * 5000 + "7", 200), ("0" * 30 + "5000", 413)],
    ids=["superscript-two", "arabic-indic-three", "5000-digits", "zero-padded-small", "zero-padded-large"],
)
def test_handle_stream_survives_a_content_length_int_cannot_read(declared: str, status: int) -> None:
    """Digits that are not ASCII, or too many for int(), never raise: a malformed length is ignored and the
    body read up to the limit; an absurdly long one is too large."""
    body, headers = delivery()
    stream = CountingStream(body)
    receiver = WebhookReceiver(SECRET, max_body_bytes=1000)
    assert receiver.handle_stream(stream, {**headers, "Content-Length": declared}).status_code == status


# --- MemoryDeliveryStore ----------------------------------------------------------------------


def test_memory_store_claims_each_id_once() -> None:
    """claim() is True the first time and False after."""
    store = MemoryDeliveryStore()
    assert store.claim("a") is True
    assert store.claim("a") is False
    assert store.claim("b") is True


def test_memory_store_forgets_the_least_recently_seen_id_first() -> None:
    """Past max_size the oldest id goes; an id seen again counts as recent."""
    store = MemoryDeliveryStore(max_size=2)
    store.claim("a")
    store.claim("b")
    store.claim("a")  # a is now the most recent
    store.claim("c")  # evicts b
    assert len(store) == 2
    assert store.claim("a") is False
    assert store.claim("b") is True


def test_memory_store_claim_is_atomic_across_threads() -> None:
    """When many threads claim the same id at once, exactly one wins."""
    store = MemoryDeliveryStore()
    start = threading.Barrier(8)

    def claim(_: int) -> bool:
        start.wait(timeout=10)
        return store.claim("same")

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    assert results.count(True) == 1


def test_memory_store_rejects_a_non_positive_size() -> None:
    """max_size must be at least 1."""
    with pytest.raises(ValidationError, match="max_size"):
        MemoryDeliveryStore(max_size=0)


def test_a_custom_store_is_used_and_satisfies_the_protocol() -> None:
    """Any object with claim(job_id) -> bool works as the store."""

    class SeenEverything:
        def __init__(self) -> None:
            self.asked: list[str] = []

        def claim(self, job_id: str) -> bool:
            self.asked.append(job_id)
            return False

    store = SeenEverything()
    assert isinstance(store, DeliveryStore)
    outcome = WebhookReceiver(SECRET, store=store).handle(*delivery())
    assert outcome.reason == "duplicate"
    assert store.asked == ["job-1"]


# --- the Starlette app ------------------------------------------------------------------------


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


@pytest.mark.anyio
async def test_app_handles_a_job_once_and_acknowledges_its_redelivery() -> None:
    """The app answers 200 twice but runs the async handler only for the first delivery."""
    handled: list[str] = []

    async def on_event(event: webhooks.WebhookEvent) -> None:
        handled.append(event.job_id)

    async with client_for(asgi_app(SECRET, on_event=on_event)) as client:
        first = await client.post("/", content=delivery()[0], headers=delivery()[1])
        body, headers = delivery(retry_num=1, retry_reason="http_timeout")
        second = await client.post("/", content=body, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json()["status"] == "duplicate"
    assert handled == ["job-1"]


@pytest.mark.anyio
async def test_app_runs_a_plain_function_handler_in_a_worker_thread() -> None:
    """A sync handler is called with the event, off the event-loop thread."""
    seen: list[tuple[str, str]] = []

    def on_event(event: webhooks.WebhookEvent) -> None:
        seen.append((event.job_id, threading.current_thread().name))

    async with client_for(asgi_app(SECRET, on_event=on_event)) as client:
        body, headers = delivery()
        assert (await client.post("/", content=body, headers=headers)).status_code == 200
    assert len(seen) == 1 and seen[0][0] == "job-1"
    assert seen[0][1] != threading.current_thread().name


def _plain_decorator(function: Any) -> Any:
    """A decorator as users write them: the wrapper is a plain function returning whatever *function* returns."""

    @functools.wraps(function)
    def wrapper(event: webhooks.WebhookEvent) -> Any:
        return function(event)

    return wrapper


@pytest.mark.anyio
@pytest.mark.parametrize("style", ["decorated", "lambda"])
async def test_app_awaits_what_a_plain_handler_returns_when_it_is_awaitable(style: str) -> None:
    """An async handler behind a plain decorator (or a lambda returning a coroutine) still runs:
    the delivery was acknowledged, so dropping its coroutine would lose the event for good."""
    handled: list[str] = []

    async def process(event: webhooks.WebhookEvent) -> None:
        handled.append(event.job_id)

    handler = _plain_decorator(process) if style == "decorated" else (lambda event: process(event))
    async with client_for(asgi_app(SECRET, on_event=handler)) as client:
        body, headers = delivery()
        assert (await client.post("/", content=body, headers=headers)).status_code == 200
    assert handled == ["job-1"]


@pytest.mark.anyio
async def test_app_calls_an_object_with_an_async_call_method() -> None:
    """A callable object whose __call__ is a coroutine is awaited."""

    class Handler:
        def __init__(self) -> None:
            self.events: list[str] = []

        async def __call__(self, event: webhooks.WebhookEvent) -> None:
            self.events.append(event.job_id)

    handler = Handler()
    async with client_for(asgi_app(SECRET, on_event=handler)) as client:
        body, headers = delivery()
        await client.post("/", content=body, headers=headers)
    assert handler.events == ["job-1"]


@pytest.mark.anyio
async def test_app_refuses_a_bad_signature_with_400_and_does_not_call_the_handler() -> None:
    """A tampered body answers 400 and the handler never runs."""
    handled: list[object] = []
    async with client_for(asgi_app(SECRET, on_event=handled.append)) as client:
        body, headers = delivery()
        response = await client.post("/", content=body + b" ", headers=headers)
    assert response.status_code == 400
    assert response.json()["status"] == "signature_mismatch"
    assert handled == []


@pytest.mark.anyio
async def test_app_serves_only_post_on_its_path() -> None:
    """GET answers 405; another path answers 404; path= moves the route."""
    async with client_for(asgi_app(SECRET, path="/hooks/pyannoteai")) as client:
        assert (await client.get("/hooks/pyannoteai")).status_code == 405
        body, headers = delivery()
        assert (await client.post("/", content=body, headers=headers)).status_code == 404
        assert (await client.post("/hooks/pyannoteai", content=body, headers=headers)).status_code == 200


@pytest.mark.anyio
async def test_app_publishes_new_events_to_the_broker() -> None:
    """asgi_app(broker=...) publishes each verified event."""
    broker = WebhookBroker()
    async with client_for(asgi_app(SECRET, broker=broker)) as client:
        body, headers = delivery("job-77")
        await client.post("/", content=body, headers=headers)
    event = await broker.wait_async("job-77", timeout=0)
    assert event is not None and event.job_id == "job-77"


@pytest.mark.anyio
async def test_a_failing_handler_is_logged_and_the_app_keeps_working(caplog: pytest.LogCaptureFixture) -> None:
    """An exception in the handler is logged with the job id; the delivery was already answered 200."""

    def on_event(event: webhooks.WebhookEvent) -> None:
        raise RuntimeError("handler broke")

    caplog.set_level(logging.ERROR, logger="pyannoteai_identify.webhooks")
    async with client_for(asgi_app(SECRET, on_event=on_event)) as client:
        for job_id in ("job-a", "job-b"):
            body, headers = delivery(job_id)
            assert (await client.post("/", content=body, headers=headers)).status_code == 200
    failures = [r for r in caplog.records if "handler failed" in r.getMessage()]
    assert [r.args for r in failures] == [("job-a",), ("job-b",)]
    assert all(r.exc_info is not None and "handler broke" in str(r.exc_info[1]) for r in failures)


async def call_asgi(app: Any, headers: list[tuple[bytes, bytes]], chunks: int, chunk: bytes) -> tuple[int, int]:
    """POST a body of up to *chunks* chunks straight into the app; return (status, chunks read)."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], read


@pytest.mark.anyio
async def test_app_stops_reading_a_streamed_body_at_the_limit() -> None:
    """A body sent without Content-Length is read only until it passes max_body_bytes, then 413."""
    app = asgi_app(SECRET, max_body_bytes=10_000)
    signed = [(name.lower().encode(), value.encode()) for name, value in webhooks.sign(b"x", SECRET).items()]
    status, read = await call_asgi(app, signed, chunks=1_000_000, chunk=b"x" * 1024)
    assert status == 413
    assert read == 10  # 10 KiB read, the 10th chunk crossed the limit; the other 999,990 never were


#: A header value replaced by the current Unix time when the test runs: a stamp taken when the
#: parameters are collected is as old as the session by then, past the 600 s window in a long one.
NOW = b"<now>"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ([], "missing_header"),
        ([(b"x-signature", b"ab" * 32)], "missing_header"),
        ([(b"x-signature", b"ab" * 32), (b"x-request-timestamp", b"1")], "timestamp_out_of_tolerance"),
        ([(b"x-signature", b"short"), (b"x-request-timestamp", NOW)], "malformed_signature"),
    ],
)
async def test_app_refuses_a_delivery_that_cannot_verify_before_reading_its_body(
    headers: list[tuple[bytes, bytes]], reason: str
) -> None:
    """Anyone can send a body: without well-formed signature headers in the time window, none of it is
    read (it used to be read, up to 64 MiB, before the headers were looked at)."""
    headers = [(name, str(int(time.time())).encode() if value == NOW else value) for name, value in headers]
    app = asgi_app(SECRET)
    status, read = await call_asgi(app, headers, chunks=1000, chunk=b"x" * 65536)
    assert (status, read) == (400, 0)

    class Unread:
        def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body was read")

    as_dict = {name.decode(): value.decode() for name, value in headers}
    outcome = WebhookReceiver(SECRET).handle_stream(Unread(), as_dict)
    assert (outcome.status_code, outcome.reason) == (400, reason)


@pytest.mark.anyio
async def test_app_refuses_a_declared_oversized_body_without_reading_it() -> None:
    """A Content-Length over the limit answers 413 before a single chunk is read."""
    app = asgi_app(SECRET, max_body_bytes=1000)
    status, read = await call_asgi(app, [(b"content-length", b"5000")], chunks=5, chunk=b"x" * 1000)
    assert (status, read) == (413, 0)


@pytest.mark.anyio
async def test_app_reads_a_streamed_body_within_the_limit() -> None:
    """A body in several chunks, within the limit, is joined and verified."""
    body, headers = delivery()
    app = asgi_app(SECRET)
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    parts = [body[i : i + 7] for i in range(0, len(body), 7)]
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": parts[read - 1], "more_body": read < len(parts)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "root_path": "",
        "query_string": b"",
        "headers": raw_headers,
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"status": "accepted", "jobId": "job-1"}


def test_app_answers_before_the_handler_runs(serve: Any) -> None:
    """Over real HTTP the 200 arrives while the handler is still blocked: the API never waits on it."""
    release = threading.Event()
    started = threading.Event()
    finished = threading.Event()

    def on_event(event: webhooks.WebhookEvent) -> None:
        started.set()
        release.wait(timeout=10)
        finished.set()

    url = serve(asgi_app(SECRET, on_event=on_event))
    body, headers = delivery()
    try:
        response = httpx.post(url + "/", content=body, headers=headers, timeout=10)
        assert response.status_code == 200
        assert not finished.is_set()
    finally:
        release.set()
    assert started.wait(timeout=10)
    assert finished.wait(timeout=10)


def test_asgi_app_without_starlette_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Starlette, asgi_app raises ImportError saying which extra to install."""
    monkeypatch.setitem(sys.modules, "starlette.applications", None)
    with pytest.raises(ImportError, match=r"pyannoteai-identify\[receiver\]"):
        asgi_app(SECRET)


def test_receiver_module_imports_without_starlette() -> None:
    """import pyannoteai_identify.receiver works where Starlette is not installed."""
    code = (
        "import sys; sys.modules['starlette'] = None\n"
        "import pyannoteai_identify.receiver as r\n"
        "print(r.WebhookReceiver.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "WebhookReceiver"


@pytest.mark.parametrize("path", ["hook", "", None])
def test_asgi_app_refuses_a_path_without_its_leading_slash(path: Any) -> None:
    """Starlette refused it with a bare AssertionError (and not at all under python -O)."""
    with pytest.raises(ValidationError, match=r"^path=.*: must be a route starting with '/'"):
        asgi_app(SECRET, path=path)


@pytest.mark.parametrize(
    "build",
    [
        lambda: WebhookReceiver(),  # no secret configured
        lambda: WebhookReceiver("whsec_test", tolerance=-1),
        lambda: WebhookBroker(max_pending=-1),
    ],
)
def test_a_traceback_showing_locals_can_be_made_for_a_refused_receiver_or_broker(
    build: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The half-built object is ``self`` in the frame that raises: ``capture_locals=True`` (what
    ``python -m unittest --locals`` uses) calls its repr, which must not raise AttributeError in
    place of the configuration error."""
    monkeypatch.delenv(webhooks.SECRET_ENV, raising=False)
    with pytest.raises((ConfigurationError, ValidationError)) as caught:
        build()
    text = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert type(caught.value).__name__ in text


def test_a_flood_of_forged_deliveries_does_not_log_a_warning_for_each(caplog: pytest.LogCaptureFixture) -> None:
    """Anyone can post to a public webhook URL: each forged delivery was a WARNING line, so an attacker
    sending many decided the size of the operator's logs (and any alerting on warnings). The
    refusals are logged at WARNING up to a burst, the rest at DEBUG, and a later WARNING counts them."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery()
    forged = {**headers, "X-Signature": "0" * 64}
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        for _ in range(1000):
            assert receiver.handle(body, forged).reason == "signature_mismatch"
    warnings = [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert 1 <= len(warnings) <= 20
    assert len(caplog.records) == 1000  # nothing lost: the rest are DEBUG lines


def test_refusals_held_back_are_counted_in_one_warning_once_their_window_has_passed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What the burst held back is not silent: the first refusal after the window says how many, and why."""
    from pyannoteai_identify._refusal_log import RefusalLog

    clock = [0.0]
    receiver = WebhookReceiver(SECRET)
    receiver._refusals = RefusalLog(logging.getLogger("pyannoteai_identify.webhooks"), clock=lambda: clock[0])
    body, headers = delivery()
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        for _ in range(25):
            receiver.handle(body, {**headers, "X-Signature": "0" * 64})
        receiver.handle(body, {})
        assert len(caplog.records) == 10
        clock[0] = 61.0
        receiver.handle(body, {})
    summary, refusal = caplog.records[10:]
    assert summary.levelno == logging.WARNING
    assert summary.getMessage() == (
        "16 more refused webhook deliveries in the last 61 s were logged at DEBUG only "
        "(signature_mismatch: 15, missing_header: 1)"
    )
    assert "missing_header" in refusal.getMessage()


def _receiver_with_clock(clock: list[float]) -> WebhookReceiver:
    from pyannoteai_identify._refusal_log import RefusalLog

    receiver = WebhookReceiver(SECRET)
    receiver._refusals = RefusalLog(logging.getLogger("pyannoteai_identify.webhooks"), clock=lambda: clock[0])
    return receiver


def _held_back_summaries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if " more " in record.getMessage()]


@pytest.mark.parametrize("way", ["handle", "handle_stream"])
def test_refusals_held_back_are_counted_at_the_next_delivery_of_any_kind_after_their_window(
    caplog: pytest.LogCaptureFixture, way: str
) -> None:
    """The count of refusals held back was logged only when a later *refusal* arrived: once a flood of
    forged deliveries stopped, the operator never learned how many there were. The next delivery of
    any kind after the window (here a genuine one) logs it."""
    clock = [0.0]
    receiver = _receiver_with_clock(clock)
    body, headers = delivery()
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        for _ in range(25):
            receiver.handle(body, {**headers, "X-Signature": "0" * 64})
        clock[0] = 61.0
        if way == "handle":
            outcome = receiver.handle(body, headers)
        else:
            outcome = receiver.handle_stream(io.BytesIO(body), headers)
    assert outcome.reason == "accepted"
    assert _held_back_summaries(caplog) == [
        "15 more refused webhook deliveries in the last 61 s were logged at DEBUG only (signature_mismatch: 15)"
    ]


@pytest.mark.anyio
async def test_refusals_held_back_are_counted_at_the_next_request_after_their_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """handle_request (ASGI) logs the count at the next delivery too, whatever it is."""
    clock = [0.0]
    receiver = _receiver_with_clock(clock)
    body, headers = delivery()

    class Request:
        def __init__(self, headers: dict[str, str]) -> None:
            self.headers = headers

        async def stream(self) -> Any:
            yield body

    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        for _ in range(25):
            await receiver.handle_request(Request({**headers, "X-Signature": "0" * 64}))  # type: ignore[arg-type]
        clock[0] = 61.0
        outcome = await receiver.handle_request(Request(headers))  # type: ignore[arg-type]
    assert outcome.reason == "accepted"
    assert _held_back_summaries(caplog) == [
        "15 more refused webhook deliveries in the last 61 s were logged at DEBUG only (signature_mismatch: 15)"
    ]


def test_closing_the_receiver_counts_the_refusals_held_back_so_far(caplog: pytest.LogCaptureFixture) -> None:
    """A receiver shut down during or just after a flood logs, at close, how many refusals it held back;
    closing again (or with none held back) logs nothing more."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery()
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        for _ in range(25):
            receiver.handle(body, {**headers, "X-Signature": "0" * 64})
        receiver.close()
        receiver.close()
    (summary,) = _held_back_summaries(caplog)
    assert summary.startswith("15 more refused webhook deliveries in the last ")
    assert summary.endswith(" s were logged at DEBUG only (signature_mismatch: 15)")
    assert [record.levelno for record in caplog.records] == [logging.WARNING] * 11


async def _lifespan(app: Any, during: Callable[[], Awaitable[None]]) -> None:
    """Run *app*'s ASGI lifespan (startup, *during*, shutdown), as a server does, within 10 s."""
    to_app, app_receives = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_sends, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(app, scope, app_receives.receive, app_sends.send)
            await to_app.send({"type": "lifespan.startup"})
            assert (await from_app.receive())["type"] == "lifespan.startup.complete"
            await during()
            await to_app.send({"type": "lifespan.shutdown"})
            assert (await from_app.receive())["type"] == "lifespan.shutdown.complete"


@pytest.mark.anyio
async def test_the_asgi_app_counts_the_refusals_held_back_when_it_shuts_down(caplog: pytest.LogCaptureFixture) -> None:
    """A server shutting the app down (ASGI lifespan) logs the count of refusals held back."""
    app = asgi_app(SECRET)
    body, headers = delivery()

    async def flood() -> None:
        async with client_for(app) as client:
            for _ in range(25):
                answer = await client.post("/", content=body, headers={**headers, "X-Signature": "0" * 64})
                assert answer.status_code == 400

    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        await _lifespan(app, flood)
    (summary,) = _held_back_summaries(caplog)
    assert summary.startswith("15 more refused webhook deliveries in the last ")


@pytest.mark.anyio
async def test_an_app_mounted_in_yours_can_have_its_count_logged_at_your_shutdown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Mounted (``app.mount("/hooks", asgi_app(...))``, as the docs show), the app's lifespan is never
    run: Starlette runs only the outer app's. The count of a flood held back was lost at shutdown,
    and the receiver inside the app could not be reached to close it. It is ``app.state.receiver``."""
    from starlette.applications import Starlette

    hooks = asgi_app(SECRET)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        hooks.state.receiver.close()

    parent = Starlette(lifespan=lifespan)
    parent.mount("/hooks", hooks)
    body, headers = delivery()

    async def flood() -> None:
        async with client_for(parent) as client:
            for _ in range(25):
                answer = await client.post("/hooks/", content=body, headers={**headers, "X-Signature": "0" * 64})
                assert answer.status_code == 400

    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        await _lifespan(parent, flood)
    (summary,) = _held_back_summaries(caplog)
    assert summary.startswith("15 more refused webhook deliveries in the last ")


def test_a_flood_of_replayed_deliveries_does_not_log_an_info_line_for_each(caplog: pytest.LogCaptureFixture) -> None:
    """A captured genuine delivery replayed within the time window verifies, and each replay was an
    INFO line "ignored a redelivery": cheap for an attacker to repeat, so it decided the size of the
    logs. Duplicates are rate-limited like refusals: the first of each window at INFO, the rest at
    DEBUG, counted in one INFO line (here at close)."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery(retry_num=1, retry_reason="http_timeout")
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        assert receiver.handle(body, headers).reason == "accepted"
        for _ in range(1000):
            assert receiver.handle(body, headers).reason == "duplicate"
        lines = len(caplog.records)
        receiver.close()
    infos = [record for record in caplog.records if record.levelno >= logging.INFO]
    assert lines == 1001  # nothing lost: the rest are DEBUG lines
    assert 1 <= len(infos) <= 21
    assert all(record.levelno == logging.INFO for record in infos)
    assert "ignored a redelivery of job job-1" in infos[0].getMessage()
    held_back = sum(1 for record in caplog.records[:lines] if "redelivery" in record.getMessage()) - (len(infos) - 1)
    assert infos[-1].getMessage().startswith(f"{held_back} more duplicate webhook deliveries in the last ")


def test_held_back_duplicates_are_counted_by_the_retry_reason_of_the_delivery(caplog: pytest.LogCaptureFixture) -> None:
    """The duplicates the rate limit held back were counted under one name, ``duplicate``, so the
    summary line did not say why the API kept retrying: an ``http_timeout`` (the server answers
    after the API's 10 s) needs another fix than a ``connection_failed``. They are counted by the
    delivery's ``X-Retry-Reason``; a replay of a first attempt (no header) and a value the contract
    does not list (the header is not signed: anyone replaying can set it) each count under one name
    of their own, so a sender cannot grow the line or the counter."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery(retry_num=1, retry_reason="http_timeout")
    plain = {key: value for key, value in headers.items() if key.lower() not in ("x-retry-num", "x-retry-reason")}
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        assert receiver.handle(body, headers).reason == "accepted"
        sent = [("http_timeout", 30), ("connection_failed", 7)]
        for reason, count in sent:
            for _ in range(count):
                retry = {**plain, webhooks.RETRY_NUM_HEADER: "2", webhooks.RETRY_REASON_HEADER: reason}
                assert receiver.handle(body, retry).reason == "duplicate"
        for _ in range(2):
            assert receiver.handle(body, plain).reason == "duplicate"
        for index in range(3):
            forged = {**plain, webhooks.RETRY_NUM_HEADER: "1", webhooks.RETRY_REASON_HEADER: f"made-up-{index}"}
            assert receiver.handle(body, forged).reason == "duplicate"
        receiver.close()
    summary = caplog.records[-1].getMessage()
    assert summary.startswith("32 more duplicate webhook deliveries in the last "), summary
    # The first 10 duplicates (all http_timeout) were logged at INFO; 20 + 7 + 2 + 3 held back.
    assert summary.endswith("(http_timeout: 20, connection_failed: 7, unknown_retry_reason: 3, no_retry_reason: 2)"), (
        summary
    )
    assert "made-up" not in summary and "duplicate:" not in summary


def test_handle_stream_of_a_body_read_before_says_it_was_empty() -> None:
    """Flask: request.get_json() before handle_stream(request.stream, ...) leaves an empty stream.
    The 400 says the body was empty, not only "a wrong secret"."""
    _, headers = delivery()
    outcome = WebhookReceiver(SECRET).handle_stream(io.BytesIO(b""), headers)
    assert (outcome.status_code, outcome.reason) == (400, "signature_mismatch")
    assert "body is empty" in json.loads(outcome.body)["message"]


@pytest.mark.anyio
async def test_app_answers_its_path_with_a_trailing_slash_itself_never_redirecting_by_the_host_header() -> None:
    """Behind a reverse proxy: a webhook URL with a trailing slash got Starlette's 307 to a URL built
    from the Host header and the scheme uvicorn saw, here http://internal:8000/... for a delivery
    that came to https://hooks.example.com: the API (which follows up to two redirects) was sent
    to plain http or an internal name, or gave up. The app answers both spellings itself."""
    app = asgi_app(SECRET, path="/hooks/pyannoteai")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://internal:8000") as client:
        body, headers = delivery()
        response = await client.post(
            "/hooks/pyannoteai/", content=body, headers={**headers, "X-Forwarded-Proto": "https"}
        )
        assert "location" not in response.headers
        assert (response.status_code, response.json()["status"]) == (200, "accepted")
        again = await client.post("/hooks/pyannoteai", content=body, headers=headers)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")


@pytest.mark.anyio
async def test_a_handler_cancelled_at_shutdown_is_logged_naming_the_job(caplog: pytest.LogCaptureFixture) -> None:
    """The delivery was acknowledged before on_event ran: a server shutting down (uvicorn's
    --timeout-graceful-shutdown) that cancels the handler lost the job without a word, where a
    handler that raises is logged. A cancelled one is a WARNING naming the job, then still cancelled."""
    from pyannoteai_identify.receiver import _run_handler

    started = anyio.Event()

    async def slow(event: webhooks.WebhookEvent) -> None:
        started.set()
        await anyio.sleep_forever()

    body, headers = delivery("job-cut")
    event = webhooks.parse(body, headers, SECRET)
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        async with anyio.create_task_group() as group:
            group.start_soon(_run_handler, slow, event)
            await started.wait()
            group.cancel_scope.cancel()
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING
    assert "job-cut" in warning.getMessage() and "cancelled" in warning.getMessage()


def test_every_reason_the_receiver_produces_is_a_delivery_reason() -> None:
    """``DeliveryOutcome.reason`` was typed ``str``: it is ``receiver.DeliveryReason``, the reasons the
    receiver produces. Every ``_outcome(status, reason, ...)`` of the receiver's modules (receiver.py and
    the private ``_receiver*.py`` it is made of) passes a literal of it, or a ``WebhookVerificationError``'s
    ``reason`` (each ``webhooks.Reason`` is one too)."""
    import ast
    import importlib
    import inspect
    import pkgutil
    from typing import get_args

    import pyannoteai_identify
    from pyannoteai_identify import receiver

    reasons = set(get_args(receiver.DeliveryReason))
    assert set(get_args(webhooks.Reason)) <= reasons
    modules = [receiver] + [
        importlib.import_module(f"pyannoteai_identify.{info.name}")
        for info in pkgutil.iter_modules(pyannoteai_identify.__path__)
        if info.name.startswith("_receiver")
    ]
    produced = set()
    for node in (node for module in modules for node in ast.walk(ast.parse(inspect.getsource(module)))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_outcome", "DeliveryOutcome")
        ):
            argument = node.args[1] if node.func.id == "_outcome" else node.args[2]
            if isinstance(argument, ast.Constant):
                produced.add(argument.value)
            else:
                assert ast.unparse(argument) in ("exc.reason", "reason"), ast.unparse(argument)
    assert produced == {"accepted", "ignored", "duplicate", "too_large", "busy", "disconnected", "timeout"}
    assert reasons == produced | set(get_args(webhooks.Reason))


def test_the_receivers_public_names_report_the_public_module_since_its_split() -> None:
    """receiver.py was split into private modules: each public class and function still reports
    ``pyannoteai_identify.receiver`` (a pickle of an outcome names it, so it loads in any version), and
    ``typing.get_type_hints`` resolves each class's annotations there."""
    import pickle
    import pickletools
    import typing

    from pyannoteai_identify import receiver

    for name in receiver.__all__:
        value = getattr(receiver, name)
        if isinstance(value, type) or (callable(value) and hasattr(value, "__code__")):
            assert value.__module__ == "pyannoteai_identify.receiver", name
        if isinstance(value, type):
            typing.get_type_hints(value)
    outcome = WebhookReceiver(SECRET).handle(*delivery())
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        dumped = pickle.dumps(dataclasses.replace(outcome, event=None), protocol)
        named = {str(arg) for op, arg, _ in pickletools.genops(dumped) if arg is not None and "receiver" in str(arg)}
        assert named and all("_receiver" not in text for text in named), named
        assert pickle.loads(dumped) == dataclasses.replace(outcome, event=None)


@pytest.mark.anyio
async def test_the_asgi_app_counts_the_refusals_held_back_when_its_lifespan_ends_by_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A lifespan left by an exception (a server's shutdown cancelled, an error in an app that
    enters this one's lifespan within its own) still logs the count: the close is not skipped."""
    app = asgi_app(SECRET)
    body, headers = delivery()
    with (
        caplog.at_level(logging.WARNING, logger="pyannoteai_identify"),
        pytest.raises(RuntimeError, match="the server stopped"),
    ):
        async with app.router.lifespan_context(app):
            async with client_for(app) as client:
                for _ in range(25):
                    answer = await client.post("/", content=body, headers={**headers, "X-Signature": "0" * 64})
                    assert answer.status_code == 400
            raise RuntimeError("the server stopped")
    (summary,) = _held_back_summaries(caplog)
    assert summary.startswith("15 more refused webhook deliveries in the last ")


def test_a_duplicates_unsigned_retry_reason_is_not_written_raw_into_its_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The line of each held-back duplicate (INFO for the first ones, DEBUG after) gave its
    X-Retry-Reason as sent. The header is not signed: anyone replaying a genuine delivery could put
    forged log lines (a line break) or kilobytes into the receiver's log. The line names the reason
    as the summary counts it: a value the contract lists, else ``unknown_retry_reason``."""
    receiver = WebhookReceiver(SECRET)
    body, headers = delivery(retry_num=1, retry_reason="http_timeout")
    forged = "http_timeout\nERROR forged line " + "x" * 20_000
    replay = {**headers, webhooks.RETRY_REASON_HEADER: forged}
    with caplog.at_level(logging.DEBUG, logger="pyannoteai_identify"):
        assert receiver.handle(body, headers).reason == "accepted"
        for _ in range(30):  # beyond the burst: some at INFO, the rest at DEBUG
            assert receiver.handle(body, replay).reason == "duplicate"
        receiver.close()
    lines = [record.getMessage() for record in caplog.records if "redelivery" in record.getMessage()]
    assert len(lines) == 30
    assert all("forged" not in line and "\n" not in line and len(line) < 200 for line in lines), lines[0][:300]
    assert lines[0].endswith("(attempt 1, unknown_retry_reason)"), lines[0][:300]


@pytest.mark.anyio
async def test_mounted_above_its_path_the_app_answers_but_at_its_whole_path_starlette_redirects() -> None:
    """docs/webhooks.md: mounted at the folder above the webhook with the last segment as ``path``, the
    app answers both spellings itself; mounted at the webhook's whole path (the natural first try), the
    outer app's router answers the path without its slash with Starlette's 307, built from the Host
    header, which no code of the SDK can prevent. Should Starlette stop redirecting, the docs' warning
    goes."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    documented = Starlette(routes=[Mount("/webhooks", asgi_app(SECRET, path="/pyannoteai"))])
    whole_path = Starlette(routes=[Mount("/webhooks/pyannoteai", asgi_app(SECRET))])
    body, headers = delivery()
    async with client_for(documented) as client:
        for url in ("/webhooks/pyannoteai", "/webhooks/pyannoteai/"):
            answer = await client.post(url, content=body, headers=headers)
            assert "location" not in answer.headers
            assert answer.status_code == 200
    async with client_for(whole_path) as client:
        answer = await client.post("/webhooks/pyannoteai", content=body, headers=headers)
        assert (answer.status_code, answer.headers["location"]) == (307, "http://127.0.0.1/webhooks/pyannoteai/")


@pytest.mark.parametrize(
    ("reason", "payload"),
    [
        ("accepted", {"jobId": "job-1", "status": "succeeded", "output": {"voiceprint": "abc"}}),
        ("duplicate", {"jobId": "job-1", "status": "succeeded", "output": {"voiceprint": "abc"}}),
        ("ignored", {"jobId": "job-2", "status": "running"}),
    ],
)
def test_the_answers_docs_webhooks_shows_have_the_keys_the_receiver_sends(reason: str, payload: Any) -> None:
    """docs/webhooks.md showed the answers as ``{"status": "accepted"}`` (and ``duplicate``, ``ignored``)
    while the receiver also sends the ``jobId`` (and an ``ignored`` delivery a ``message``): a test of a
    user's service that compared the answer with the documented one failed."""
    import re
    from pathlib import Path

    receiver = WebhookReceiver(SECRET)
    if reason == "duplicate":
        receiver.handle(*signed_delivery(payload, SECRET))
    answer = json.loads(receiver.handle(*signed_delivery(payload, SECRET)).body)
    page = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text(encoding="utf-8")
    (shown,) = set(re.findall(r"`(\{\"status\": \"" + reason + r"\"[^`]*\})`", page))
    assert re.findall(r"\"(\w+)\":", shown) == list(answer)
