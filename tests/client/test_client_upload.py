"""upload(): presigned URL, then a streamed PUT without the key; progress; upload failures."""

from __future__ import annotations

import asyncio
import builtins
import io
import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
import pytest
import respx
from clientkit import (
    API_KEY,
    JOB_ID,
    PRESIGNED_URL,
    VOICEPRINT,
    Api,
    ChunkRecordingTransport,
    MakeApi,
    MakeTransport,
    write_wav,
)

from pyannoteai_identify import (
    APIConnectionError,
    APIError,
    AsyncClient,
    ConfigurationError,
    InvalidResponseError,
    PyannoteAIError,
    ServerError,
    _validation,
)
from pyannoteai_identify._upload import CHUNK_SIZE

pytestmark = pytest.mark.anyio

SIZE = 2 * CHUNK_SIZE + CHUNK_SIZE // 2  # three chunks: 1 MiB, 1 MiB, 0.5 MiB


class Pipe:
    """A binary stream that cannot seek (a pipe, a socket): read() only."""

    def __init__(self, data: bytes) -> None:
        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)


def _mock_upload(router: respx.Router) -> tuple[respx.Route, respx.Route]:
    media = router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    put = router.put(PRESIGNED_URL).respond(200)
    return media, put


def _sparse(path: Path, size: int = SIZE) -> Path:
    with path.open("wb") as file:
        file.truncate(size)
    return path


