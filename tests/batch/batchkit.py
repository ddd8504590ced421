"""Helpers for the batch tests: distinct audio files, the two voiceprints, one call for both clients,
and a transport that shows each request to a test's stand-in for the network (a proxy, a storage)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from pyannoteai_identify import AsyncClient, Client
from pyannoteai_identify.batch import BatchReport, aidentify_batch, identify_batch
from pyannoteai_identify.sandbox import Sandbox, demo_audio, voiceprint_for

VOICEPRINTS = {"Alice": voiceprint_for("Alice"), "Bob": voiceprint_for("Bob")}
MODES = ["sync", "async"]
#: The ``timeout`` of a run that must end with every input submitted and no job finished, against a
#: sandbox that holds its jobs in the queue (``queue_seconds=3600`` at ``speed=100``: 36 s of real
#: time), or a submission (a ``delay`` fault this long). The deadline counts from the start of the run,
#: so it must cover the key check, the hashing, the anchor read, the uploads and the submissions: about
#: 0.05 s on an idle machine, up to 0.35 s beside busy processes, and up to 2 s for the first batch of a
#: process. A 0.3 s deadline ended such runs with an input still pending. 5 s is far above the first
#: and far below the 36 s queue.
HELD_RUN_TIMEOUT = 5.0


def make_audio(folder: Path, count: int, *, start: int = 0, suffix: str = ".wav") -> list[Path]:
    """*count* distinct two-speaker recordings (Alice then Bob) in *folder*."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(start, start + count):
        turns = (("Alice", 0.2, 1.0 + 0.01 * index), ("Bob", 1.6, 2.6))
        path = folder / f"rec{index:03d}{suffix}"
        path.write_bytes(demo_audio(turns, sample_rate=8000, duration=3.0))
        paths.append(path)
    return paths


def run_batch(
    mode: str,
    sandbox: Sandbox,
    inputs: list[Any],
    tmp_path: Path,
    *,
    max_retries: int = 3,
    request_timeout: float | None = 1.0,
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
    **options: Any,
) -> BatchReport:
    """Run a batch against *sandbox* with ``identify_batch`` (sync) or ``aidentify_batch`` (async),
    through a client with *max_retries* and a *request_timeout* (short: the sandbox answers at once,
    and an interrupted submission is given the read timeout plus a margin to land; None: the SDK's
    default), and the *transport* of that mode's client when given (one that plays a fault)."""
    options.setdefault("manifest", tmp_path / "manifest.sqlite")
    options.setdefault("out", tmp_path / "out")
    options.setdefault("poll_interval", 0.05)
    voiceprints = options.pop("voiceprints", VOICEPRINTS)
    if mode == "sync":
        with Client(
            sandbox.api_key,
            base_url=sandbox.base_url,
            max_retries=max_retries,
            timeout=request_timeout,
            transport=transport,
        ) as client:
            return identify_batch(client, inputs, voiceprints, **options)

    async def main() -> BatchReport:
        async with AsyncClient(
            sandbox.api_key,
            base_url=sandbox.base_url,
            max_retries=max_retries,
            timeout=request_timeout,
            transport=transport,
        ) as client:
            return await aidentify_batch(client, inputs, voiceprints, **options)

    return anyio.run(main)


def manifest_rows(path: Path) -> list[dict[str, Any]]:
    """Every input row of a manifest, read with plain sqlite3 (as a user inspecting it would)."""
    with closing(sqlite3.connect(path)) as db, db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM inputs ORDER BY id")]


def interrupt_every_submission_long_ago(manifest: Path) -> None:
    """Rewrite *manifest* into what a run killed after committing each mark (long ago) leaves: every
    input ``submitting`` since 2000, its anchor the newest job, and no job recorded since that anchor."""
    with closing(sqlite3.connect(manifest)) as db, db:
        newest = db.execute("SELECT job_id FROM jobs ORDER BY rowid DESC LIMIT 1").fetchone()[0]
        db.execute("DELETE FROM jobs")
        db.execute(
            "UPDATE inputs SET status = 'submitting', job_id = NULL, anchor = ?, "
            "submit_started_at = '2000-01-01T00:00:00.000+00:00'",
            (newest,),
        )


def requests_of(sandbox: Sandbox) -> dict[str, int]:
    """The requests the sandbox served, by operation."""
    return dict(sandbox.stats.requests)


#: Shown each request before it is sent; raises to fail it as the network would (a proxy's refusal).
Check = Callable[[httpx.Request], None]
#: Shown each request with the response it got.
Saw = Callable[[httpx.Request, httpx.Response], None]


def tapped(mode: str, check: Check, saw: Saw | None = None) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    """A transport for a client of *mode* (``"sync"`` or ``"async"``) that sends over HTTP, showing
    each request to *check* first and, with its response, to *saw*."""
    return _Tapped(check, saw) if mode == "sync" else _AsyncTapped(check, saw)


class _Tapped(httpx.BaseTransport):
    def __init__(self, check: Check, saw: Saw | None) -> None:
        self._check, self._saw, self._inner = check, saw, httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._check(request)
        response = self._inner.handle_request(request)
        if self._saw is not None:
            self._saw(request, response)
        return response

    def close(self) -> None:
        self._inner.close()


class _AsyncTapped(httpx.AsyncBaseTransport):
    def __init__(self, check: Check, saw: Saw | None) -> None:
        self._check, self._saw, self._inner = check, saw, httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._check(request)
        response = await self._inner.handle_async_request(request)
        if self._saw is not None:
            self._saw(request, response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def command_through(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, stack: ExitStack, check: Check, saw: Saw | None = None
) -> None:
    """The batch command's client sends through a :func:`tapped` transport of *check* and *saw*, in an
    ``http_client`` closed with *stack* (the key and URL from the environment, as a user sets them)."""
    from pyannoteai_identify.batch import _cli

    monkeypatch.setenv("PYANNOTEAI_API_KEY", sandbox.api_key)
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", sandbox.base_url)

    def client(**options: Any) -> Client:
        http = stack.enter_context(httpx.Client(transport=_Tapped(check, saw), timeout=5.0))
        return Client(**options, http_client=http)

    monkeypatch.setattr(_cli, "Client", client)
