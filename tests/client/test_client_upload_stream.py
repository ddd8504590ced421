"""The upload's body stream against a real loopback server: what happens when it would be sent twice.

httpx sends a request's stream again when it follows a redirect (a user's ``http_client`` with
``follow_redirects=True``; S3 answers 307 for new or cross-region buckets). A file read once cannot
be sent again: the upload must fail, never report success after storing an empty or cut body.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from pyannoteai_identify import APIConnectionError, Client

API = "https://api.example.com"


class _RedirectingStorage(BaseHTTPRequestHandler):
    """``PUT /first`` answers 307 to ``/second``, which answers 200. Each body is recorded with its
    size and whether it arrived whole (as declared by Content-Length, or up to the last chunk):
    storage keeps only a whole body."""

    received: list[tuple[str, int, bool]]

    def do_PUT(self) -> None:
        size, whole = self._body()
        self.received.append((self.path.split("?")[0], size, whole))
        if not whole:
            self.close_connection = True
            return
        if self.path.startswith("/first"):
            self.send_response(307)
            self.send_header("Location", "/second?X-Signature=s1g")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _body(self) -> tuple[int, bool]:
        if "Content-Length" in self.headers:
            declared = int(self.headers["Content-Length"])
            size = len(self.rfile.read(declared))
            return size, size == declared
        size = 0
        while line := self.rfile.readline():
            chunk = int(line.strip(), 16)
            if chunk == 0:
                return size, self.rfile.readline() == b"\r\n"
            size += len(self.rfile.read(chunk))
            self.rfile.readline()
        return size, False

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@contextmanager
def _storage() -> Iterator[tuple[str, list[tuple[str, int, bool]]]]:
    received: list[tuple[str, int, bool]] = []
    handler = type("Handler", (_RedirectingStorage,), {"received": received})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", received
        finally:
            server.shutdown()
            thread.join(10)


class _Pipe(io.RawIOBase):
    """A source that cannot seek (a pipe): its size is unknown, so the body is sent chunked."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("source", ["seekable", "pipe"])
def test_a_redirected_upload_fails_instead_of_storing_an_empty_body(source: str) -> None:
    """The stream, already read, is not sent again as an empty (or cut) body that the storage
    accepts while upload() returns its media:// URL as stored: the upload fails with an SDK error
    that says why (and hides the signature), that the request was sent, and how to upload again."""
    data = b"RIFF" + b"\0" * (3 * 1024 * 1024)
    audio = io.BytesIO(data) if source == "seekable" else io.BufferedReader(_Pipe(data))
    with _storage() as (storage, received):
        presigned = f"{storage}/first?X-Signature=s1g"

        def api(request: httpx.Request) -> httpx.Response:
            return httpx.Response(201, json={"url": presigned})

        http = httpx.Client(
            transport=httpx.MockTransport(api), mounts={storage: httpx.HTTPTransport()}, follow_redirects=True
        )
        client = Client(api_key="k" * 20, base_url=API, http_client=http)
        with http, client, pytest.raises(APIConnectionError, match="cannot be sent twice") as caught:
            client.upload(audio, "a.wav")
    assert [(path, size) for path, size, whole in received if whole] == [("/first", len(data))]
    assert "X-Signature" not in str(caught.value) + caught.value.url
    assert caught.value.request_sent is True  # the body went out once: the storage may hold part of it
    assert "(with an http_client that does not follow redirects)" in str(caught.value)
