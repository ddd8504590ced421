"""Reading a response body with a size cap and a time budget, so no body can hold a call forever.

httpx's read timeout restarts with every byte, so a body that trickles in (one byte every few
seconds) or never ends is read for ever, and held whole in memory. The clients stream each
response and read its body through :func:`read_body` / :func:`aread_body`: at most
:data:`MAX_RESPONSE_BYTES` decoded bytes, within :func:`body_budget` seconds of the headers'
arrival; the body is read raw and decoded :data:`DECODE_STEP` bytes at a time (:func:`iter_decoded`),
so a compressed body never expands past the cap in memory. Past
either bound the read fails with an ``httpx.RequestError`` subclass, so the caller's retry policy
and messages apply as to any transport failure (a safe read is retried; a request that creates a
job says the job may exist, and is not resent).

The status line and headers are not covered: httpx reads them with its per-read timeout only, so a
server that sends them a byte at a time, or informational 1xx answers without end, can still hold
a call (the README says so, and how to bound it from outside).
"""

from __future__ import annotations

import contextlib
import functools
import time
import zlib
from collections.abc import AsyncGenerator, Callable, Generator, Iterator

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


class UnboundedEncoding(httpx.DecodingError):
    """The response is compressed with a coding the SDK cannot decode a step at a time (br, zstd)."""


#: The codings decoded here, a bounded step at a time (the standard library's zlib).
BOUNDED_CODINGS = ("gzip", "deflate")
#: The other codings httpx decodes (when the brotli/zstandard packages are installed): refused.
_UNBOUNDED = frozenset({"br", "zstd"})
#: The most decoded bytes one decoding step produces.
DECODE_STEP = 64 * 1024


def _coding(response: httpx.Response) -> str | None:
    """The one compression of *response* (None: none), refused when the SDK cannot bound its
    decoding: ``br``/``zstd``, or more than one layer. Other codings are ignored, as httpx does.

    httpx decodes a whole raw chunk at once, before any cap sees the result: one gzip layer expands
    a 64 KiB read to about 64 MB, two to about 64 GB. The API compresses once at most.
    """
    codings = [coding.strip().lower() for coding in response.headers.get_list("content-encoding", split_commas=True)]
    if any(coding in _UNBOUNDED for coding in codings):
        raise UnboundedEncoding(
            f"the response body is compressed with {', '.join(codings)}, which cannot be decoded within "
            "the size cap; not decoded",
            request=response.request,
        )
    compressions = [coding for coding in codings if coding in BOUNDED_CODINGS]
    if len(compressions) > 1:
        raise StackedEncoding(
            f"the response body is compressed more than once ({', '.join(codings)}); not decoded",
            request=response.request,
        )
    return compressions[0] if compressions else None


class _Inflater:
    """Decodes a gzip or deflate body, at most :data:`DECODE_STEP` bytes per step.

    ``deflate`` is zlib-wrapped or raw, as httpx accepts: zlib is tried first and, if it fails
    before anything was decoded, the raw bytes seen so far are decoded again as raw deflate.
    """

    def __init__(self, coding: str, request: httpx.Request):
        self.request = request
        self.inflater = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)
        #: The raw bytes read before the first decoded byte, kept while raw deflate may still be it.
        self.seen: list[bytes] | None = [] if coding == "deflate" else None

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self.seen is not None:
            self.seen.append(data)
        while True:
            try:
                out = self.inflater.decompress(data, DECODE_STEP)
            except zlib.error as exc:
                if not self.seen:
                    raise httpx.DecodingError(str(exc), request=self.request) from exc
                data, self.seen = b"".join(self.seen), None
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            data = self.inflater.unconsumed_tail
            if out:
                self.seen = None
                yield out
            if not data and len(out) < DECODE_STEP:
                return

    def flush(self) -> bytes:
        # Every input byte was decoded by decode(): what is left is under a step.
        try:
            return self.inflater.flush()
        except zlib.error as exc:  # pragma: no cover - zlib raises nothing here for truncated data
            raise httpx.DecodingError(str(exc), request=self.request) from exc


def iter_decoded(response: httpx.Response) -> Generator[bytes]:
    """The decoded body of a streamed *response*, read raw and decoded at most
    :data:`DECODE_STEP` bytes at a time, so a caller that stops at a cap holds at most the cap and
    one step, however compressed the body is. Raises :class:`StackedEncoding` or
    :class:`UnboundedEncoding` before reading a body the SDK cannot decode within a bound."""
    coding = _coding(response)
    if response.is_stream_consumed:  # read already (a mocked response): httpx decoded it
        yield response.content
        return
    if coding is None:
        yield from response.iter_raw()
        return
    inflater = _Inflater(coding, response.request)
    for raw in response.iter_raw():
        yield from inflater.decode(raw)
    yield inflater.flush()


async def aiter_decoded(response: httpx.Response) -> AsyncGenerator[bytes]:
    """The async twin of :func:`iter_decoded`."""
    coding = _coding(response)
    if response.is_stream_consumed:
        yield response.content
        return
    if coding is None:
        async for raw in response.aiter_raw():
            yield raw
        return
    inflater = _Inflater(coding, response.request)
    async for raw in response.aiter_raw():
        for out in inflater.decode(raw):
            yield out
    yield inflater.flush()


@functools.lru_cache(maxsize=16)
def accept_encoding(value: str) -> str:
    """An ``Accept-Encoding`` *value* without the codings the SDK refuses (br, zstd); ``identity``
    if nothing else is left. A ``*`` (any coding not listed) is kept with the refused ones listed
    after it at ``q=0``, so that it cannot stand for them."""
    kept = [part.strip() for part in value.split(",") if part.split(";")[0].strip().lower() not in _UNBOUNDED]
    kept = [part for part in kept if part]
    if any(part.split(";")[0].strip() == "*" for part in kept):
        kept += [f"{coding};q=0" for coding in sorted(_UNBOUNDED)]
    return ", ".join(kept) or "identity"


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
        with contextlib.closing(iter_decoded(response)) as stream:
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
        async with contextlib.aclosing(aiter_decoded(response)) as astream:
            async for chunk in astream:
                limits.count(chunk)
                chunks.append(chunk)
    finally:
        await response.aclose()
    return _complete(response, b"".join(chunks))
