"""``identify_batch`` and ``aidentify_batch``: check every argument, open the manifest, run the engine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypedDict

import anyio
import anyio.to_thread

from .._client import AsyncClient, Client
from .._validation import (
    Matching,
    Voiceprint,
    check_bool,
    check_matching,
    check_model,
    check_num_speakers,
    check_voiceprints,
    check_webhook,
    guarded_callback,
)
from ..errors import ValidationError
from ..receiver import WebhookBroker
from ._inputs import Found, NoAudioError, discover
from ._limiter import RateLimiter
from ._manifest import Manifest
from ._report import BatchReport
from ._runner import Engine, ProgressCallback, simulated_sleep
from ._settings import DEFAULT_TIMEOUT, Options, Tuning, check_concurrency, check_positive

__all__ = ["BatchOptions", "aidentify_batch", "identify_batch"]


class BatchOptions(TypedDict, total=False):
    """The optional keywords of :func:`identify_batch`, for ``Client.identify_batch(**options)``.

    A type checker then refuses a misspelt option or a wrong type there, as it does here. A test
    holds these equal to :func:`identify_batch`'s own keywords.
    """

    concurrency: int
    num_speakers: int | None
    matching: Matching | Mapping[str, Any] | None
    confidence: bool
    exclusive: bool
    turn_level_confidence: bool
    webhook: str | None
    model: str | None
    broker: WebhookBroker | None
    retry_failed: bool
    resubmit_expired: bool
    resubmit_uncertain: bool
    adopt_uncertain: bool
    poll_interval: float
    status_share: float
    timeout: float | None
    limiter: RateLimiter | None
    on_progress: ProgressCallback | None


async def aidentify_batch(
    client: Client | AsyncClient,
    inputs: Sequence[str | os.PathLike[str]],
    voiceprints: Mapping[str, str] | Sequence[Voiceprint],
    *,
    manifest: str | os.PathLike[str],
    out: str | os.PathLike[str],
    concurrency: int = 8,
    num_speakers: int | None = None,
    matching: Matching | Mapping[str, Any] | None = None,
    confidence: bool = False,
    exclusive: bool = False,
    turn_level_confidence: bool = False,
    webhook: str | None = None,
    model: str | None = None,
    broker: WebhookBroker | None = None,
    retry_failed: bool = False,
    resubmit_expired: bool = False,
    resubmit_uncertain: bool = False,
    adopt_uncertain: bool = False,
    poll_interval: float = 5.0,
    status_share: float = 0.05,
    timeout: float | None = None,
    limiter: RateLimiter | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchReport:
    """Identify speakers in many inputs, resumably; see :func:`identify_batch` (this is its coroutine twin)."""
    options = Options(
        voiceprints=tuple(check_voiceprints(voiceprints)),
        num_speakers=check_num_speakers(num_speakers),
        matching=check_matching(matching),
        confidence=check_bool("confidence", confidence),
        exclusive=check_bool("exclusive", exclusive),
        turn_level_confidence=check_bool("turn_level_confidence", turn_level_confidence),
        webhook=check_webhook(webhook),
        model=check_model(model),
    )
    tuning = Tuning(
        concurrency=check_concurrency(concurrency),
        poll_interval=check_positive("poll_interval", poll_interval),
        status_share=check_positive("status_share", status_share, maximum=1.0),
        timeout=DEFAULT_TIMEOUT if timeout is None else check_positive("timeout", timeout),
        retry_failed=check_bool("retry_failed", retry_failed),
        resubmit_expired=check_bool("resubmit_expired", resubmit_expired),
        resubmit_uncertain=check_bool("resubmit_uncertain", resubmit_uncertain),
        adopt_uncertain=check_bool("adopt_uncertain", adopt_uncertain),
    )
    if broker is not None and not callable(getattr(broker, "wait_async", None)):
        raise ValidationError("broker", broker, "must be a receiver.WebhookBroker (with wait_async)")
    if limiter is not None and not isinstance(limiter, RateLimiter):
        raise ValidationError("limiter", limiter, "must be a batch.RateLimiter")
    progress = guarded_callback("on_progress", on_progress)
    if not isinstance(client, Client | AsyncClient):
        raise ValidationError("client", client, "must be a pyannoteai_identify Client or AsyncClient")
    # Finding the inputs (folders searched, lists read) and probing the output folder are file system
    # work: in a worker thread, so that the event loop's other tasks keep running meanwhile.
    found = await anyio.to_thread.run_sync(discover_inputs, inputs, manifest)
    out_dir = Path(os.fspath(out)).absolute()
    await anyio.to_thread.run_sync(check_writable, out_dir, os.fspath(out))
    if limiter is None:
        # The budget waits on its client's clock: a simulated one's (MockAPI.client(), or a Client() built
        # under the pyannoteai_mock fixture) takes no real time; a client on real time keeps real time,
        # even one given its own sleep= under that fixture (which a RateLimiter() would otherwise follow).
        sleep = simulated_sleep(client)
        limiter = (
            RateLimiter(clock=time.monotonic)
            if sleep is None
            else RateLimiter(clock=client._ctx.clock, async_sleep=sleep)
        )
    # Opening the manifest (its lock file, the database, its schema), every call to it and closing it
    # run in worker threads too: SQLite reads, commits and syncs the file meanwhile.
    state = await anyio.to_thread.run_sync(Manifest, manifest)
    try:
        fingerprint, description = options.fingerprint()
        await anyio.to_thread.run_sync(state.bind_settings, fingerprint, description)
        engine = Engine(client, options, state, out_dir, tuning, limiter, broker, progress)
        try:
            return await engine.run(found)
        except BaseExceptionGroup as group:
            # The engine's tasks fail inside a task group; callers catch errors by type (the CLI maps
            # APIConnectionError to exit 4), so the first one is raised itself, the group as its cause.
            raise _first_error(group) from group
    finally:
        # Shielded: a cancelled run still closes its manifest and releases its lock.
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(state.close)


def discover_inputs(inputs: Sequence[str | os.PathLike[str]], manifest: str | os.PathLike[str]) -> list[Found]:
    """The inputs (:func:`discover`); none at all is refused, unless *manifest* holds the inputs of
    an earlier run: its jobs, submitted and billed, are collected by running the same command again,
    also once the uploaded audio was removed."""
    try:
        return discover(inputs)
    except NoAudioError:
        path = os.fspath(manifest)
        if path == ":memory:" or not os.path.isfile(path):
            raise
        with Manifest(path) as state:
            if not any(state.counts().values()):
                raise
        return []


def check_writable(out_dir: Path, given: str) -> None:
    """Create *out_dir* and a file in it, as every result is written, before anything is billed: a
    folder refusing results would see every input paid for and none of its results kept."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValidationError("out", given, "must be a folder (it is a file)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".pyannoteai-", suffix=".tmp", dir=out_dir)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise ValidationError("out", given, f"cannot be written: {error}") from None


