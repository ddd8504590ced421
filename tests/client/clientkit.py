"""Test doubles for the client tests: one adapter over Client and AsyncClient, a fake clock, builders.

``Api`` lets a single ``async`` test drive either client: a method of ``Client`` is called, one of
``AsyncClient`` is awaited. ``FakeTime`` is the clock and the sleep both clients are given, so a
test that "waits an hour" records its sleeps and returns at once. ``OneClock`` is one such clock for
several threads or tasks at once, moved in the order a real clock would wake them.
"""

from __future__ import annotations

import heapq
import http.server
import inspect
import itertools
import threading
import wave
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from pyannoteai_identify import AsyncClient, Client, JobSummary

BASE_URL = "https://api.pyannote.ai"
#: A fake key that is easy to spot in any text it must never appear in.
API_KEY = "sk-FAKE-KEY-7f3a9c1e-MUST-NOT-LEAK"
PRESIGNED_URL = "https://storage.example.com/upload/abc?X-Signature=s1g"
JOB_ID = "fb16c565-f3f0-4402-a08c-9d44df0ccc7b"
VOICEPRINT = "aGVsbG8gd29ybGQ"

IDENTIFY_OUTPUT: dict[str, Any] = {
    "identification": [
        {"speaker": "John", "start": 0.0, "end": 4.0, "diarizationSpeaker": "SPEAKER_00", "match": "John"},
        {"speaker": "SPEAKER_01", "start": 4.0, "end": 5.5, "diarizationSpeaker": "SPEAKER_01", "match": None},
        {"speaker": "Mary", "start": 5.5, "end": 7.5, "diarizationSpeaker": "SPEAKER_02", "match": "Mary"},
        {"speaker": "John", "start": 7.5, "end": 9.0, "diarizationSpeaker": "SPEAKER_00", "match": "John"},
    ],
    "voiceprints": [
        {"speaker": "SPEAKER_00", "match": "John", "confidence": {"John": 91.0, "Mary": 12.0}},
        {"speaker": "SPEAKER_01", "match": None, "confidence": {"John": 3.0, "Mary": 8.0}},
        {"speaker": "SPEAKER_02", "match": "Mary", "confidence": {"John": 10.0, "Mary": 88.0}},
    ],
    "diarization": [
        {"speaker": "SPEAKER_00", "start": 0.0, "end": 4.0},
        {"speaker": "SPEAKER_01", "start": 4.0, "end": 5.5},
        {"speaker": "SPEAKER_02", "start": 5.5, "end": 7.5},
        {"speaker": "SPEAKER_00", "start": 7.5, "end": 9.0},
    ],
}


def job_body(status: str, output: dict[str, Any] | None = None, job_id: str = JOB_ID) -> dict[str, Any]:
    """A ``GET /v1/jobs/{id}`` body."""
    body: dict[str, Any] = {
        "jobId": job_id,
        "status": status,
        "createdAt": "2024-02-20T12:00:00Z",
        "updatedAt": "2024-02-20T12:00:20Z",
    }
    if output is not None:
        body["output"] = output
    return body


def job_response(status: str, output: dict[str, Any] | None = None, /, **headers: str) -> httpx.Response:
    """A ``GET /v1/jobs/{id}`` response, with *headers* (e.g. rate-limit headers)."""
    return httpx.Response(200, json=job_body(status, output), headers=headers)


def running_after_the_first_poll(first_poll: Callable[[], None]) -> httpx.MockTransport:
    """A transport answering every poll with a running job, calling *first_poll* as each comes in."""

    def running(request: httpx.Request) -> httpx.Response:
        first_poll()
        return job_response("running")

    return httpx.MockTransport(running)


class ClosingTransport(httpx.MockTransport):
    """A mock transport that records in ``closed`` each close() (``"close"``) and aclose() (``"aclose"``)."""

    def __init__(self, handler: Callable[[httpx.Request], Any]) -> None:
        super().__init__(handler)
        self.closed: list[str] = []

    def close(self) -> None:
        self.closed.append("close")

    async def aclose(self) -> None:
        self.closed.append("aclose")


