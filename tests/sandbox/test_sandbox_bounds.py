"""Bounded resources: stores with limits, job audio resolved after JobCreated on threads of its own,
and a close() that aborts a webhook attempt in flight instead of waiting for the receiver."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sandboxkit import TLS, Receiver, eventually, finished, upload

from pyannoteai_identify._config import DEFAULT_TIMEOUT
from pyannoteai_identify.sandbox import Sandbox, voice_sample
from pyannoteai_identify.sandbox._jobs import Outcome
from pyannoteai_identify.sandbox._state import Decision
from pyannoteai_identify.sandbox._work import DECIDE_TIMEOUT, FETCH_WORKERS, JobRunner

# --- bounded stores --------------------------------------------------------------------------------


@pytest.mark.sandbox(max_jobs=3)
def test_past_max_jobs_the_oldest_job_is_forgotten_as_if_expired(client: httpx.Client, sandbox: Sandbox) -> None:
    """A fourth job evicts the first: GET answers 404 and the list holds the three newest."""
    ids = [client.post("/v1/voiceprint", json={"url": "media://none"}).json()["jobId"] for _ in range(4)]
    assert client.get(f"/v1/jobs/{ids[0]}").status_code == 404
    assert all(client.get(f"/v1/jobs/{job_id}").status_code == 200 for job_id in ids[1:])
    assert [item["id"] for item in client.get("/v2/jobs").json()["items"]] == ids[:0:-1]


@pytest.mark.sandbox(max_media_bytes=1000, max_upload_bytes=500)
def test_past_max_media_bytes_the_oldest_uploads_are_forgotten(client: httpx.Client, sandbox: Sandbox) -> None:
    """Three uploads of 400 bytes do not fit in 1000: the first one goes, the other two stay."""
    for key in ("a", "b", "c"):
        upload(client, key, key.encode() * 400)
    assert [sandbox.state.media(key) for key in ("a", "b", "c")] == [None, b"b" * 400, b"c" * 400]
    upload(client, "b", b"B" * 400)  # replacing an upload frees its old bytes first: nothing else goes
    assert sandbox.state.media("c") == b"c" * 400


@pytest.mark.sandbox(max_upload_tokens=2)
def test_past_max_upload_tokens_the_oldest_upload_url_stops_working(client: httpx.Client) -> None:
    """A third presigned URL retires the first one (403, as when expired); the newer ones work."""
    urls = [client.post("/v1/media/input", json={"url": f"media://k{i}"}).json()["url"] for i in range(3)]
    assert [httpx.put(url, content=b"x", verify=TLS).status_code for url in urls] == [403, 200, 200]


def test_an_upload_is_stored_as_received_without_a_copy(client: httpx.Client, sandbox: Sandbox) -> None:
    """The store keeps the buffer the body was read into (a bytearray), not a bytes copy of it,
    which doubled the memory of every upload while it was being stored."""
    upload(client, "kept.wav", b"RIFF" * 100)
    stored = sandbox.state.media("kept.wav")
    assert stored is not None and type(stored.obj) is bytearray


def test_stored_media_is_read_back_read_only(client: httpx.Client, sandbox: Sandbox) -> None:
    """``state.media()`` is a read-only view of the stored upload: writing through it raises and the
    store keeps what was uploaded, so a job reads the audio as sent.

    It used to return the stored bytearray itself: a test writing to it changed the store."""
    upload(client, "a.wav", voice_sample("Bob", 1.0))
    view = sandbox.state.media("a.wav")
    assert view is not None and view.readonly
    with pytest.raises(TypeError):
        view[:4] = b"JUNK"
    assert sandbox.state.media("a.wav") == voice_sample("Bob", 1.0)
    job = finished(sandbox, client, client.post("/v1/voiceprint", json={"url": "media://a.wav"}).json()["jobId"])
    assert job["status"] == "succeeded"


@pytest.mark.parametrize(
    ("option", "value"),
    [("max_jobs", 0), ("max_media_bytes", 1.5), ("max_upload_tokens", True), ("max_media_bytes", 10)],
)
def test_store_bounds_are_checked(option: str, value: Any) -> None:
    """Bounds are whole numbers >= 1; the media store must hold at least one largest upload."""
    with pytest.raises(ValueError, match=option if option != "max_media_bytes" or value != 10 else "max_upload"):
        Sandbox(**{option: value}, **({"max_upload_bytes": 100} if value == 10 else {}))


# --- job audio resolved after JobCreated -------------------------------------------------------------


class HeldAudio:
    """A loopback server whose GETs wait for :meth:`release`, then serve a short WAV."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.arrived = threading.Semaphore(0)
        owner = self
        wav = voice_sample("Bob", 1.0)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.arrived.release()
                owner.released.wait(30)
                # The sandbox may have stopped fetching meanwhile (its reset between tests): a
                # reader gone is no error of this server's, whose traceback would clutter the log.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(wav)))
                    self.end_headers()
                    self.wfile.write(wav)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/a.wav"

    def close(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def held() -> Iterator[HeldAudio]:
    server = HeldAudio()
    yield server
    server.close()


def test_a_submission_is_answered_before_its_audio_url_is_fetched(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio
) -> None:
    """JobCreated comes while the audio server still holds its answer; the job then uses that audio.

    The sandbox used to fetch inside the request: the POST waited for the server (10 s at most,
    then the job failed with "Could not load audio")."""
    created = client.post("/v1/voiceprint", json={"url": held.url})
    assert created.json()["status"] == "created"
    assert held.arrived.acquire(timeout=5)  # the fetch has started; its answer is still held back
    held.released.set()
    assert finished(sandbox, client, created.json()["jobId"])["status"] == "succeeded"


@pytest.mark.sandbox(own=True)  # every fetch thread, or the pending bound, must be free at the start
def test_urls_that_never_answer_do_not_hold_other_submissions(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio
) -> None:
    """With every fetch thread (and more) waiting on a silent server, a media:// job is still
    answered and decided: fetches run on threads of their own, not the request handlers' pool."""
    stuck = [client.post("/v1/voiceprint", json={"url": held.url}).json()["jobId"] for _ in range(FETCH_WORKERS + 4)]
    for _ in range(FETCH_WORKERS):
        assert held.arrived.acquire(timeout=5)
    url = upload(client, "free.wav", voice_sample("Ann", 1.0))
    job = finished(sandbox, client, client.post("/v1/voiceprint", json={"url": url}).json()["jobId"])
    assert job["status"] == "succeeded"
    held.released.set()
    assert {finished(sandbox, client, job_id)["status"] for job_id in stuck} == {"succeeded"}


def test_the_runner_refuses_work_past_max_pending() -> None:
    """At most max_pending jobs wait for their outcome; the next one is refused, then accepted again."""
    runner = JobRunner(max_pending=1)
    gate = threading.Event()
    first, second = Decision(), Decision()
    done = Outcome("succeeded", {"voiceprint": "x"})
    assert runner.run(first, lambda audio: done, fetch=lambda connections: bytes(gate.wait(5)))
    assert not runner.run(second, lambda audio: done)
    gate.set()
    eventually(lambda: first.outcome == done)
    assert runner.run(second, lambda audio: done)
    eventually(lambda: second.outcome == done)
    runner.close()


@pytest.mark.sandbox(own=True)  # every fetch thread, or the pending bound, must be free at the start
def test_a_submission_past_max_pending_is_429(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the jobs waiting for their outcome reach the bound, a submission gets 429 with
    Retry-After, and creates no job."""
    monkeypatch.setattr(sandbox.runner, "_max_pending", 1)
    assert client.post("/v1/voiceprint", json={"url": held.url}).status_code == 200
    refused = client.post("/v1/voiceprint", json={"url": "media://x"})
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    # The refusal's own rate-limit headers: the request's verdict (98 left) used to overwrite them.
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert len(client.get("/v2/jobs").json()["items"]) == 1


# --- close() aborts a webhook attempt in flight ------------------------------------------------------


def _whole_request(connection: socket.socket) -> bytes:
    """Read one HTTP request with a Content-Length body: httpx writes the headers and the body
    separately, and on a busy machine the first read got the headers only (the body then came in
    the read meant to see the connection closed)."""
    data = b""
    while True:
        head, blank_line, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length: *(\d+)", head)
        if blank_line and length is not None and len(body) >= int(length.group(1)):
            return data
        chunk = connection.recv(65536)
        assert chunk, f"the connection closed in the middle of the request: {data!r}"
        data += chunk


def test_close_aborts_a_webhook_attempt_in_flight() -> None:
    """A receiver that never answers does not hold close(): the attempt's connection is shut down
    at once (the receiver sees it closed), the worker ends, and nothing is recorded.

    close() used to wait for the attempt's timeout (here 30 s) before giving up on the worker."""
    silent = socket.create_server(("127.0.0.1", 0))
    silent.settimeout(10)
    with Sandbox(webhook_timeout=30, speed=100) as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        with httpx.Client(base_url=sandbox.base_url, headers=headers, verify=TLS) as client:
            url = upload(client, "w.wav", b"x")
        hook = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        response = httpx.post(
            f"{sandbox.base_url}/v1/voiceprint", json={"url": url, "webhook": hook}, headers=headers, verify=TLS
        )
        assert response.status_code == 200
        connection, _ = silent.accept()  # the attempt is in flight: the receiver holds its answer
        connection.settimeout(10)
        assert b'"jobId"' in _whole_request(connection)  # all of it, so what follows is what close() did
        sandbox.dispatcher.close(timeout=5)
        worker = sandbox.dispatcher._thread
        assert worker is not None and not worker.is_alive()
        assert connection.recv(65536) == b""  # the sandbox shut its side down
        assert sandbox.stats.deliveries == []
    connection.close()
    silent.close()


# --- outcomes decided late hold up nothing else ------------------------------------------------------


def _end_jobs(sandbox: Sandbox) -> None:
    """Move the clock past the simulated processing time of every job submitted so far."""
    sandbox.advance(sandbox.timing.real(sandbox.timing.queue_seconds + sandbox.timing.job_seconds) + 1e-6)


def _delivered(receiver: Receiver, count: int) -> list[str]:
    """The job ids of the receiver's first *count* deliveries (waited for)."""
    return [request.json()["jobId"] for request in receiver.wait(count)]


def test_a_webhook_of_an_undecided_job_holds_up_no_other_and_is_kept_until_decided(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio, receiver: Receiver
) -> None:
    """The job whose audio is held is due first, yet the other job's webhook goes first; the held one
    stays scheduled (not dropped) and is delivered once its outcome is decided.

    The single webhook worker used to wait for the held job (up to 30 s, then drop its webhook)."""
    slow = client.post("/v1/voiceprint", json={"url": held.url, "webhook": receiver.url}).json()["jobId"]
    assert held.arrived.acquire(timeout=5)
    url = upload(client, "fast.wav", voice_sample("Ann", 1.0))
    fast = client.post("/v1/voiceprint", json={"url": url, "webhook": receiver.url}).json()["jobId"]
    _end_jobs(sandbox)
    assert _delivered(receiver, 1) == [fast]
    assert [job_id for job_id, _, _ in sandbox.dispatcher.scheduled] == [slow]
    held.released.set()
    assert _delivered(receiver, 2) == [fast, slow]
    assert receiver.requests[1].json()["status"] == "succeeded"


def test_reset_drops_the_delivery_of_an_undecided_job_and_the_next_test_gets_its_own(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio, receiver: Receiver
) -> None:
    """What the shared fixture does between tests: after reset(), a delivery still waiting for its
    job's outcome is gone (never made, even once decided) and the next test's webhooks are delivered.

    The worker used to keep waiting on the previous test's job, holding every later webhook."""
    url = upload(client, "a.wav", voice_sample("Ann", 1.0))
    client.post("/v1/voiceprint", json={"url": held.url, "webhook": receiver.url})
    assert held.arrived.acquire(timeout=5)
    first = client.post("/v1/voiceprint", json={"url": url, "webhook": receiver.url}).json()["jobId"]
    _end_jobs(sandbox)
    assert _delivered(receiver, 1) == [first]  # the worker has passed over the undecided job
    sandbox.reset()
    assert sandbox.dispatcher.scheduled == []
    later = Receiver()
    try:
        url = upload(client, "b.wav", voice_sample("Bob", 1.0))
        second = client.post("/v1/voiceprint", json={"url": url, "webhook": later.url}).json()["jobId"]
        _end_jobs(sandbox)
        assert _delivered(later, 1) == [second]
        held.released.set()
        eventually(lambda: sandbox.runner.pending == 0)
        third = client.post("/v1/voiceprint", json={"url": url, "webhook": later.url}).json()["jobId"]
        _end_jobs(sandbox)
        assert _delivered(later, 2) == [second, third]  # a delivery kept past reset() would have come first
        assert len(receiver.requests) == 1
    finally:
        later.close()


def test_a_list_waits_only_for_the_jobs_on_its_page(client: httpx.Client, sandbox: Sandbox, held: HeldAudio) -> None:
    """A page of one job is answered with that job's outcome while an older job, not on the page,
    is still waiting for its audio.

    The list used to wait for every undecided job first (up to 30 s, past the client's timeout)."""
    slow = client.post("/v1/voiceprint", json={"url": held.url}).json()["jobId"]
    assert held.arrived.acquire(timeout=5)
    url = upload(client, "fast.wav", voice_sample("Ann", 1.0))
    fast = client.post("/v1/voiceprint", json={"url": url}).json()["jobId"]
    _end_jobs(sandbox)
    page = client.get("/v2/jobs", params={"limit": 1}).json()
    assert [(item["id"], item["status"]) for item in page["items"]] == [(fast, "succeeded")]
    slow_job = sandbox.state.job(slow)
    assert slow_job is not None and slow_job.decision.outcome is None  # answered while it is undecided
    held.released.set()


def test_a_filtered_list_shows_only_jobs_whose_final_status_matches(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio
) -> None:
    """``status=running`` while an ended job is still being decided: the list waits for it (it is in
    the range the page covers) and leaves it out once it has succeeded, rather than listing it."""
    slow = client.post("/v1/voiceprint", json={"url": held.url}).json()["jobId"]
    assert held.arrived.acquire(timeout=5)
    _end_jobs(sandbox)
    answers: list[Any] = []

    def listing() -> None:
        answers.append(client.get("/v2/jobs", params={"status": "running"}).json())

    thread = threading.Thread(target=listing)
    thread.start()
    eventually(lambda: sandbox.stats.requests["getJobsByTeamV2"] == 1)
    held.released.set()
    thread.join(10)
    assert answers == [{"items": [], "nextCursor": None}]
    job = sandbox.state.job(slow)
    assert job is not None and job.status(sandbox.clock.now()) == "succeeded"


def test_get_and_list_wait_for_an_outcome_well_under_the_sdks_read_timeout() -> None:
    """An undecided job holds a GET or a list at most DECIDE_TIMEOUT: under the SDK's 30 s default read
    timeout with room to spare, so the client gets ``running`` and polls again instead of timing out."""
    assert DEFAULT_TIMEOUT.read is not None
    assert DEFAULT_TIMEOUT.read >= 2 * DECIDE_TIMEOUT


# --- the runner: bounded memory, close, restart ---------------------------------------------------------


def test_a_fetched_file_is_analysed_on_its_fetch_thread_so_few_are_held_at_once() -> None:
    """With analyses held, every fetch thread analyses what it fetched and no further fetch starts: at
    most FETCH_WORKERS fetched files exist at once.

    Fetch threads used to hand their file to 2 analysis threads through an unbounded queue and go on
    fetching: 30 fetches of 19 MB held 600 MB."""
    runner = JobRunner()
    gate = threading.Event()
    lock = threading.Lock()
    counts = {"fetched": 0, "analysing": 0}
    done = Outcome("succeeded", {"voiceprint": "x"})

    def fetch(connections: object = None) -> bytes:
        with lock:
            counts["fetched"] += 1
        return b"audio"

    def analyse(audio: object) -> Outcome:
        with lock:
            counts["analysing"] += 1
        gate.wait(5)
        return done

    decisions = [Decision() for _ in range(FETCH_WORKERS + 4)]
    try:
        assert all(runner.run(decision, analyse, fetch=fetch) for decision in decisions)
        eventually(lambda: counts["analysing"] == FETCH_WORKERS)
        assert counts["fetched"] == FETCH_WORKERS  # every fetch thread is busy with its own file
        gate.set()
        eventually(lambda: all(decision.outcome == done for decision in decisions))
    finally:
        gate.set()
        runner.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_close_aborts_the_audio_fetches_in_flight(scheme: str) -> None:
    """A server holding its answer does not keep a fetch thread and its socket after close(): the
    connection is shut down at once (the server sees it closed) and the job fails.

    The fetch used to go on until its own timeout (10 s) after the sandbox had closed; over https it
    still did (TLS detaches the socket object httpcore opened, so shutting that down did nothing)."""
    silent = socket.create_server(("127.0.0.1", 0))
    silent.settimeout(10)
    try:
        with Sandbox(speed=100) as sandbox:
            headers = {"Authorization": f"Bearer {sandbox.api_key}"}
            url = f"{scheme}://127.0.0.1:{silent.getsockname()[1]}/a.wav"
            response = httpx.post(f"{sandbox.base_url}/v1/voiceprint", json={"url": url}, headers=headers, verify=TLS)
            connection, _ = silent.accept()
            with connection:
                connection.settimeout(5)  # less than the fetch's own timeout: only an abort ends it in time
                assert connection.recv(65536)  # the GET (or TLS ClientHello) arrived; no answer comes
                sandbox.runner.close()
                assert connection.recv(65536) == b""
            job = sandbox.state.job(response.json()["jobId"])
            assert job is not None and job.decision.outcome is not None
            assert job.decision.outcome.status == "failed"
    finally:
        silent.close()


def test_a_closed_sandbox_can_be_started_again() -> None:
    """After close(), start() serves again: submissions are accepted, decided and their webhooks sent.

    Every submission used to be refused with 429 (the runner stayed stopped)."""
    sandbox = Sandbox(speed=100)
    sandbox.start()
    sandbox.close()
    receiver = Receiver()
    try:
        with sandbox, httpx.Client(base_url=sandbox.base_url, verify=TLS) as client:
            client.headers["Authorization"] = f"Bearer {sandbox.api_key}"
            url = upload(client, "a.wav", voice_sample("Bob", 1.0))
            created = client.post("/v1/voiceprint", json={"url": url, "webhook": receiver.url})
            assert created.status_code == 200
            job_id = created.json()["jobId"]
            assert finished(sandbox, client, job_id)["status"] == "succeeded"
            assert _delivered(receiver, 1) == [job_id]
    finally:
        receiver.close()


def test_close_fails_every_job_not_decided_yet_so_none_reads_running_after_a_restart(held: HeldAudio) -> None:
    """Jobs queued behind busy fetch threads when close() came were never decided: after start()
    they read `running` for ever and held every GET or list covering them for DECIDE_TIMEOUT. Each
    job handed over and not decided fails at close(), like a fetch aborted then."""
    sandbox = Sandbox(speed=100)
    with sandbox, httpx.Client(base_url=sandbox.base_url, verify=TLS) as client:
        client.headers["Authorization"] = f"Bearer {sandbox.api_key}"
        job_ids = [
            client.post("/v1/voiceprint", json={"url": held.url}).json()["jobId"] for _ in range(FETCH_WORKERS + 1)
        ]
        for _ in range(FETCH_WORKERS):
            assert held.arrived.acquire(timeout=5)  # every fetch thread is busy: the last job is queued
    outcomes = [sandbox.state.job(job_id).decision.outcome for job_id in job_ids]  # type: ignore[union-attr]
    assert [outcome.status if outcome else None for outcome in outcomes] == ["failed"] * len(job_ids)
    with sandbox, httpx.Client(base_url=sandbox.base_url, verify=TLS, timeout=DECIDE_TIMEOUT / 2) as client:
        client.headers["Authorization"] = f"Bearer {sandbox.api_key}"
        sandbox.advance(5)  # past every job's end (speed 100), well within its retention
        answers = [client.get(f"/v1/jobs/{job_id}") for job_id in job_ids]
        assert {answer.json().get("status") for answer in answers} == {"failed"}, answers[0].text


@pytest.mark.parametrize("speed", [0, -1, float("nan"), float("inf"), True])
def test_a_speed_that_is_not_a_finite_factor_above_zero_is_refused_as_a_factor(speed: Any) -> None:
    """speed=nan said "must be a finite number of seconds >= 0": speed is a factor, not seconds."""
    from pyannoteai_identify.sandbox._clock import Timing

    with pytest.raises(ValueError, match=r"^speed=.*: must be a finite factor > 0"):
        Timing(speed=speed)


def test_a_speed_too_large_for_a_float_is_refused_not_answered_with_500s() -> None:
    """speed=10**400 is an int below math.inf: a check against infinity let it through, and every
    job-creating request then answered 500 (int too large to convert to float). It is refused."""
    from pyannoteai_identify.sandbox._clock import Timing

    with pytest.raises(ValueError, match=r"^speed=.*: must be a finite factor > 0"):
        Timing(speed=10**400)


def test_a_speed_so_small_that_a_duration_would_be_infinite_is_refused() -> None:
    """1e-305 passed (its inverse is finite) though the day of retention then lasted for ever."""
    from pyannoteai_identify.sandbox._clock import Timing

    with pytest.raises(ValueError, match=r"^speed=1e-305: so small that a 86400 s duration would last for ever"):
        Timing(speed=1e-305)
