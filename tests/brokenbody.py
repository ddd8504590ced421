"""An answer whose headers arrive and whose body then breaks off (a dropped connection), for the
tests of what a client learns from an answer it could not read whole (its rate-limit headers, a 429's
``Retry-After``)."""

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
