"""AsyncClient benchmarks: ``get_job`` over loopback HTTP and a 1 GiB upload, as bench_client's for Client.

The same loopback server (bench_client's, in a child process), sizes, repetitions and targets as
the sync rows, each a ratio against a raw ``httpx.AsyncClient`` baseline run in the same process:

* ``AsyncClient.get_job`` against ``httpx.AsyncClient.get`` + ``json.loads`` of the same body, in
  one event loop (asyncio), sequential calls over one keep-alive connection, alternating rounds and
  the median of their ratios; with orjson and with the standard library's decoder, as the sync rows;
* ``AsyncClient.upload(path)`` against the faster of two raw ``httpx.AsyncClient`` streaming PUTs of
  the same file: an async generator reading 1 MiB chunks on the event loop (``raw-async-chunks``,
  what a plain script would write) and one reading them in worker threads (``raw-async-thread``,
  what the wrapper does so that a disk's wait never holds up the loop's other tasks); each in a
  fresh child process reporting its peak RSS growth, after one 1 KiB transfer made the same way.

Run ``python -m benchmarks bench_client_async`` (or ``--quick``). The upload child processes are
this module: ``python -m benchmarks.bench_client_async upload-case MODE PATH BASE_URL``.
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio.to_thread
import httpx

from pyannoteai_identify import AsyncClient

from ._harness import Metric
from .bench_client import (
    MIB,
    UPLOAD_PATH,
    _decoding_with,
    _PeakRSS,
    bench_upload,
    get_job_cases,
    loopback_server,
)

MODULE = "benchmarks.bench_client_async"

# --- get_job -----------------------------------------------------------------------------------


async def _apaired_median(
    first: Callable[[], Awaitable[object]], second: Callable[[], Awaitable[object]], rounds: int
) -> tuple[float, float, float]:
    """bench_client's ``_paired_median`` for coroutine functions: each side's median time, and the
    median of the per-round ratios, the two run alternately with the order swapped every round."""
    firsts: list[float] = []
    seconds: list[float] = []
    for index in range(rounds):
        order = ((first, firsts), (second, seconds))
        for function, times in order if index % 2 == 0 else reversed(order):
            start = time.perf_counter()
            await function()
            times.append(time.perf_counter() - start)
    ratio = statistics.median(mine / theirs for mine, theirs in zip(firsts, seconds, strict=True))
    return statistics.median(firsts), statistics.median(seconds), ratio


async def _aget_job_metrics(base_url: str, quick: bool) -> list[Metric]:
    rounds, cases = get_job_cases(quick)
    metrics = []
    async with AsyncClient(base_url=base_url, api_key="k") as client, httpx.AsyncClient() as http:
        headers = {"Authorization": "Bearer k"}
        for job_id, label, calls, decoder in cases:
            url = f"{base_url}/v1/jobs/{job_id}"

            async def ours(job_id: str = job_id, calls: int = calls) -> None:
                for _ in range(calls):
                    await client.get_job(job_id)

            async def raw(url: str = url, calls: int = calls) -> None:
                for _ in range(calls):
                    json.loads((await http.get(url, headers=headers)).content)

            with _decoding_with(decoder):
                await ours()
                await raw()
                wrapper, baseline, ratio = await _apaired_median(ours, raw, rounds)
            metrics.append(
                Metric(
                    f"AsyncClient.get_job ({label}, {decoder} decoder) / raw httpx.AsyncClient GET + json.loads "
                    f"(median of {rounds} rounds)",
                    wrapper / calls,
                    baseline / calls,
                    ratio,
                    1.15,
                )
            )
    return metrics


def bench_get_job_async(base_url: str, quick: bool) -> list[Metric]:
    """``AsyncClient.get_job`` against ``httpx.AsyncClient.get`` + ``json.loads``, on asyncio.

    The cases, calls per round, rounds and target are bench_client's ``bench_get_job``'s.
    """
    return asyncio.run(_aget_job_metrics(base_url, quick))


# --- upload (each case in a child process) ---------------------------------------------------------


async def _file_chunks(path: str, *, in_thread: bool) -> AsyncIterator[bytes]:
    with open(path, "rb") as file:
        while True:
            chunk = await anyio.to_thread.run_sync(file.read, MIB) if in_thread else file.read(MIB)
            if not chunk:
                return
            yield chunk


async def _upload_case(mode: str, path: str, base_url: str) -> dict[str, float]:
    size = os.path.getsize(path)
    put_url = f"{base_url}{UPLOAD_PATH}"
    headers = {"Content-Length": str(size)}
    async with (
        AsyncClient(base_url=base_url, api_key="k", timeout=120) as client,
        httpx.AsyncClient(timeout=120) as http,
    ):
        # One small transfer first, the same way (the first call's one-time imports are not throughput).
        if mode == "async-client":
            await client.upload(io.BytesIO(b"\0" * 1024))
        else:
            await http.put(put_url, content=b"\0" * 1024)
        gc.collect()
        memory = _PeakRSS()
        start = time.perf_counter()
        if mode == "async-client":
            await client.upload(path)
            received = size
        elif mode in ("raw-async-chunks", "raw-async-thread"):
            body = _file_chunks(path, in_thread=mode == "raw-async-thread")
            received = (await http.put(put_url, content=body, headers=headers)).json()["received"]
        else:
            raise ValueError(f"unknown upload mode {mode!r}")
        seconds = time.perf_counter() - start
        growth = memory.peak() - memory.start
    return {"seconds": seconds, "rss_growth": growth, "received": received}


def upload_case(mode: str, path: str, base_url: str) -> None:
    """Upload *path* once as *mode* on asyncio; print seconds, peak RSS growth (bytes) and the server's byte count."""
    print(json.dumps(asyncio.run(_upload_case(mode, path, base_url))), flush=True)


def bench_upload_async(base_url: str, quick: bool) -> list[Metric]:
    """``AsyncClient.upload(path)`` against the faster raw ``httpx.AsyncClient`` streaming PUT; peak RSS growth."""
    return bench_upload(
        base_url,
        quick,
        module=MODULE,
        client_mode="async-client",
        raw_modes=("raw-async-chunks", "raw-async-thread"),
        subject="AsyncClient upload",
        raw_name="raw httpx.AsyncClient",
    )


def run(quick: bool) -> list[Metric]:
    """Both AsyncClient benchmarks; *quick* uses a 32 MiB upload and fewer calls, as bench_client's."""
    with loopback_server(3600.0) as base_url:
        metrics = bench_get_job_async(base_url, quick)
        metrics += bench_upload_async(base_url, quick)
    return metrics


def main(argv: list[str]) -> None:
    """Entry point of the upload child processes: ``upload-case MODE PATH BASE_URL``."""
    if argv[:1] == ["upload-case"] and len(argv) == 4:
        upload_case(*argv[1:])
    else:
        raise SystemExit("usage: python -m benchmarks.bench_client_async upload-case MODE PATH BASE_URL")


if __name__ == "__main__":
    main(sys.argv[1:])
