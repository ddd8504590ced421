"""Batch benchmark: ``identify_batch`` over many distinct files against the sandbox's rate limit.

The sandbox runs in a child process (``python -m benchmarks.bench_batch serve``) so that its work
does not share the client's GIL; it serves real HTTP on 127.0.0.1 with compressed job time
(``speed``) and reports its own request counts. Every figure is counted by the server:

* **requests**: every API request of the run (the key check, uploads: ``POST /v1/media/input``
  and the presigned ``PUT``, submissions, status pages, result fetches, the reconciliation
  anchor) against the work itself, uploads + submissions + result fetches (target ≤ 1.2);
* **status share**: status requests (``GET /v2/jobs`` pages) against the same work (≤ 0.2);
* **rate-limit time** (full run only): the run's wall time against the least time the sandbox's
  sliding window allows for the requests it limits (everything but the presigned ``PUT``). A
  sliding-window log admits *L* requests at once and the next one only when the oldest is a
  window old, so *R* requests need at least ``floor((R - 1) / L)`` windows of 60 s. The bound
  is computed for the work's requests alone (key check + upload URLs + submissions + fetches),
  so status pages and any idle gap count against the run (target ≤ 1.1);
* **manifest**: the run's time with the SQLite manifest on disk against the same run with an
  in-memory manifest (``:memory:``), same inputs and a fresh sandbox each (target ≤ 1.05). The
  full run measures this under the rate limit, as a real batch runs; the quick run has no
  binding limit, the worst case for the manifest (its one flushed commit per submission sits
  on the critical path), and is reported for context;
* **resume**: requests a second run of the finished batch sends (target: 1, the key check).

``python -m benchmarks bench_batch`` runs it alone (full: 1,000 inputs, about four minutes).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pyannoteai_identify import Client
from pyannoteai_identify.batch import BatchReport, identify_batch

from ._harness import Metric, ratio_metric

ROOT = Path(__file__).resolve().parent.parent
FULL_INPUTS = 1000
QUICK_INPUTS = 40
#: Requests per sliding minute in the full run. 1,000 inputs need 3,001 limited requests of work,
#: so the window must turn over twice and the last window is half full: the run cannot end
#: before 120 s, and the sandbox's own speed (the time it takes to answer the last window's 600
#: requests) weighs little against it.
FULL_RATE_LIMIT = 1200
UNLIMITED = 1_000_000
WINDOW = 60.0
SPEED = 1000.0
#: A child process gives up after this long even if nobody tells it to stop.
CHILD_LIFETIME = 900.0
LIMITED = ("testKey", "getMediaUploadUrl", "identify", "getJobById", "getJobsByTeamV2")


# --- the sandbox in a child process -------------------------------------------------------------


class RemoteSandbox:
    """A sandbox served by a child process; ``stats()`` reads its request counters over a pipe."""

    def __init__(self, rate_limit: int) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_batch", "serve", str(rate_limit)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        hello = json.loads(self._readline())
        self.base_url: str = hello["base_url"]
        self.api_key: str = hello["api_key"]

    def _readline(self) -> str:
        assert self._child.stdout is not None
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox child process ended unexpectedly")
        return line

    def stats(self) -> dict[str, int]:
        """Requests served so far, by operation (``upload`` is the presigned PUT)."""
        assert self._child.stdin is not None
        self._child.stdin.write("stats\n")
        self._child.stdin.flush()
        return dict(json.loads(self._readline()))

    def close(self) -> None:
        if self._child.stdin is not None:
            self._child.stdin.close()
        try:
            self._child.wait(30)
        finally:
            self._child.kill()
            if self._child.stdout is not None:
                self._child.stdout.close()


@contextmanager
def remote_sandbox(rate_limit: int) -> Iterator[RemoteSandbox]:
    sandbox = RemoteSandbox(rate_limit)
    try:
        yield sandbox
    finally:
        sandbox.close()


def serve(rate_limit: int, stdin: IO[str], stdout: IO[str]) -> None:
    """The child: run a sandbox, announce it, answer ``stats`` until stdin closes (or the lifetime ends)."""
    import os
    import threading

    from pyannoteai_identify.sandbox import Sandbox

    lifetime = threading.Timer(CHILD_LIFETIME, os._exit, args=(3,))
    lifetime.daemon = True
    lifetime.start()
    with Sandbox(speed=SPEED, rate_limit=rate_limit, log_level="error") as sandbox:
        stdout.write(json.dumps({"base_url": sandbox.base_url, "api_key": sandbox.api_key}) + "\n")
        stdout.flush()
        for line in stdin:
            if line.strip() == "stats":
                counts = dict(sandbox.stats.requests)
                counts["submissions"] = sandbox.stats.submissions
                stdout.write(json.dumps(counts) + "\n")
                stdout.flush()
    lifetime.cancel()


# --- one batch run ------------------------------------------------------------------------------


def make_inputs(folder: Path, count: int) -> None:
    """*count* distinct 3-second two-speaker WAVs (8 kHz, 48 kB each)."""
    from pyannoteai_identify.sandbox import demo_audio

    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        turns = (("Alice", 0.2, 1.0 + 0.0005 * index), ("Bob", 1.6, 2.6))
        (folder / f"call{index:05d}.wav").write_bytes(demo_audio(turns, sample_rate=8000, duration=3.0))


@dataclass(frozen=True)
class Run:
    seconds: float
    served: dict[str, int]
    report: BatchReport
    resume_requests: int


def batch_run(audio: Path, work: Path, *, rate_limit: int, manifest: str | None, resume: bool = False) -> Run:
    """One batch of every file in *audio* against a fresh sandbox; optionally resume it once finished."""
    from pyannoteai_identify.sandbox import voiceprint_for

    voiceprints = {"Alice": voiceprint_for("Alice"), "Bob": voiceprint_for("Bob")}
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    manifest_path = manifest or str(work / "manifest.sqlite")
    with remote_sandbox(rate_limit) as sandbox, Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        started = time.perf_counter()
        report = identify_batch(
            client, [audio], voiceprints, manifest=manifest_path, out=work / "out", poll_interval=0.2
        )
        seconds = time.perf_counter() - started
        served = sandbox.stats()
        if not report.ok:
            raise RuntimeError(f"the benchmark batch did not succeed: {report.counts}")
        resume_requests = 0
        if resume:
            identify_batch(client, [audio], voiceprints, manifest=manifest_path, out=work / "out")
            after = sandbox.stats()
            resume_requests = sum(after.get(k, 0) - served.get(k, 0) for k in after if k != "submissions")
    return Run(seconds, served, report, resume_requests)


def work_requests(served: dict[str, int]) -> int:
    """Uploads (URL + PUT) + submissions + result fetches: the requests the batch cannot do without."""
    return served["getMediaUploadUrl"] + served["upload"] + served["identify"] + served["getJobById"]


def least_seconds(requests: int, per_window: int, window: float = WINDOW) -> float:
    """The least time a sliding-window log of *per_window* requests admits *requests* in."""
    return math.floor((requests - 1) / per_window) * window if requests > 0 else 0.0


def run(quick: bool) -> list[Metric]:
    inputs = QUICK_INPUTS if quick else FULL_INPUTS
    rate_limit = UNLIMITED if quick else FULL_RATE_LIMIT
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        make_inputs(root / "audio", inputs)
        on_disk = batch_run(root / "audio", root / "disk", rate_limit=rate_limit, manifest=None, resume=True)
        in_memory = batch_run(root / "audio", root / "memory", rate_limit=rate_limit, manifest=":memory:")
    served = on_disk.served
    work = work_requests(served)
    total = sum(count for name, count in served.items() if name != "submissions")
    status = on_disk.report.requests.get("status", 0)
    limited_work = served["testKey"] + served["getMediaUploadUrl"] + served["identify"] + served["getJobById"]
    label = f"{inputs} inputs" + ("" if quick else f", {rate_limit}/min")
    metrics = [
        ratio_metric(
            f"batch ({label}): API requests / (uploads + submissions + fetches)",
            total,
            work,
            1.2,
            unit="req",
            note=json.dumps(served, sort_keys=True),
        ),
        ratio_metric(
            f"batch ({label}): status requests / (uploads + submissions + fetches)", status, work, 0.2, unit="req"
        ),
        ratio_metric(
            f"batch ({label}): run time, SQLite manifest / in-memory manifest",
            on_disk.seconds,
            in_memory.seconds,
            1.05 if not quick else 2.0,
            note="quick: no binding rate limit and half-second runs: for context, noisy (0.9-1.6 seen)",
        ),
        Metric(
            f"batch ({label}): requests to resume the finished batch",
            on_disk.resume_requests,
            1,
            on_disk.resume_requests,
            1,
            unit="req",
        ),
    ]
    if not quick:
        bound = least_seconds(limited_work, rate_limit)
        metrics.append(
            ratio_metric(
                f"batch ({label}): run time / least time the rate limit allows",
                on_disk.seconds,
                bound,
                1.1,
                note=f"{limited_work} limited requests of work, {sum(served[k] for k in LIMITED)} limited in all",
            )
        )
    return metrics


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        serve(int(argv[1]), sys.stdin, sys.stdout)
        return 0
    from ._harness import format_table

    print(format_table(run(quick="--quick" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
