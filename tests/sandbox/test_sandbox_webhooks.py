"""Webhook deliveries: signed payloads, the documented retry schedule, and loopback-only sending."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from sandboxkit import Receiver, eventually, upload

from pyannoteai_identify import _schema, webhooks
from pyannoteai_identify.errors import WebhookVerificationError
from pyannoteai_identify.sandbox import Sandbox, _dispatch, _fetch, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox._dispatch import MAX_REDIRECTS, RETRY_DELAYS


def _submit(client: httpx.Client, webhook: str, **extra: Any) -> str:
    url = upload(client, "hook.wav", voice_sample("Bob", 1.0))
    body = {"url": url, "webhook": webhook, "voiceprints": [{"label": "Bob", "voiceprint": voiceprint_for("Bob")}]}
    response = client.post("/v1/identify", json={**body, **extra})
    assert response.status_code == 200
    job_id: str = response.json()["jobId"]
    return job_id


def _end_jobs(sandbox: Sandbox) -> None:
    sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1e-6)


def _valid_delivery(payload: Any) -> None:
    errors = list(_schema.validator_for("request:jobCompletedWebhook").iter_errors(payload))
    assert not errors, [e.message for e in errors]


def test_a_finished_job_is_delivered_signed_with_its_output(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver
) -> None:
    """When the job ends, its webhook gets {jobId, status, output}, signed with the webhook secret."""
    job_id = _submit(client, receiver.url)
    _end_jobs(sandbox)
    (delivery,) = receiver.wait(1)
    webhooks.verify(delivery.body, delivery.headers, sandbox.webhook_secret)
    payload = delivery.json()
    _valid_delivery(payload)
    assert (payload["jobId"], payload["status"]) == (job_id, "succeeded")
    assert payload["output"] == client.get(f"/v1/jobs/{job_id}").json()["output"]
    assert webhooks.RETRY_NUM_HEADER not in {k.lower() for k in delivery.headers}


def test_nothing_is_delivered_before_the_job_ends(sandbox: Sandbox, client: httpx.Client, receiver: Receiver) -> None:
    """A running job has no delivery scheduled before its end; ending it delivers."""
    job_id = _submit(client, receiver.url)
    assert sandbox.dispatcher.scheduled == [(job_id, 0, pytest.approx(sandbox.clock.now() + 0.05))]
    assert receiver.requests == []
    _end_jobs(sandbox)
    receiver.wait(1)


def test_failed_and_status_only_jobs_are_delivered_without_output(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver
) -> None:
    """A failed job's delivery, and any delivery with webhookStatusOnly, carry only jobId and status."""
    sandbox.faults.fail_next_job("boom")
    failed = _submit(client, receiver.url)
    status_only = _submit(client, receiver.url, webhookStatusOnly=True)
    _end_jobs(sandbox)
    payloads = {d.json()["jobId"]: d.json() for d in receiver.wait(2)}
    assert payloads == {
        failed: {"jobId": failed, "status": "failed"},
        status_only: {"jobId": status_only, "status": "succeeded"},
    }
    for payload in payloads.values():
        _valid_delivery(payload)