def count_http_clients(mode: str, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The httpx clients of *mode*'s flavour (``httpx.Client`` or ``httpx.AsyncClient``) made from now
    on in the test, each added to the list as it is made."""
    created: list[object] = []
    base = httpx.AsyncClient if mode == "async" else httpx.Client

    class CountingClient(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(httpx, base.__name__, CountingClient)
    return created


def own_http_client(mode: str, router: respx.Router) -> httpx.Client | httpx.AsyncClient:
    """A caller's own httpx client of the test's flavour, answering from *router*."""
    if mode == "async":
        return httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    return httpx.Client(transport=httpx.MockTransport(router.handler))


async def close_http_client(http: httpx.Client | httpx.AsyncClient) -> None:
    """Close a caller's own httpx client (the SDK client never does), of either flavour."""
    if isinstance(http, httpx.AsyncClient):
        await http.aclose()
    else:
        http.close()


async def aclose_in_the_gap_of(
    client: AsyncClient, wait: Callable[[], Awaitable[object]], polled: anyio.Event
) -> BaseException:
    """Run *wait* in another task and, once *polled* is set (the wait then sleeps out its gap, of
    120 s or more), ``aclose()`` *client*: what the wait raised (it must raise, and not sleep its gap)."""
    raised: list[BaseException] = []

    async def waiting() -> None:
        try:
            await wait()
        except BaseException as error:
            raised.append(error)

    with anyio.fail_after(30):  # a bound for a broken build; the gap is 120 s or more
        async with anyio.create_task_group() as group:
            group.start_soon(waiting)
            await polled.wait()
            await anyio.sleep(0.05)  # the wait is now in its gap
            await client.aclose()
    (error,) = raised
    return error


def write_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """A silent mono 16-bit WAV file lasting *seconds*."""
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(seconds * rate))
    return path


@dataclass
class FakeTime:
    """A monotonic clock that moves when someone sleeps (every sleep is recorded) and, with *tick*,
    a little at every reading too, as a real clock does between two reads."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    tick: float = 0.0

    def clock(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)


class OneClock:
    """One clock for a known number of callers (the threads sharing a ``Client``, or the tasks of one
    event loop sharing an ``AsyncClient``), moved in the order a real clock would wake them.

    A sleep returns only once every other caller sleeps too (or has called :meth:`ended`) and none
    wakes earlier (ties: first asleep, first woken). So one caller runs at a time, in the order of
    their wake-ups, and a run is the same every time and takes no real time: what a rate-limit hold
    shared by the callers does on a real clock (the mock's virtual clock gives each caller a clock
    of its own, see docs/testing.md). Each caller sleeps once (``sleep(0)``) before its first
    request, so none starts before all are there.
    """

    def __init__(self, callers: int) -> None:
        self.now = 0.0
        self._running = callers
        self._sleepers: list[tuple[float, int, Callable[[], object]]] = []  # a heap: (wake-up, order, wake)
        self._order = itertools.count()
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        woken = threading.Event()
        self._fall_asleep(seconds, woken.set)
        assert woken.wait(timeout=30), "a caller neither slept nor ended"  # a bound, should one hang

    async def async_sleep(self, seconds: float) -> None:
        woken = anyio.Event()
        self._fall_asleep(seconds, woken.set)
        with anyio.fail_after(30):  # a bound, should a task hang
            await woken.wait()

    def ended(self) -> None:
        """The caller is done: it no longer holds back the others' wake-ups."""
        with self._lock:
            self._running -= 1
            self._wake_next()

    def _fall_asleep(self, seconds: float, wake: Callable[[], object]) -> None:
        with self._lock:
            heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), wake))
            self._running -= 1
            self._wake_next()

    def _wake_next(self) -> None:
        if self._running == 0 and self._sleepers:
            wake_up, _, wake = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake_up)
            self._running = 1
            wake()


