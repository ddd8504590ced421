"""Reading a response body with a size cap and a time budget, so no body can hold a call forever.

httpx's read timeout restarts with every byte, so a body that trickles in (one byte every few
seconds) or never ends is read for ever, and held whole in memory. The clients stream each
response and read its body through :func:`read_body` / :func:`aread_body`: at most
:data:`MAX_RESPONSE_BYTES`, within :func:`body_budget` seconds of the headers' arrival. Past
either bound the read fails with an ``httpx.RequestError`` subclass, so the caller's retry policy
and messages apply as to any transport failure (a safe read is retried; a request that creates a
job says the job may exist, and is not resent).

The status line and headers are not covered: httpx reads them with its per-read timeout only, so a
server that sends them a byte at a time, or informational 1xx answers without end, can still hold
a call (the README says so, and how to bound it from outside).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx

#: The largest response body read. The largest the API sends, a 24-hour identify output with
#: frame confidence as doubles, is about 30 MB of JSON; this leaves a wide margin.
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
#: A body must arrive within this many read timeouts of its headers (5 minutes by default).
READ_TIMEOUTS_PER_BODY = 10


class ResponseTooLarge(httpx.DecodingError):
    """The response body is over :data:`MAX_RESPONSE_BYTES`."""


class StackedEncoding(httpx.DecodingError):
    """The response is compressed more than once (``Content-Encoding: gzip, gzip``)."""


#: The codings httpx decodes (``br`` and ``zstd`` when their packages are installed).
_COMPRESSIONS = frozenset({"gzip", "deflate", "br", "zstd"})


def _check_encoding(response: httpx.Response) -> None:
    """Refuse a body compressed more than once before any of it is decoded.

    httpx decodes every layer of a raw chunk at once, before the size cap sees the result: one
    layer expands a 64 KiB read to about 64 MB, two to about 64 GB. The API compresses once at most.
    """
    codings = response.headers.get_list("content-encoding", split_commas=True)
    if sum(coding.strip().lower() in _COMPRESSIONS for coding in codings) > 1:
        raise StackedEncoding(
            f"the response body is compressed more than once ({', '.join(codings)}); not decoded",
            request=response.request,
        )


class ResponseTooSlow(httpx.ReadTimeout):
    """The response body did not arrive within its time budget, though bytes kept coming."""


def body_budget(timeout: httpx.Timeout, at_most: float | None = None) -> float | None:
    """Seconds a body may take after its headers: :data:`READ_TIMEOUTS_PER_BODY` read timeouts, and no
    more than *at_most* (a caller's deadline); None: no limit."""
    budget = None if timeout.read is None else READ_TIMEOUTS_PER_BODY * timeout.read
    if at_most is None:
        return budget
    return at_most if budget is None else min(budget, at_most)


class _Limits:
    """Counts what a body has delivered and raises once it passes a bound."""

    def __init__(self, request: httpx.Request, max_bytes: int, budget: float | None, clock: Callable[[], float]):
        self.request = request
        self.max_bytes = max_bytes
        self.clock = clock
        self.deadline = None if budget is None else clock() + budget
        self.budget = budget
        self.size = 0

    def count(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ResponseTooLarge(
                f"the response body is over {self.max_bytes} bytes; stopped reading it", request=self.request
            )
        if self.deadline is not None and self.clock() > self.deadline:
            raise ResponseTooSlow(
                f"the response body took over {self.budget:g} s to arrive; stopped reading it", request=self.request
            )


def _complete(response: httpx.Response, body: bytes) -> httpx.Response:
    """*response*, its streamed body now read: set as ``Response.read()`` itself sets it.

    Rebuilding a new ``httpx.Response`` instead costs about 17 µs a call, 3-4 % of a ``get_job``
    on loopback; the benchmark's 1.15x budget is better spent elsewhere.
    """
    response._content = body
    return response


def read_body(
    response: httpx.Response,
    *,
    max_bytes: int | None = None,
    budget: float | None,
    clock: Callable[[], float] = time.monotonic,
) -> httpx.Response:
    """Read the body of a streamed *response* within the bounds, close it, and return it read.

    *max_bytes* defaults to :data:`MAX_RESPONSE_BYTES` (read at each call); *budget* is in seconds
    of *clock* from now (None: no time limit).
    """
    limits = _Limits(response.request, MAX_RESPONSE_BYTES if max_bytes is None else max_bytes, budget, clock)
    chunks: list[bytes] = []
    try:
        _check_encoding(response)
        stream: Iterator[bytes] = response.iter_bytes()
        for chunk in stream:
            limits.count(chunk)
            chunks.append(chunk)
    finally:
        response.close()
    return _complete(response, b"".join(chunks))


async def aread_body(
    response: httpx.Response,
    *,
    max_bytes: int | None = None,
    budget: float | None,
    clock: Callable[[], float] = time.monotonic,
) -> httpx.Response:
    """The async twin of :func:`read_body`."""
    limits = _Limits(response.request, MAX_RESPONSE_BYTES if max_bytes is None else max_bytes, budget, clock)
    chunks: list[bytes] = []
    try:
        _check_encoding(response)
        stream: AsyncIterator[bytes] = response.aiter_bytes()
        async for chunk in stream:
            limits.count(chunk)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return _complete(response, b"".join(chunks))
