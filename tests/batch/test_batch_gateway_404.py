"""A gateway's 404 page on a result read (not the API's JSON 404) proves nothing about the job."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest
from batchkit import MODES, VOICEPRINTS, make_audio

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify.batch import BatchReport, InputStatus, aidentify_batch, identify_batch
from pyannoteai_identify.sandbox import Sandbox

_PAGE = b"<html><body><h1>404 Not Found</h1>nginx</body></html>"


def _gateway_page(request: httpx.Request) -> httpx.Response | None:
    if request.method == "GET" and request.url.path.startswith("/v1/jobs/"):
        return httpx.Response(404, content=_PAGE, headers={"content-type": "text/html"}, request=request)
    return None


class _Gateway(httpx.BaseTransport):
    """Every GET /v1/jobs/{id} answers a proxy's HTML 404 page; the rest goes to the sandbox."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _gateway_page(request) or self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class _AsyncGateway(httpx.AsyncBaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return _gateway_page(request) or await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _run(mode: str, sandbox: Sandbox, tmp_path: Path) -> BatchReport:
    options = {"manifest": tmp_path / "manifest.sqlite", "out": tmp_path / "out", "poll_interval": 0.05}
    if mode == "sync":
        with (
            httpx.Client(transport=_Gateway(), timeout=5.0) as http,
            Client(sandbox.api_key, base_url=sandbox.base_url, max_retries=1, http_client=http) as client,
        ):
            return identify_batch(client, [tmp_path / "audio"], VOICEPRINTS, **options)

    async def main() -> BatchReport:
        async with (
            httpx.AsyncClient(transport=_AsyncGateway(), timeout=5.0) as http,
            AsyncClient(sandbox.api_key, base_url=sandbox.base_url, max_retries=1, http_client=http) as client,
        ):
            return await aidentify_batch(client, [tmp_path / "audio"], VOICEPRINTS, **options)

    return anyio.run(main)


@pytest.mark.parametrize("mode", MODES)
def test_a_gateway_404_page_on_a_result_read_leaves_the_job_submitted_for_the_next_run(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """An HTML 404 to GET /v1/jobs/{id} is an APIError (not NotFoundError): the batch neither marks the
    input expired nor ends the run with it; the input stays submitted with the reason, and the next
    run (without the gateway) reads the result."""
    make_audio(tmp_path / "audio", 1)

    first = _run(mode, sandbox, tmp_path)

    assert first.counts["submitted"] == 1 and first.inputs[0].status == InputStatus.SUBMITTED
    assert "404" in (first.inputs[0].reason or "")
    assert sandbox.stats.submissions == 1