class ChunkRecordingTransport(httpx.MockTransport):
    """A MockTransport that records how a streamed request body arrived, chunk by chunk.

    ``httpx.MockTransport`` reads the whole body before calling the handler; this one iterates the
    stream first, so a test can see that an upload was streamed rather than sent in one piece.
    """

    def __init__(self, handler: Callable[[httpx.Request], Any]) -> None:
        super().__init__(handler)
        self.chunks: dict[str, list[int]] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            chunks = list(request.stream)  # type: ignore[arg-type]
            self._replace(request, chunks)
        return super().handle_request(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            chunks = [chunk async for chunk in request.stream]  # type: ignore[union-attr]
            self._replace(request, chunks)
        return await super().handle_async_request(request)

    def _replace(self, request: httpx.Request, chunks: list[bytes]) -> None:
        self.chunks[str(request.url)] = [len(chunk) for chunk in chunks]
        request.stream = httpx.ByteStream(b"".join(chunks))


class Api:
    """Drive a ``Client`` or an ``AsyncClient`` the same way from an async test."""

    def __init__(self, client: Client | AsyncClient) -> None:
        self.client = client
        self.is_async = isinstance(client, AsyncClient)

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result

        return call

    async def jobs(self, *args: Any, **kwargs: Any) -> list[JobSummary]:
        """Every item ``jobs()`` yields, as a list."""
        items, error = await self.jobs_until_error(*args, **kwargs)
        if error is not None:
            raise error
        return items

    async def jobs_until_error(self, *args: Any, **kwargs: Any) -> tuple[list[JobSummary], Exception | None]:
        """The items ``jobs()`` yields before it ends or raises, and what it raised."""
        iterator = self.client.jobs(*args, **kwargs)
        items: list[JobSummary] = []
        try:
            if isinstance(iterator, AsyncIterator):
                async for item in iterator:
                    items.append(item)
            else:
                for item in iterator:
                    items.append(item)
        except Exception as error:
            return items, error
        return items, None

    async def job_pages_until_error(self, *args: Any, **kwargs: Any) -> tuple[list[Any], Exception | None]:
        """The pages ``job_pages()`` yields before it ends or raises, and what it raised."""
        iterator = self.client.job_pages(*args, **kwargs)
        pages: list[Any] = []
        try:
            if isinstance(iterator, AsyncIterator):
                async for page in iterator:
                    pages.append(page)
            else:
                for page in iterator:
                    pages.append(page)
        except Exception as error:
            return pages, error
        return pages, None

    async def close(self) -> None:
        if isinstance(self.client, AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Client | AsyncClient]:
        """The client used as a (sync or async) context manager."""
        if isinstance(self.client, AsyncClient):
            async with self.client as entered:
                yield entered
        else:
            with self.client as entered_sync:
                yield entered_sync


#: Builds an ``Api`` for the current mode with overrides (the ``make_api`` fixture).
MakeApi = Callable[..., Api]
#: Builds a MockTransport of the router for the current mode (the ``make_transport`` fixture).
MakeTransport = Callable[..., httpx.MockTransport]


class _RefusingProxy(http.server.BaseHTTPRequestHandler):
    """A proxy that refuses every CONNECT with *status* (407: its credentials), recording each request line."""

    status = 407
    seen: list[str]

    def do_CONNECT(self) -> None:
        self.seen.append(self.requestline)
        self.send_response(self.status)
        if self.status == 407:
            self.send_header("Proxy-Authenticate", 'Basic realm="corp"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``seen``."""


@contextmanager
def refusing_proxy(status: int = 407) -> Iterator[tuple[str, list[str]]]:
    """A local CONNECT proxy on 127.0.0.1 that refuses every tunnel with *status*; yields its URL and
    the request lines it received. Nothing goes past it: no request reaches a network."""
    seen: list[str] = []
    handler = type("Handler", (_RefusingProxy,), {"status": status, "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
