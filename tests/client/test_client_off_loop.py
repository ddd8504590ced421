"""AsyncClient leaves local file work to worker threads: the event loop never waits on a disk.

A path is checked (``os.stat``: exists, is a file, its size), its WAV header read (the duration
limits), then opened and read in chunks for the upload; a file object is probed (``read(0)``),
measured (``tell``/``seek``), its header read and its chunks read. Each of these blocks while the
disk, or a network file system, answers: on the event loop's thread they freeze every other task of
the application (a web service's other requests) meanwhile. Each test runs on asyncio and on trio.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest
import respx
from clientkit import API_KEY, JOB_ID, PRESIGNED_URL, VOICEPRINT, FakeTime, job_response, write_wav

from pyannoteai_identify import AsyncClient, ValidationError
from tests.offloop import FileWork, RecordedBytes

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", pytest.param("trio", marks=pytest.mark.needs_trio)])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


def _client(router: respx.Router) -> AsyncClient:
    time = FakeTime()
    return AsyncClient(
        API_KEY, transport=httpx.MockTransport(router.async_handler), clock=time.clock, sleep=time.async_sleep
    )


def _mock_upload(router: respx.Router) -> respx.Route:
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    return router.put(PRESIGNED_URL).respond(200)


async def test_upload_of_a_path_stats_opens_and_reads_it_off_the_event_loop(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "call.wav"
    path.write_bytes(b"x" * 3000)
    put = _mock_upload(router)
    work = FileWork(monkeypatch, path)
    async with _client(router) as client:
        await client.upload(path)
    assert put.calls.last.request.content == b"x" * 3000
    assert {"stat", "open", "read", "close"} <= work.kinds()
    assert work.on(threading.get_ident()) == []


async def test_identify_of_a_wav_path_checks_its_duration_and_uploads_it_off_the_event_loop(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_wav(tmp_path / "meeting.wav", 1.0)
    _mock_upload(router)
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    work = FileWork(monkeypatch, path)
    async with _client(router) as client:
        job = await client.identify(path, {"John": VOICEPRINT})
    assert job.id == JOB_ID
    # Two opens: the WAV header for the duration limit, then the upload.
    assert [what for what, _ in work.calls].count("open") == 2
    assert work.on(threading.get_ident()) == []


async def test_create_voiceprint_of_a_file_object_reads_it_off_the_event_loop(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = FileWork(monkeypatch)
    audio = RecordedBytes(write_wav(tmp_path / "john.wav", 2.0).read_bytes(), work)
    _mock_upload(router)
    router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})
    router.get(f"/v1/jobs/{JOB_ID}").mock(return_value=job_response("succeeded", {"voiceprint": VOICEPRINT}))
    async with _client(router) as client:
        assert await client.create_voiceprint(audio) == VOICEPRINT
    assert {"read", "seek", "tell"} <= work.kinds()
    assert work.on(threading.get_ident()) == []


async def test_a_refused_path_is_checked_off_the_event_loop_and_nothing_is_sent(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks moved to a thread still come first, with the same error: a folder is refused
    before any request (the validation tests hold the order and the wording for both clients)."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    work = FileWork(monkeypatch, folder)
    async with _client(router) as client:
        with pytest.raises(ValidationError, match="is a folder"):
            await client.identify(folder, {"John": VOICEPRINT})
    assert not router.calls
    assert work.kinds() == {"stat"}
    assert work.on(threading.get_ident()) == []


async def test_aclose_in_another_task_while_the_upload_opens_its_file_raises_the_sdks_error(
    router: respx.Router,
) -> None:
    """The file is now opened (and seeked back) in a worker thread, after the client was checked
    open: an ``aclose()`` by another task meanwhile (a service shutting down) left the upload to
    send on a closed httpx client, and the caller got httpx's bare ``RuntimeError('Cannot send a
    request, as the client has been closed.')``, which an ``except PyannoteAIError`` does not catch.
    It is the SDK's ConfigurationError, as with ``Client``, and nothing reaches storage."""
    import io

    import anyio.from_thread

    from pyannoteai_identify import ConfigurationError, PyannoteAIError

    presigned = threading.Event()

    def media_input(request: httpx.Request) -> httpx.Response:
        presigned.set()
        return httpx.Response(201, json={"url": PRESIGNED_URL})

    router.post("/v1/media/input").mock(side_effect=media_input)
    put = router.put(PRESIGNED_URL).respond(200)
    client = _client(router)
    closed: list[bool] = []

    class ClosedWhileOpening(io.BytesIO):
        def seek(self, offset: int, whence: int = 0) -> int:
            if presigned.is_set() and not closed:  # the upload's own seek, in its worker thread
                closed.append(True)
                anyio.from_thread.run(client.aclose)  # another task of the loop closes the client
            return super().seek(offset, whence)

    with pytest.raises(PyannoteAIError) as raised:
        await client.upload(ClosedWhileOpening(b"x" * 3000))
    assert isinstance(raised.value, ConfigurationError) and "closed" in str(raised.value)
    assert not put.called