def test_a_failing_receiver_gets_the_three_retries_on_the_documented_schedule(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver
) -> None:
    """Retries come at once, 60 s and 300 s later (divided by speed), numbered 1-3 with the reason."""
    receiver.statuses = [500, 500, 503, 200]
    job_id = _submit(client, receiver.url)
    _end_jobs(sandbox)
    receiver.wait(2)  # the first attempt and the immediate retry
    eventually(lambda: [(j, a) for j, a, _ in sandbox.dispatcher.scheduled] == [(job_id, 2)])
    (_, _, due) = sandbox.dispatcher.scheduled[0]
    assert due == pytest.approx(sandbox.clock.now() + RETRY_DELAYS[1] / sandbox.timing.speed)
    sandbox.advance(RETRY_DELAYS[1] / sandbox.timing.speed)
    receiver.wait(3)
    eventually(lambda: [(j, a) for j, a, _ in sandbox.dispatcher.scheduled] == [(job_id, 3)])
    assert sandbox.dispatcher.scheduled[0][2] == pytest.approx(sandbox.clock.now() + 300 / sandbox.timing.speed)
    sandbox.advance(RETRY_DELAYS[2] / sandbox.timing.speed)
    deliveries = receiver.wait(4)
    retries = [
        (d.headers.get(webhooks.RETRY_NUM_HEADER), d.headers.get(webhooks.RETRY_REASON_HEADER)) for d in deliveries
    ]
    assert retries == [(None, None), ("1", "http_error"), ("2", "http_error"), ("3", "http_error")]
    assert len({d.body for d in deliveries}) == 1
    for delivery in deliveries:
        webhooks.verify(delivery.body, delivery.headers, sandbox.webhook_secret)
    eventually(lambda: len(sandbox.stats.deliveries) == 4)
    assert [(d.attempt, d.outcome, d.status_code) for d in sandbox.stats.deliveries] == [
        (0, "failed", 500),
        (1, "failed", 500),
        (2, "failed", 503),
        (3, "delivered", 200),
    ]


def test_delivery_gives_up_after_three_retries(sandbox: Sandbox, client: httpx.Client, receiver: Receiver) -> None:
    """Four failures in a row (the attempt and three retries) end the delivery: nothing more is scheduled."""
    receiver.statuses = [500] * 10
    job_id = _submit(client, receiver.url)
    _end_jobs(sandbox)
    for attempt in (2, 3):
        eventually(lambda: [(j, a) for j, a, _ in sandbox.dispatcher.scheduled] == [(job_id, attempt)])  # noqa: B023
        sandbox.advance(sum(RETRY_DELAYS) / sandbox.timing.speed)
    receiver.wait(4)
    eventually(lambda: len(sandbox.stats.deliveries) == 4)
    assert sandbox.dispatcher.scheduled == []
    assert [d.outcome for d in sandbox.stats.deliveries] == ["failed"] * 4


