"""An answer whose headers arrive and whose body then breaks off (a dropped connection), for the
tests of what a client learns from an answer it could not read whole (its rate-limit headers, a 429's
``Retry-After``); and a transport that answers one request so, sending the others on over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping

import httpx


def broken_off(
    mode: str, status: int, headers: Mapping[str, str], request: httpx.Request | None = None
) -> httpx.Response:
    """A *status* answer with *headers* (and ``Content-Type: application/json``) whose JSON body
    raises ``httpx.ReadError`` after its first bytes; *mode* ``"sync"`` or ``"async"`` says which
    client reads it."""

    def chunks() -> Iterator[bytes]:
        yield b'{"requestId": '
        raise httpx.ReadError("connection reset by peer")

    async def achunks() -> AsyncIterator[bytes]:
        for chunk in chunks():
            yield chunk

    body = chunks() if mode == "sync" else achunks()
    sent = {"Content-Type": "application/json", **headers}
    if request is None:
        return httpx.Response(status, headers=sent, content=body)
    return httpx.Response(status, headers=sent, content=body, request=request)


class BrokenOff429:
    """The first request of *method* to a path under *path* (by default the first ``GET
    /v1/jobs/{id}``) is answered 429 (``Retry-After: 0``) by a body that breaks off after its headers
    (a dropped connection); every other request goes to the server. ``sent`` counts the 429s."""

    def __init__(self, method: str = "GET", path: str = "/v1/jobs/") -> None:
        self.sent = 0
        self.method, self.path = method, path

    def answer(self, request: httpx.Request, mode: str) -> httpx.Response | None:
        """The broken-off 429 for *request*, or None to send it on."""
        if self.sent or request.method != self.method or not request.url.path.startswith(self.path):
            return None
        self.sent += 1
        return broken_off(mode, 429, {"Retry-After": "0"}, request)

    def transport(self, mode: str) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
        """The transport of a client of *mode* (``"sync"`` or ``"async"``) that meets this fault."""
        return _SyncBrokenOff429(self) if mode == "sync" else _AsyncBrokenOff429(self)


class _SyncBrokenOff429(httpx.BaseTransport):
    def __init__(self, fault: BrokenOff429) -> None:
        self._inner, self._fault = httpx.HTTPTransport(), fault

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._fault.answer(request, "sync") or self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class _AsyncBrokenOff429(httpx.AsyncBaseTransport):
    def __init__(self, fault: BrokenOff429) -> None:
        self._inner, self._fault = httpx.AsyncHTTPTransport(), fault

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return self._fault.answer(request, "async") or await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