def make_manifest_folder(manifest: str | os.PathLike[str], given: str) -> None:
    """Create the folder of *manifest* (*given*: as the caller named it), before anything is sent.

    A folder that cannot be made (a regular file in its path, a permission refused) is a bad
    argument, said as the OS says it: not a run ended by the local machine, as nothing ran yet.
    """
    try:
        Path(manifest).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValidationError("manifest", given, f"its folder cannot be created: {error}") from None


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that ended the run: a Ctrl-C wherever it sits in *group*, else the first error.

    A Ctrl-C makes other tasks fail as they are torn down (a closed stream); the interruption,
    not that consequence, is what the caller must see (exit 130, "run again to resume").
    """
    interrupted, _ = group.split(KeyboardInterrupt)
    if interrupted is not None:
        group = interrupted
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


def identify_batch(
    client: Client,
    inputs: Sequence[str | os.PathLike[str]],
    voiceprints: Mapping[str, str] | Sequence[Voiceprint],
    *,
    manifest: str | os.PathLike[str],
    out: str | os.PathLike[str],
    concurrency: int = 8,
    num_speakers: int | None = None,
    matching: Matching | Mapping[str, Any] | None = None,
    confidence: bool = False,
    exclusive: bool = False,
    turn_level_confidence: bool = False,
    webhook: str | None = None,
    model: str | None = None,
    broker: WebhookBroker | None = None,
    retry_failed: bool = False,
    resubmit_expired: bool = False,
    resubmit_uncertain: bool = False,
    adopt_uncertain: bool = False,
    poll_interval: float = 5.0,
    status_share: float = 0.05,
    timeout: float | None = None,
    limiter: RateLimiter | None = None,
    on_progress: ProgressCallback | None = None,
) -> BatchReport:
    """Identify speakers in every input, resumably, never billing an input twice.

    Run it again with the same manifest after any interruption (even ``kill -9``): inputs with a
    job are not submitted again, finished results are not fetched again. Results go to *out*
    as ``NAME.json`` and ``NAME.rttm`` per input, with ``summary.csv``.

    Args:
        client: the client whose key, base URL, timeouts and retry policy the batch uses.
        inputs: local files, folders (searched recursively for audio), http(s)/media:// URLs, or
            ``.txt`` files listing them.
        voiceprints: label → voiceprint, the same for every input; as many as the contract's
            ``IdentifyRequest.voiceprints`` allows (``MIN_VOICEPRINTS`` to ``MAX_VOICEPRINTS``).
        manifest: the SQLite file holding the batch's state (created if missing).
        out: the folder for results.
        concurrency: uploads, and result fetches, in flight at once (1–64); submissions are sent
            one at a time (see ``docs/batch.md``).
        num_speakers, matching, confidence, exclusive, turn_level_confidence: as for ``identify``.
        webhook: a URL every job reports to; with *broker* (a ``receiver.WebhookBroker`` your
            receiver publishes to) deliveries finish jobs early and polling is the fallback.
        model: the diarization model of every job, as for ``identify`` (None: the API's default).
            Part of the settings the manifest is bound to: resuming with another model is refused.
        retry_failed: submit again the inputs whose job failed (or that were refused).
        resubmit_expired: submit again inputs whose results were deleted before being fetched.
        resubmit_uncertain: submit again inputs whose interrupted submission may have created a
            job (see ``docs/batch.md``); this can bill twice.
        adopt_uncertain: give each such input the one unknown job created right after its
            interrupted submission (bills nothing more; wrong only if another program of the
            team submitted at that very moment). Applied before *resubmit_uncertain*.
        poll_interval: the shortest time between two status sweeps, in seconds.
        status_share: the largest share of the rate limit status sweeps may use.
        timeout: stop after this many seconds (default 48 h); run again to resume.
        limiter: share one ``RateLimiter`` between runs in this process.
        on_progress: called with a ``BatchProgress`` as the run advances.

    Raises:
        ValidationError: before any request, for bad arguments or an input that does not exist.
        ManifestError: the manifest is in use by another run or was started with other settings.
        AuthenticationError: the key was refused (checked first).
    """
    kwargs: dict[str, Any] = {
        "manifest": manifest,
        "out": out,
        "concurrency": concurrency,
        "num_speakers": num_speakers,
        "matching": matching,
        "confidence": confidence,
        "exclusive": exclusive,
        "turn_level_confidence": turn_level_confidence,
        "webhook": webhook,
        "model": model,
        "broker": broker,
        "retry_failed": retry_failed,
        "resubmit_expired": resubmit_expired,
        "resubmit_uncertain": resubmit_uncertain,
        "adopt_uncertain": adopt_uncertain,
        "poll_interval": poll_interval,
        "status_share": status_share,
        "timeout": timeout,
        "limiter": limiter,
        "on_progress": on_progress,
    }
    if not isinstance(client, Client):
        raise ValidationError("client", client, "must be a Client; with an AsyncClient, await aidentify_batch")

    async def main() -> BatchReport:
        return await aidentify_batch(client, inputs, voiceprints, **kwargs)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(main)
    # Called from inside an event loop (a notebook): run the batch's own loop in a thread.
    run = _CancellableRun(main)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyannoteai-batch") as pool:
        future = pool.submit(anyio.run, run)
        try:
            return future.result()
        except BaseException:
            # Ctrl-C (a notebook kernel's KeyboardInterrupt) in this thread: the run is cancelled, as
            # Ctrl-C cancels it on this thread's own loop; leaving the block waits for its teardown.
            run.cancel()
            raise


class _CancellableRun:
    """A batch run on an event loop of its own (in a worker thread) that another thread can cancel."""

    def __init__(self, main: Callable[[], Awaitable[BatchReport]]) -> None:
        self._main = main
        self._lock = threading.Lock()
        self._cancelled = False
        self._scope: anyio.CancelScope | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self) -> BatchReport:
        with anyio.CancelScope() as scope:
            with self._lock:
                if self._cancelled:
                    scope.cancel()
                self._scope, self._loop = scope, asyncio.get_running_loop()
            return await self._main()
        raise anyio.get_cancelled_exc_class()  # cancelled by cancel(): the caller raises its interruption

    def cancel(self) -> None:
        """Cancel the run from another thread: at once if it has begun, else as soon as it begins."""
        with self._lock:
            self._cancelled = True
            scope, loop = self._scope, self._loop
        if scope is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the run has ended and its loop is closed
                loop.call_soon_threadsafe(scope.cancel)