def test_an_unreachable_receiver_is_retried_with_connection_failed(sandbox: Sandbox, client: httpx.Client) -> None:
    """A closed port fails the attempt with reason connection_failed, and the retry is scheduled."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _submit(client, f"http://127.0.0.1:{port}/hook")
    _end_jobs(sandbox)
    eventually(lambda: len(sandbox.stats.deliveries) == 2)
    assert [(d.attempt, d.reason) for d in sandbox.stats.deliveries] == [
        (0, "connection_failed"),
        (1, "connection_failed"),
    ]
    assert [a for _, a, _ in sandbox.dispatcher.scheduled] == [2]


@pytest.mark.sandbox(webhook_timeout=0.1)
def test_a_slow_receiver_times_out_with_http_timeout(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver
) -> None:
    """A receiver slower than the timeout fails the attempt with reason http_timeout."""
    receiver.delay = 0.5
    _submit(client, receiver.url)
    _end_jobs(sandbox)
    eventually(lambda: len(sandbox.stats.deliveries) >= 1)
    assert sandbox.stats.deliveries[0].reason == "http_timeout"


def test_non_loopback_webhooks_are_refused_and_never_sent(sandbox: Sandbox, client: httpx.Client) -> None:
    """By default the sandbox only calls loopback addresses; others are recorded as refused, not retried."""
    _submit(client, "https://example.com/hook")
    _submit(client, "not a url at all")
    _submit(client, "http://hooks.localhost:9/hook")  # resolved through DNS by many systems
    _end_jobs(sandbox)
    eventually(lambda: len(sandbox.stats.deliveries) == 3)
    assert [(d.outcome, d.attempt) for d in sandbox.stats.deliveries] == [("refused", 0)] * 3
    assert sandbox.dispatcher.scheduled == []


def test_redirects_off_the_machine_are_not_followed(sandbox: Sandbox, client: httpx.Client, receiver: Receiver) -> None:
    """A loopback receiver redirecting to an outside host gets its delivery refused, not forwarded."""
    receiver.statuses = [307]
    receiver.redirect_to = "https://example.com/elsewhere"
    _submit(client, receiver.url)
    _end_jobs(sandbox)
    eventually(lambda: len(sandbox.stats.deliveries) == 1)
    assert sandbox.stats.deliveries[0].outcome == "refused"
    assert len(receiver.requests) == 1


@pytest.mark.parametrize("redirects", [MAX_REDIRECTS, MAX_REDIRECTS + 1], ids=["at-the-limit", "past-it"])
def test_a_delivery_follows_the_apis_redirects_and_fails_past_them_as_too_many_redirects(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver, redirects: int
) -> None:
    """api-reference §7.3: a delivery redirected more than twice (the contract's ``x-max-redirects``)
    fails as ``too_many_redirects``, and the retry says so; one redirected that many times arrives."""
    receiver.statuses = [307] * redirects
    receiver.redirect_to = receiver.url
    _submit(client, receiver.url)
    _end_jobs(sandbox)
    eventually(lambda: any(d.outcome == "delivered" for d in sandbox.stats.deliveries))
    if redirects == MAX_REDIRECTS:
        assert [(d.attempt, d.outcome) for d in sandbox.stats.deliveries] == [(0, "delivered")]
        assert len(receiver.requests) == MAX_REDIRECTS + 1
        return
    first, retry = sandbox.stats.deliveries
    assert (first.attempt, first.outcome, first.reason) == (0, "failed", "too_many_redirects")
    assert (retry.attempt, retry.outcome) == (1, "delivered")
    sent = {name.lower(): value for name, value in receiver.requests[-1].headers.items()}
    assert (sent[webhooks.RETRY_NUM_HEADER.lower()], sent[webhooks.RETRY_REASON_HEADER.lower()]) == (
        "1",
        "too_many_redirects",
    )


@pytest.mark.sandbox(webhook_secret="whsec_custom")
def test_deliveries_use_the_configured_secret(sandbox: Sandbox, client: httpx.Client, receiver: Receiver) -> None:
    """The signature verifies with the sandbox's webhook_secret and not with another one."""
    _submit(client, receiver.url)
    _end_jobs(sandbox)
    (delivery,) = receiver.wait(1)
    webhooks.verify(delivery.body, delivery.headers, "whsec_custom")
    with pytest.raises(WebhookVerificationError):
        webhooks.verify(delivery.body, delivery.headers, "whsec_sandbox")


def test_reset_drops_pending_deliveries(sandbox: Sandbox, client: httpx.Client, receiver: Receiver) -> None:
    """reset() forgets the deliveries scheduled for jobs submitted before it."""
    _submit(client, receiver.url)
    sandbox.reset()
    assert sandbox.dispatcher.scheduled == []


@pytest.mark.sandbox(allow_external_webhooks=True)
def test_allowing_external_webhooks_lifts_the_loopback_rule(
    sandbox: Sandbox, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With allow_external_webhooks, a webhook on another host is called. Nothing leaves the machine
    here: the dispatcher's client keeps the guard it was built with, over a transport that answers
    in-process."""
    asked: list[bool] = []
    delivered: list[httpx.Request] = []

    def offline_client(timeout: float, *, max_redirects: int, loopback_only: bool = True) -> httpx.Client:
        asked.append(loopback_only)
        with _fetch.loopback_client(timeout, max_redirects=max_redirects, loopback_only=loopback_only) as built:
            hooks = built.event_hooks
        answer = httpx.MockTransport(lambda request: delivered.append(request) or httpx.Response(200))
        return httpx.Client(transport=answer, event_hooks=hooks)

    monkeypatch.setattr(_dispatch, "loopback_client", offline_client)
    _submit(client, "https://hooks.example.test/pyannote")
    _end_jobs(sandbox)
    eventually(lambda: len(delivered) == 1)
    assert asked == [False]
    assert delivered[0].url.host == "hooks.example.test"
    webhooks.verify(delivered[0].content, delivered[0].headers, sandbox.webhook_secret)


def test_the_unspecified_address_counts_as_external_by_default(sandbox: Sandbox, client: httpx.Client) -> None:
    """0.0.0.0 is not a loopback address, so by default a webhook there is refused."""
    _submit(client, "http://0.0.0.0:9/hook")
    _end_jobs(sandbox)
    eventually(lambda: len(sandbox.stats.deliveries) == 1)
    assert sandbox.stats.deliveries[0].outcome == "refused"


def _gzip_bomb() -> bytes:
    """64 MiB of zeros gzipped (about 64 KiB, one network read), compressed a MiB at a time."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(bytes(1 << 20)) for _ in range(64)) + packer.flush()


def _bomb_client(bomb: bytes, *, status: int = 200) -> httpx.Client:
    """An offline client whose every answer is *bomb*, streamed with ``Content-Encoding: gzip``."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, headers={"Content-Encoding": "gzip"}, content=iter([bomb]))

    return httpx.Client(transport=httpx.MockTransport(answer))


# A sandbox of its own: the shared one's webhook worker may have started, with its client, before
# the monkeypatch below (the worker builds its client when it starts, with the first webhook job).
@pytest.mark.sandbox(own=True)
def test_a_receivers_gzip_bomb_answer_is_not_expanded_in_memory(
    sandbox: Sandbox, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delivery read the receiver's whole answer, decoded a raw chunk at a time: a 64 KiB gzip
    answer became 64 MiB in the sandbox's memory. It is now read within a small cap, decoded a step
    at a time, and an answer over the cap fails the attempt."""
    import tracemalloc

    bomb = _gzip_bomb()
    monkeypatch.setattr(
        _dispatch, "loopback_client", lambda timeout, *, max_redirects, loopback_only=True: _bomb_client(bomb)
    )
    _submit(client, "http://127.0.0.1:9/hook")
    tracemalloc.start()
    try:
        _end_jobs(sandbox)
        eventually(lambda: len(sandbox.stats.deliveries) >= 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held while reading a {len(bomb)}-byte answer"
    assert sandbox.stats.deliveries[0].outcome == "failed"


def test_a_gzip_bomb_at_a_job_url_is_not_expanded_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audio fetch counted decoded chunks against the upload cap after httpx had decoded each
    raw chunk whole: a 64 KiB gzip file became 64 MiB in memory with a 1 MiB cap. It is now
    decoded a step at a time and given up past the cap."""
    import tracemalloc

    bomb = _gzip_bomb()
    monkeypatch.setattr(
        _fetch, "loopback_client", lambda timeout, *, max_redirects, loopback_only=True: _bomb_client(bomb)
    )
    tracemalloc.start()
    try:
        fetched = _fetch._fetch("http://127.0.0.1:9/a.wav", 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fetched is None
    assert peak < 8 * 1024 * 1024, f"{peak / 2**20:.0f} MiB held while reading a {len(bomb)}-byte file"


@pytest.mark.parametrize("wbits", [31, 15, -15], ids=["gzip", "deflate", "raw-deflate"])
def test_a_compressed_job_url_under_the_cap_is_fetched_exactly(monkeypatch: pytest.MonkeyPatch, wbits: int) -> None:
    """gzip and both deflates (zlib-wrapped and raw, as httpx accepts) decode to the bytes sent."""
    import zlib

    audio = voice_sample("Bob", 1.0)
    packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
    raw = packer.compress(audio) + packer.flush()
    coding = "gzip" if wbits == 31 else "deflate"

    def answer(request: httpx.Request) -> httpx.Response:
        chunks = iter([raw[i : i + 500] for i in range(0, len(raw), 500)])
        return httpx.Response(200, headers={"Content-Encoding": coding}, content=chunks)

    offline = httpx.Client(transport=httpx.MockTransport(answer))
    monkeypatch.setattr(_fetch, "loopback_client", lambda timeout, *, max_redirects, loopback_only=True: offline)
    assert bytes(_fetch._fetch("http://127.0.0.1:9/a.wav", len(audio)) or b"") == audio


# A sandbox of its own: the shared one's webhook worker may have started, with its client, before
# the monkeypatch below (the worker builds its client when it starts, with the first webhook job).
@pytest.mark.sandbox(own=True)
def test_webhook_deliveries_advertise_only_the_codings_the_sandbox_decodes(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """httpx's default Accept-Encoding lists br and zstd when brotli/zstandard are installed (as
    the SDK's own API requests strip them): a receiver that honours it answers br or zstd, which the
    delivery now refuses to decode, so a 200 became a failed attempt, retried three times."""
    monkeypatch.setattr(httpx._client, "ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    _submit(client, receiver.url)
    _end_jobs(sandbox)
    (delivery,) = receiver.wait(1)
    accepted = {coding.split(";")[0].strip() for coding in delivery.headers["Accept-Encoding"].split(",")}
    assert accepted <= {"gzip", "deflate", "identity"}, delivery.headers["Accept-Encoding"]


def test_a_job_url_fetch_advertises_only_the_codings_the_sandbox_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The audio fetch's twin: a loopback media server that honours ``br`` (httpx lists it when
    brotli is installed) answered with a body the fetch refuses, and the job failed with "Could not
    load audio"."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    monkeypatch.setattr(httpx._client, "ACCEPT_ENCODING", "gzip, deflate, br, zstd")
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.headers.get("Accept-Encoding", ""))
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"audio")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        assert _fetch._fetch(f"http://127.0.0.1:{server.server_address[1]}/a.wav", 1024) == b"audio"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    (accept,) = asked
    assert {coding.split(";")[0].strip() for coding in accept.split(",")} <= {"gzip", "deflate", "identity"}, accept


def test_a_canceled_job_can_be_asked_for_and_is_delivered_without_output(
    sandbox: Sandbox, client: httpx.Client, receiver: Receiver
) -> None:
    """``testing.MockAPI`` can end a job ``canceled``; the sandbox could not, so a team could not see
    its code handle a canceled job, or its webhook, end to end. ``faults.cancel_next_job()`` does it
    as ``fail_next_job()`` fails one: the job ends ``canceled`` with no output (GET and list), and
    its delivery is ``{jobId, status: "canceled"}`` (api-reference §7.2), signed."""
    sandbox.faults.cancel_next_job(kind="identify")
    canceled = _submit(client, receiver.url)
    succeeded = _submit(client, receiver.url)
    _end_jobs(sandbox)
    body = client.get(f"/v1/jobs/{canceled}").json()
    assert body["status"] == "canceled" and "output" not in body
    assert client.get(f"/v1/jobs/{succeeded}").json()["status"] == "succeeded"
    assert [i["id"] for i in client.get("/v2/jobs", params={"status": "canceled"}).json()["items"]] == [canceled]
    deliveries = {d.json()["jobId"]: d for d in receiver.wait(2)}
    webhooks.verify(deliveries[canceled].body, deliveries[canceled].headers, sandbox.webhook_secret)
    assert deliveries[canceled].json() == {"jobId": canceled, "status": "canceled"}
    _valid_delivery(deliveries[canceled].json())
    assert sandbox.faults.pending == 0


def test_cancel_next_job_refuses_an_unknown_kind(sandbox: Sandbox) -> None:
    """As fail_next_job: a kind that is no job kind is a ValueError naming it, not a rule never taken."""
    with pytest.raises(ValueError, match="kind="):
        sandbox.faults.cancel_next_job(kind="diarize")  # type: ignore[arg-type]
