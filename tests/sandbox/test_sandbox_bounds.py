"""Bounded resources: stores with limits, job audio resolved after JobCreated on threads of its own,
and a close() that aborts a webhook attempt in flight instead of waiting for the receiver."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sandboxkit import TLS, eventually, finished, upload

from pyannoteai_identify.sandbox import Sandbox, voice_sample
from pyannoteai_identify.sandbox._jobs import Outcome
from pyannoteai_identify.sandbox._state import Decision
from pyannoteai_identify.sandbox._work import FETCH_WORKERS, JobRunner

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
    assert type(sandbox.state.media("kept.wav")) is bytearray


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
    assert runner.run(first, lambda audio: done, fetch=lambda: bytes(gate.wait(5)))
    assert not runner.run(second, lambda audio: done)
    gate.set()
    eventually(lambda: first.outcome == done)
    assert runner.run(second, lambda audio: done)
    eventually(lambda: second.outcome == done)
    runner.close()


def test_a_submission_past_max_pending_is_429(
    client: httpx.Client, sandbox: Sandbox, held: HeldAudio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the jobs waiting for their outcome reach the bound, a submission gets 429 with
    Retry-After, and creates no job."""
    monkeypatch.setattr(sandbox.runner, "_max_pending", 1)
    assert client.post("/v1/voiceprint", json={"url": held.url}).status_code == 200
    refused = client.post("/v1/voiceprint", json={"url": "media://x"})
    assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
    assert len(client.get("/v2/jobs").json()["items"]) == 1


# --- close() aborts a webhook attempt in flight ------------------------------------------------------


def test_close_aborts_a_webhook_attempt_in_flight() -> None:
    """A receiver that never answers does not hold close(): the attempt's connection is shut down
    at once (the receiver sees it closed), the worker ends, and nothing is recorded.

    close() used to wait for the attempt's timeout (here 30 s) before giving up on the worker."""
    silent = socket.create_server(("127.0.0.1", 0))
    silent.settimeout(10)
    with Sandbox(webhook_timeout=30, speed=100) as sandbox:
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        url = upload(httpx.Client(base_url=sandbox.base_url, headers=headers, verify=TLS), "w.wav", b"x")
        hook = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        response = httpx.post(
            f"{sandbox.base_url}/v1/voiceprint", json={"url": url, "webhook": hook}, headers=headers, verify=TLS
        )
        assert response.status_code == 200
        connection, _ = silent.accept()  # the attempt is in flight: the receiver holds its answer
        connection.settimeout(10)
        assert connection.recv(65536)
        sandbox.dispatcher.close(timeout=5)
        worker = sandbox.dispatcher._thread
        assert worker is not None and not worker.is_alive()
        assert connection.recv(65536) == b""  # the sandbox shut its side down
        assert sandbox.stats.deliveries == []
    connection.close()
    silent.close()