async def test_upload_of_a_path_is_streamed_in_chunks_with_monotonic_progress(
    make_api: MakeApi, make_transport: MakeTransport, router: respx.Router, tmp_path: Path
) -> None:
    """A 2.5 MiB file arrives in three chunks; progress rises after each and ends at the total."""
    transport = make_transport(ChunkRecordingTransport)
    assert isinstance(transport, ChunkRecordingTransport)
    api = make_api(transport=transport)
    media, put = _mock_upload(router)
    progress: list[tuple[int, int | None]] = []

    url = await api.upload(
        _sparse(tmp_path / "call.wav"), on_progress=lambda sent, total: progress.append((sent, total))
    )

    assert url == json.loads(media.calls.last.request.content)["url"]
    assert url.startswith("media://") and url.endswith("/call.wav")
    assert transport.chunks[PRESIGNED_URL] == [CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE // 2]
    assert [sent for sent, _ in progress] == [CHUNK_SIZE, 2 * CHUNK_SIZE, SIZE]
    assert {total for _, total in progress} == {SIZE}
    request = put.calls.last.request
    assert request.headers["Content-Length"] == str(SIZE)
    assert "Content-Type" not in request.headers  # as the official SDK: a signed Content-Type could mismatch
    assert "Authorization" not in request.headers
    assert API_KEY not in str(request.headers) + str(request.url)
    assert len(request.content) == SIZE


async def test_upload_of_a_file_object_uses_the_given_key(
    make_api: MakeApi, make_transport: MakeTransport, router: respx.Router
) -> None:
    """A binary file object is streamed too; key (with or without media://) names the object."""
    transport = make_transport(ChunkRecordingTransport)
    assert isinstance(transport, ChunkRecordingTransport)
    api = make_api(transport=transport)
    media, put = _mock_upload(router)
    data = bytes(range(256)) * (SIZE // 256)

    assert await api.upload(io.BytesIO(data), "meetings/call.wav") == "media://meetings/call.wav"
    assert json.loads(media.calls.last.request.content) == {"url": "media://meetings/call.wav"}
    assert transport.chunks[PRESIGNED_URL] == [CHUNK_SIZE, CHUNK_SIZE, CHUNK_SIZE // 2]
    assert put.calls.last.request.content == data
    assert await api.upload(io.BytesIO(data), "media://meetings/other.wav") == "media://meetings/other.wav"


async def test_each_upload_without_a_key_gets_a_unique_media_url(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """Two uploads of the same file never overwrite each other."""
    _mock_upload(router)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    first, second = await api.upload(path), await api.upload(path)
    assert first != second


async def test_a_file_object_opened_from_a_descriptor_is_not_named_after_its_number(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A file object opened on a descriptor (``open(fd, "rb")``, ``os.fdopen``, and
    ``tempfile.TemporaryFile()`` on Linux) has the descriptor's number as its ``name``: the default
    key must not end with that number (``media://…/7``), which names nothing, but with ``audio`` as
    for any file object without a file name."""
    _mock_upload(router)
    path = tmp_path / "call.wav"
    path.write_bytes(b"RIFF" * 100)
    with open(os.open(path, os.O_RDONLY), "rb") as file:
        assert isinstance(file.name, int)
        url = await api.upload(file)
    assert url.startswith("media://pyannoteai-identify/")
    assert url.rsplit("/", 1)[1] == "audio"


async def test_a_key_made_from_the_file_name_keeps_what_the_contract_allows_but_slashes(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """The file-name part of a key made for an upload keeps every character openapi.yaml's media key
    pattern allows except '/' (which would add a path segment), each run of others becoming '-'."""
    media, _ = _mock_upload(router)
    path = tmp_path / "Call 2024_final (v2).wav"
    path.write_bytes(b"RIFF")
    url = await api.upload(path)
    assert url.startswith("media://pyannoteai-identify/") and url.endswith("/Call-2024_final-v2-.wav")
    assert json.loads(media.calls.last.request.content)["url"] == url


async def test_a_key_made_from_the_file_name_follows_the_contracts_pattern_when_it_changes(
    api: Api, router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The characters a made key keeps are read from the contract's media key pattern, as every other
    rule is, not typed a second time: under a narrower pattern (lowercase letters, digits, '-' and
    '/'), an upload without a key still gets a valid key, where it was refused as a ValidationError
    on the key the SDK made itself."""
    monkeypatch.setattr(_validation, "MEDIA_URL_PATTERN", re.compile(r"^media://[a-z0-9\-/]+$"))
    media, _ = _mock_upload(router)
    path = tmp_path / "Call 2024_final.WAV"
    path.write_bytes(b"RIFF")
    url = await api.upload(path)
    assert url.startswith("media://pyannoteai-identify/") and url.endswith("/all-2024-final")
    assert json.loads(media.calls.last.request.content)["url"] == url


async def test_a_stream_of_unknown_size_is_sent_chunked_and_reports_no_total(api: Api, router: respx.Router) -> None:
    """A file object that cannot seek has no Content-Length; progress reports total None."""

    _, put = _mock_upload(router)
    progress: list[tuple[int, int | None]] = []
    await api.upload(Pipe(b"x" * 1000), "pipe.raw", on_progress=lambda sent, total: progress.append((sent, total)))
    request = put.calls.last.request
    assert "Content-Length" not in request.headers
    assert request.content == b"x" * 1000
    assert progress == [(1000, None)]


@pytest.mark.parametrize(
    ("failure", "sent"),
    [
        (httpx.WriteError("connection reset"), True),
        (httpx.ConnectError("refused"), False),
        (httpx.PoolTimeout("no connection came free"), False),
    ],
    ids=["write", "connect", "pool"],
)
async def test_a_lost_connection_during_the_put_raises_an_sdk_error(
    api: Api, router: respx.Router, tmp_path: Path, failure: Exception, sent: bool
) -> None:
    """A transport failure of the PUT becomes APIConnectionError (a PyannoteAIError), not a raw httpx
    error; request_sent says whether any of it left (not when no connection opened or came free)."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).mock(side_effect=failure)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(APIConnectionError) as caught:
        await api.upload(path)
    assert isinstance(caught.value, PyannoteAIError)
    assert caught.value.request_sent is sent
    assert "upload again" in str(caught.value)
    assert caught.value.method == "PUT"
    assert caught.value.url == PRESIGNED_URL.partition("?")[0] + "?<query hidden>"  # as logs and batch files show it
    assert "X-Signature" not in caught.value.url + str(caught.value)
    assert API_KEY not in str(caught.value)


class LostAfterOneChunk(httpx.MockTransport):
    """A transport whose connection is lost once it has taken one chunk of a PUT's body.

    ``httpx.MockTransport`` reads the whole body before its handler runs, so a failure there comes
    after every chunk was taken; this one stops at the first, as a reset socket does mid-upload.
    """

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            assert isinstance(request.stream, httpx.SyncByteStream)
            next(iter(request.stream))
            raise httpx.WriteError("connection reset by peer")
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            assert isinstance(request.stream, httpx.AsyncByteStream)
            await anext(aiter(request.stream))
            raise httpx.WriteError("connection reset by peer")
        return await super().handle_async_request(request)


async def test_a_chunk_taken_but_not_sent_is_not_reported_as_progress(
    make_api: MakeApi, make_transport: MakeTransport, router: respx.Router, tmp_path: Path
) -> None:
    """A chunk counts as sent only when the transport asks for the next one: the connection lost
    while the first 1 MiB was being written reports no progress, not 1 MiB that never arrived."""
    api = make_api(transport=make_transport(LostAfterOneChunk))
    _mock_upload(router)
    progress: list[int] = []

    with pytest.raises(APIConnectionError, match="upload again"):
        await api.upload(_sparse(tmp_path / "a.wav", 3 * CHUNK_SIZE), on_progress=lambda sent, _: progress.append(sent))
    assert progress == []


async def test_the_put_to_a_presigned_url_on_another_port_names_the_port_in_its_host_header(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """The streamed PUT sets its own Host header (httpx adds none to a request built with a stream):
    for storage on a non-default port (MinIO's 9000) it is host:port, as HTTP requires and as a
    signature over the host header (S3 SigV4) was computed; the host alone is refused by the storage."""
    presigned = "https://minio.example:9000/bucket/a.wav?X-Amz-Signature=s1g"
    router.post("/v1/media/input").respond(201, json={"url": presigned})
    put = router.put(presigned).respond(200)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")

    await api.upload(path, "a.wav")
    assert put.calls.last.request.headers["host"] == "minio.example:9000"


async def test_a_file_object_is_sent_whole_again_after_a_failed_upload(api: Api, router: respx.Router) -> None:
    """A PUT that fails after reading the file leaves it where it was given: the retry sends every byte.

    Before, the second upload streamed only what the first left unread: the job ran on partial audio.
    """
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    received: list[bytes] = []

    def storage(request: httpx.Request) -> httpx.Response:
        received.append(request.read())
        if len(received) == 1:
            raise httpx.WriteError("connection reset by peer")
        return httpx.Response(200)

    router.put(PRESIGNED_URL).mock(side_effect=storage)
    data = bytes(range(256)) * (SIZE // 256)
    file = io.BytesIO(data)
    file.seek(100)  # the caller's starting point is kept, not the start of the buffer

    with pytest.raises(APIConnectionError, match="upload again"):
        await api.upload(file, "a.wav")
    assert file.tell() == 100
    await api.upload(file, "a.wav")
    assert received == [data[100:], data[100:]]
    assert file.tell() == 100  # put back after a successful upload too


async def test_a_failed_upload_of_a_stream_that_cannot_seek_says_its_bytes_are_gone(
    api: Api, router: respx.Router
) -> None:
    """A pipe cannot be rewound: the error tells the caller to upload from a new file object."""

    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(503, text="busy")
    with pytest.raises(APIError) as caught:
        await api.upload(Pipe(b"x" * 1000), "pipe.raw")
    assert "cannot seek" in str(caught.value) and "new file object" in str(caught.value)


async def test_a_refused_put_raises_api_error_with_the_storage_message(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A non-2xx answer of the storage is an APIError carrying its status and text."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(403, text="<Error>AccessDenied</Error>")
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(APIError, match="AccessDenied") as caught:
        await api.upload(path)
    assert caught.value.status_code == 403


@pytest.mark.parametrize(("status", "error_type"), [(500, ServerError), (503, ServerError), (403, APIError)])
async def test_a_put_the_storage_failed_is_a_server_error_and_a_refused_one_a_plain_api_error(
    api: Api, router: respx.Router, tmp_path: Path, status: int, error_type: type[APIError]
) -> None:
    """A 5xx of the storage is a ServerError, as the API's own are, so code that catches ServerError
    to try again later catches it too; a refusal (an expired signature) stays a plain APIError, not
    an AuthenticationError that would send the caller to check the API key."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(status, text="<Error>storage</Error>")
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(APIError) as caught:
        await api.upload(path)
    assert type(caught.value) is error_type
    assert caught.value.status_code == status


@pytest.mark.parametrize("status", [403, 503])
async def test_a_storage_error_carries_the_s3_request_id(
    make_api: MakeApi, router: respx.Router, tmp_path: Path, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    """S3 (and S3-compatible storage) names its answer with ``x-amz-request-id`` and
    ``x-amz-id-2``, the two ids AWS support asks for; it sends no ``x-request-id``. A refused or
    failed PUT had ``request_id`` None, nothing in the message and "request id -" in the log: the
    one answer that identifies the failed upload was thrown away. They are read for storage answers."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(
        status,
        text="<Error><Code>AccessDenied</Code><RequestId>4442587FB7D0A2F9</RequestId></Error>",
        headers={
            "Content-Type": "application/xml",
            "x-amz-request-id": "4442587FB7D0A2F9",
            "x-amz-id-2": "vlR7PnpV2Ce81pKgjbu",
        },
    )
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    caplog.set_level(logging.DEBUG, logger="pyannoteai_identify")
    with pytest.raises(APIError) as caught:
        await make_api(max_retries=0).upload(path)
    assert caught.value.request_id == "4442587FB7D0A2F9"
    message = str(caught.value)
    assert "4442587FB7D0A2F9" in message and "vlR7PnpV2Ce81pKgjbu" in message, message
    puts = [record.getMessage() for record in caplog.records if record.getMessage().startswith("PUT ")]
    assert puts and all("request id 4442587FB7D0A2F9" in line for line in puts), puts


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://storage.example.com/x"},
        {"url": None},
        {},
        ["https://storage.example.com/x"],
        {"url": "http://storage.example.com/x?X-Amz-Signature=s"},  # the audio would go in clear
    ],
)
async def test_a_presigned_answer_without_an_http_url_is_an_invalid_response(
    api: Api, router: respx.Router, tmp_path: Path, body: object
) -> None:
    """If media/input returns no usable URL, InvalidResponseError names the url field and nothing is PUT."""
    router.post("/v1/media/input").respond(201, json=body)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    with pytest.raises(InvalidResponseError, match="url"):
        await api.upload(path)
    assert router.calls.call_count == 1


async def test_a_lost_put_of_a_stream_that_cannot_seek_says_its_bytes_are_gone(api: Api, router: respx.Router) -> None:
    """The connection-error path gives the same advice as a refused PUT: upload from a new file object."""

    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).mock(side_effect=httpx.WriteError("connection reset by peer"))
    with pytest.raises(APIConnectionError) as caught:
        await api.upload(Pipe(b"x" * 1000), "pipe.raw")
    assert "cannot seek" in str(caught.value) and "new file object" in str(caught.value)


async def test_a_file_object_closed_after_its_last_byte_was_read_is_not_an_error(
    api: Api, router: respx.Router
) -> None:
    """A file closed by its owner once every byte is read (here: while the storage answers) is not rewound:
    the stored upload is not turned into 'I/O operation on closed file'."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    file = io.BytesIO(b"x" * 1000)

    def storage(request: httpx.Request) -> httpx.Response:
        request.read()
        file.close()
        return httpx.Response(200)

    router.put(PRESIGNED_URL).mock(side_effect=storage)
    url = await api.upload(file, "a.wav")
    assert url.startswith("media://")


# --- exceptions of the caller's own progress callback ------------------------------------------------


async def test_an_httpx_error_raised_by_the_progress_callback_reaches_the_caller_as_it_was(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A progress callback that reports to a dashboard with httpx fails with that request's error
    (the dashboard is down). That error is the caller's, raised by the caller's code: it was taken
    for a failure of the PUT, turned into "uploading to the presigned URL failed (ConnectError:
    dashboard down) ... upload again", and itself dropped (no cause, no context)."""
    _, put = _mock_upload(router)
    dashboard_down = httpx.ConnectError("dashboard down", request=httpx.Request("POST", "http://dash.local/progress"))

    def report(sent: int, total: int | None) -> None:
        raise dashboard_down

    with pytest.raises(httpx.ConnectError) as caught:
        await api.upload(_sparse(tmp_path / "a.wav"), on_progress=report)
    assert caught.value is dashboard_down
    assert not isinstance(caught.value, PyannoteAIError)
    # The client is still usable afterwards.
    assert (await api.upload(_sparse(tmp_path / "b.wav"))).startswith("media://")
    assert put.call_count == 1


async def test_a_progress_callback_raising_stop_iteration_does_not_cut_the_upload_short(
    api: Api, router: respx.Router
) -> None:
    """A progress callback that raises StopIteration (``lambda sent, total: next(ticks)`` on an
    exhausted iterator) ended the chunk iterator of a synchronous upload as if the file had ended:
    a stream of unknown size (sent chunked) was stored cut short, 1 of its 3 MiB, and upload()
    returned its media:// URL as if it were whole. The callback's exception must end the upload."""
    _, put = _mock_upload(router)
    ticks = iter(())

    with pytest.raises(RuntimeError) as caught:
        await api.upload(Pipe(b"x" * (3 * CHUNK_SIZE)), "pipe.raw", on_progress=lambda sent, total: next(ticks))
    assert isinstance(caught.value.__cause__, StopIteration)
    assert not put.called


async def test_an_upload_cut_off_by_closing_the_client_says_the_client_was_closed(mode: str, make_api: MakeApi) -> None:
    """close() while the PUT is in flight (a service shutting down): as for any request cut off so,
    the error says that the client was closed and a new one is needed (close()'s docstring), not
    an APIConnectionError telling to "upload again" with a client that refuses every call now."""
    api: Api

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/media/input", request.url
        return httpx.Response(201, json={"url": PRESIGNED_URL})

    class ClosedMidUpload(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "PUT":
                return answer(request)
            api.client.close()  # type: ignore[union-attr]
            raise httpx.ReadError("connection closed by the pool", request=request)

    class AsyncClosedMidUpload(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "PUT":
                return answer(request)
            await api.close()
            raise httpx.ReadError("connection closed by the pool", request=request)

    api = make_api(transport=AsyncClosedMidUpload() if mode == "async" else ClosedMidUpload())
    with pytest.raises(ConfigurationError) as caught:
        await api.upload(io.BytesIO(b"RIFF" * 100), "a.wav")
    assert "was closed" in str(caught.value) and "create a new one" in str(caught.value)
    assert "media://a.wav was not stored" in str(caught.value)
    assert "X-Signature" not in str(caught.value)


class _FirstChunkReadHeld(io.BytesIO):
    """A file whose first full-chunk read, in upload()'s worker thread, waits for ``release`` (at
    most *hold* s, so a broken build fails instead of hanging): upload() can be cancelled mid-read."""

    def __init__(self, data: bytes, *, hold: float) -> None:
        super().__init__(data)
        self.reading, self.release, self.read_done = threading.Event(), threading.Event(), threading.Event()
        self.hold = hold
        self.released_in_time: list[bool] = []

    def read(self, size: int | None = -1) -> bytes:
        if size != CHUNK_SIZE or self.read_done.is_set():
            return super().read(size)
        self.reading.set()
        self.released_in_time.append(self.release.wait(self.hold))
        try:
            return super().read(size)
        finally:
            self.read_done.set()


async def _upload_cancelled_mid_read(
    client: AsyncClient, audio: IO[bytes] | Path, reading: threading.Event
) -> asyncio.Task[str]:
    """Start ``client.upload(audio)``, wait (bounded) until a held chunk is being read (*reading* is
    set), cancel it natively."""
    task = asyncio.create_task(client.upload(audio, "a.wav"))
    for _ in range(1000):
        if reading.is_set():
            break
        await asyncio.sleep(0.01)
    assert reading.is_set()
    task.cancel()
    return task


async def test_an_upload_cancelled_natively_on_asyncio_puts_the_file_object_back_after_its_last_read(
    router: respx.Router,
) -> None:
    """task.cancel() (asyncio.wait_for, asyncio.timeout) while a chunk is read in the worker thread:
    anyio does not hold a native asyncio cancellation back until the thread is done, so upload()
    put the file object back at its position at once, then the thread's read moved it 1 MiB on.
    Uploading the same object again (as the docstring promises it can be) then stored the audio
    without its first megabyte, silently. The position is restored after the read has ended."""
    _mock_upload(router)
    audio = _FirstChunkReadHeld(b"x" * (2 * CHUNK_SIZE), hold=10)
    audio.seek(7)
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = await _upload_cancelled_mid_read(client, audio, audio.reading)
        # The thread's read ends a moment later, whether or not upload() waited for it.
        threading.Timer(0.2, audio.release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await anyio.to_thread.run_sync(audio.read_done.wait, 10)
    assert audio.tell() == 7


async def test_an_upload_cancelled_natively_waits_for_its_last_read_without_blocking_the_event_loop(
    router: respx.Router,
) -> None:
    """The fix above waits for the worker thread's read with a blocking lock taken on the event loop
    thread: while a chunk's read lasts (a seekable object over a network: s3fs, smb), every other task
    of the application is frozen, and a read that needs the loop to finish never does. Here the read
    ends when another task of the loop says so: that task must get to run while upload() waits."""
    _mock_upload(router)
    audio = _FirstChunkReadHeld(b"x" * (2 * CHUNK_SIZE), hold=5)  # bounded: a blocked loop never releases it

    async def release_from_the_loop() -> None:
        await asyncio.sleep(0)
        audio.release.set()

    audio.seek(7)
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = await _upload_cancelled_mid_read(client, audio, audio.reading)
        releaser = asyncio.create_task(release_from_the_loop())
        with pytest.raises(asyncio.CancelledError):
            await task
        await releaser
        assert await anyio.to_thread.run_sync(audio.read_done.wait, 10)
    assert audio.released_in_time == [True]
    assert audio.tell() == 7


async def test_an_async_upload_reads_several_chunks_in_each_worker_thread_hop(
    router: respx.Router, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """AsyncClient read each 1 MiB chunk in its own worker-thread hop: about 1,024 hops per GiB, which
    held its upload to 0.72 of a raw httpx.AsyncClient PUT's throughput on a busy machine. It reads
    up to 4 MiB a hop now, still sent in 1 MiB chunks with one progress tick each: a 16.5 MiB file
    takes 5 hops for its bytes, one that finds its end, and three to check the audio, open and close
    the file (21 before); no hop waits for a read before the close when none is running."""
    size = 16 * CHUNK_SIZE + CHUNK_SIZE // 2
    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: object, *args: object, **kwargs: object) -> object:
        hops.append(function)
        return await run_sync(function, *args, **kwargs)  # type: ignore[arg-type]

    _mock_upload(router)
    transport = ChunkRecordingTransport(router.async_handler)
    progress: list[int] = []
    async with AsyncClient(API_KEY, transport=transport) as client:
        with monkeypatch.context() as patch:
            patch.setattr(anyio.to_thread, "run_sync", counted)
            await client.upload(_sparse(tmp_path / "a.wav", size), on_progress=lambda sent, _: progress.append(sent))
    assert transport.chunks[PRESIGNED_URL] == [CHUNK_SIZE] * 16 + [CHUNK_SIZE // 2]
    assert progress == [CHUNK_SIZE * n for n in range(1, 17)] + [size]
    assert len(hops) <= 9, hops


class _ChunkReadsHeld(io.BytesIO):
    """A file that records the size of every read, and whose *nth* full-chunk read (in upload()'s
    worker thread) waits for ``release``, at most *hold* s: upload() can be cancelled mid-read."""

    def __init__(self, data: bytes, *, nth: int, hold: float) -> None:
        super().__init__(data)
        self.reading, self.release = threading.Event(), threading.Event()
        self.nth, self.hold = nth, hold
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        if sum(read >= CHUNK_SIZE for read in self.reads) == self.nth and size is not None and size >= CHUNK_SIZE:
            self.reading.set()
            self.release.wait(self.hold)
        return super().read(size)


@pytest.mark.parametrize("nth", [2, 3])
async def test_an_upload_cancelled_natively_between_the_chunks_of_one_hop_reads_nothing_more(
    router: respx.Router, nth: int
) -> None:
    """task.cancel() while a later chunk of a worker thread's batch of reads is read (the 2nd or 3rd
    MiB): upload() puts the file object back at its position once that read has ended, and the
    thread reads nothing after that; the same object uploaded again is sent whole."""
    _mock_upload(router)
    data = bytes(range(256)) * (8 * CHUNK_SIZE // 256)
    audio = _ChunkReadsHeld(data, nth=nth, hold=10)
    audio.seek(7)
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = await _upload_cancelled_mid_read(client, audio, audio.reading)
        threading.Timer(0.2, audio.release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert audio.tell() == 7
        reads = len(audio.reads)
        await asyncio.sleep(0.3)  # a worker thread still reading would move the object on meanwhile
        assert audio.tell() == 7
        assert len(audio.reads) == reads
        # The held read was the last: the rest of its hop's reads, which may end before the object is
        # put back (leaving its position right), are not made either.
        assert [read for read in audio.reads if read >= CHUNK_SIZE] == [CHUNK_SIZE] * nth
        received: list[bytes] = []

        def storage(request: httpx.Request) -> httpx.Response:
            received.append(request.read())
            return httpx.Response(200)

        router.put(PRESIGNED_URL).mock(side_effect=storage)
        await client.upload(audio, "a.wav")
    assert received == [data[7:]]


class _HandleRecorded(_ChunkReadsHeld):
    """The handle upload() opens on a path: a :class:`_ChunkReadsHeld` that records when a read
    ends and when it is closed."""

    def __init__(self, data: bytes, *, nth: int, hold: float) -> None:
        super().__init__(data, nth=nth, hold=hold)
        self.events: list[str] = []

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(size)
        finally:
            self.events.append("read")

    def close(self) -> None:
        self.events.append("close")
        super().close()


@pytest.mark.parametrize("nth", [2, 3])
async def test_an_upload_of_a_path_cancelled_natively_closes_the_file_after_its_last_read(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nth: int
) -> None:
    """task.cancel() while a chunk of a path's file is read in a worker thread (the 2nd or 3rd, in the
    first hop of reads): upload() closed the file at once, under the read still running. It is closed
    once that read has ended, and nothing reads it after."""
    data = b"x" * (8 * CHUNK_SIZE)
    path = tmp_path / "a.wav"
    path.write_bytes(data)
    handle = _HandleRecorded(data, nth=nth, hold=10)
    monkeypatch.setattr("pyannoteai_identify._upload._open_binary", lambda _: handle)
    _mock_upload(router)
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = await _upload_cancelled_mid_read(client, path, handle.reading)
        threading.Timer(0.2, handle.release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.3)  # a thread still reading would record its reads meanwhile
    assert handle.events[-2:] == ["read", "close"]
    assert handle.events.count("read") == nth


class _HeaderReadHeld(io.BytesIO):
    """A WAV file object whose first read of its header (identify()'s duration check, in a worker
    thread) waits for ``release``, at most *hold* s: identify() can be cancelled while it is checked."""

    def __init__(self, data: bytes, *, hold: float) -> None:
        super().__init__(data)
        self.reading, self.release, self.read_done = threading.Event(), threading.Event(), threading.Event()
        self.hold = hold

    def read(self, size: int | None = -1) -> bytes:
        if size == 0 or self.reading.is_set():  # read(0): the probe that the object gives bytes
            return super().read(size)
        self.reading.set()
        self.release.wait(self.hold)
        try:
            return super().read(size)
        finally:
            self.read_done.set()


async def test_an_identify_cancelled_natively_while_its_file_object_is_checked_leaves_it_alone_after(
    router: respx.Router, tmp_path: Path
) -> None:
    """task.cancel() (asyncio.timeout around identify() in a web service) while the argument check
    reads the WAV header of the caller's file object in a worker thread: identify() ended at once,
    and the thread then read the header and put the object back, under the caller's next use of it
    (an identify() again, whose upload it moved, or a close() that failed the check's seek). The
    cancelled call returns once the check is done with the object, at the position it was given at."""
    data = write_wav(tmp_path / "call.wav", 1.0).read_bytes()
    audio = _HeaderReadHeld(b"junk" + data, hold=10)
    audio.seek(4)
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    put = router.put(PRESIGNED_URL).respond(200)
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = asyncio.create_task(client.identify(audio, {"John": VOICEPRINT}))
        assert await anyio.to_thread.run_sync(audio.reading.wait, 10)
        task.cancel()
        # The header's read ends a moment later, whether or not identify() waited for it.
        threading.Timer(0.2, audio.release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert audio.read_done.is_set()  # nothing of the SDK's reads the object any more
        assert audio.tell() == 4
        assert put.call_count == 0
        job = await client.identify(audio, {"John": VOICEPRINT})
    assert job.id == JOB_ID
    assert put.calls.last.request.content == data


class _ReadsRecorded(io.BytesIO):
    """A file object that records its reads."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(size)
        return super().read(size)


async def test_an_identify_cancelled_natively_before_its_check_began_returns_at_once_and_never_checks(
    router: respx.Router, tmp_path: Path
) -> None:
    """Every worker thread busy (the default limiter's tokens taken by the application's own work):
    identify() of a file object waits for one to check it. Cancelled then, it ends at once, without
    waiting for a worker thread to settle a check that never began, and the check never runs after."""
    audio = _ReadsRecorded(write_wav(tmp_path / "call.wav", 1.0).read_bytes())
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = 1  # this event loop's, for this test only
    busy, done = threading.Event(), threading.Event()

    def other_work() -> None:
        busy.set()
        done.wait(10)

    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        work = asyncio.create_task(anyio.to_thread.run_sync(other_work))
        # Waited for off anyio's limiter, whose one token the other work holds.
        assert await asyncio.get_running_loop().run_in_executor(None, busy.wait, 10)
        task = asyncio.create_task(client.identify(audio, {"John": VOICEPRINT}))
        await anyio.wait_all_tasks_blocked()  # identify() waits for the limiter's one token
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert limiter.borrowed_tokens == 1  # only the other work's
        done.set()
        await work
        await anyio.to_thread.run_sync(lambda: None)  # a worker thread free again: a queued check would run by now
    assert audio.reads == []


class _TrackedReader(io.BufferedReader):
    """A file opened for reading that says when it is closed."""

    def __init__(self, path: Path, closed: threading.Event) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.closed_event = closed

    def close(self) -> None:
        super().close()
        self.closed_event.set()


async def test_an_upload_of_a_path_cancelled_natively_while_its_file_opens_closes_it_once_opened(
    router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """task.cancel() (asyncio.timeout around upload() in a service) while the worker thread opens the
    path (a network file system answering slowly): upload() ended at once, and the handle the thread
    then opened was handed to no one, left to the garbage collector ("ResourceWarning: unclosed
    file"), and held a descriptor until then (for ever while anything refers to it: here, the test).
    It is closed as soon as it is opened."""
    path = tmp_path / "call.wav"
    path.write_bytes(b"x" * 3000)
    opening, release, closed = threading.Event(), threading.Event(), threading.Event()
    handles: list[_TrackedReader] = []  # kept: not closed by the garbage collector meanwhile
    real_open = builtins.open

    def slow_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if file != str(path):
            return real_open(file, *args, **kwargs)
        opening.set()
        release.wait(10)
        handles.append(_TrackedReader(path, closed))
        return handles[-1]

    _mock_upload(router)
    monkeypatch.setattr(builtins, "open", slow_open)
    async with AsyncClient(API_KEY, transport=httpx.MockTransport(router.async_handler)) as client:
        task = asyncio.create_task(client.upload(path, "a.wav"))
        assert await anyio.to_thread.run_sync(opening.wait, 10)
        task.cancel()
        # The open ends a moment later, whether or not upload() waited for it.
        threading.Timer(0.2, release.set).start()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await anyio.to_thread.run_sync(closed.wait, 5)


class _FailsOnRead(io.BytesIO):
    """A file whose *nth* read raises OSError (a disk error, a network file system gone)."""

    def __init__(self, data: bytes, *, nth: int) -> None:
        super().__init__(data)
        self.nth, self.reads = nth, 0

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size >= CHUNK_SIZE:
            self.reads += 1
            if self.reads == self.nth:
                raise OSError(5, "Input/output error")
        return super().read(size)


async def test_a_read_that_fails_mid_file_comes_after_the_chunks_read_before_it(
    make_api: MakeApi, make_transport: MakeTransport, router: respx.Router
) -> None:
    """The 3rd MiB's read fails: the two chunks read before it are sent and reported as progress
    first, then the read's error ends the upload, as on the sync side (AsyncClient reads several
    chunks in one worker-thread hop: the error is not raised ahead of the chunks read before it)."""
    transport = make_transport(ChunkRecordingTransport)
    assert isinstance(transport, ChunkRecordingTransport)
    api = make_api(transport=transport)
    _mock_upload(router)
    progress: list[int] = []

    with pytest.raises(OSError, match="Input/output error"):
        await api.upload(
            _FailsOnRead(b"x" * (5 * CHUNK_SIZE), nth=3), "a.wav", on_progress=lambda sent, _: progress.append(sent)
        )
    assert progress == [CHUNK_SIZE, 2 * CHUNK_SIZE]


@pytest.mark.parametrize("call", ["upload", "identify", "submit_voiceprint"])
async def test_a_file_that_cannot_be_read_while_uploaded_is_named_with_what_was_lost(
    make_api: MakeApi, router: respx.Router, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    """A disk error while a path was read for its upload came out as a bare "[Errno 5] Input/output
    error": no file named, nothing said of the upload, nor whether identify() created a job. It is
    raised as it is (an OSError), with notes naming the file, that its media URL was not stored,
    and, for a call that submits a job, that none was created: the job's request was never sent."""
    path = write_wav(tmp_path / "meeting.wav", 3.0)
    real_open = builtins.open

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(path):
            return _FailsOnRead(path.read_bytes(), nth=1)  # the header reads; the first chunk's read fails
        return real_open(file, *args, **kwargs)

    from pyannoteai_identify import _upload

    monkeypatch.setattr(_upload, "open", failing_open, raising=False)
    _mock_upload(router)
    submit = router.post(path__regex=r"^/v1/(identify|voiceprint)$").respond(200, json={"jobId": JOB_ID})
    api = make_api()
    arguments: dict[str, tuple[Any, ...]] = {"identify": ({"Alice": VOICEPRINT},), "upload": ("meetings/a.wav",)}

    with pytest.raises(OSError, match="Input/output error") as raised:
        await getattr(api, call)(path, *arguments.get(call, ()))

    notes = getattr(raised.value, "__notes__", [])
    assert notes[0].startswith(f"{path} could not be read for its upload: media://"), notes
    assert notes[0].endswith(" was not stored; upload again"), notes
    assert notes[1:] == ([] if call == "upload" else ["no job was created"])
    assert not submit.called
