"""Client benchmarks: ``get_job`` over loopback HTTP, parsing a 24-hour identify output, a 1 GiB upload.

Each figure is a ratio against a baseline measured in the same run:

* ``get_job`` through the wrapper against a raw ``httpx`` GET + ``json.loads`` of the same body,
  both over one keep-alive connection to a real HTTP server on 127.0.0.1 (run in a child process
  so that its work does not share our GIL); when the wrapper decodes with orjson (its dependency
  on CPython) the succeeded job is measured with it and with the standard library alone;
* ``IdentifyResult.from_dict`` after ``json.loads`` against ``json.loads`` alone, and the memory the
  parsed result keeps once the raw mapping is dropped (tracemalloc) against the size of the JSON;
* ``Client.upload(path)`` against a raw httpx streaming PUT of the same file to the same server,
  each in a fresh child process that reports its peak RSS growth, after one 1 KiB transfer made
  the same way (the first call's one-time imports are not throughput). The server drains the body.

Run ``python -m benchmarks bench_client`` (or ``--quick``); bench_client_async measures ``AsyncClient``
the same way. The child processes are this module:
``python -m benchmarks.bench_client serve`` and ``... upload-case``.
"""

from __future__ import annotations

import functools
import gc
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from pyannoteai_identify import Client, IdentifyResult, _json

from ._harness import Metric, ratio_metric

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
JOB_RUNNING = "6f1c2a9e-0d4b-4c57-9a11-2f0e8c3b7d51"
JOB_SUCCEEDED = "0b8e4f27-93c6-4e0a-b2d5-7a61c9e4f318"
UPLOAD_PATH = "/storage/object"
#: A child process gives up after this long even if nobody tells it to stop.
CHILD_LIFETIME = 900.0
#: Turns per second of audio in the synthetic outputs: 30,000 turns in 24 hours.
TURNS_PER_SECOND = 30_000 / 86_400
SCORE_RESOLUTION = 0.02


# --- synthetic API output -----------------------------------------------------------------------


def identify_output(seconds: float, *, confidence: str | None, seed: int = 0) -> dict[str, Any]:
    """A deterministic identify output for *seconds* of audio, shaped like the API's.

    Four diarized speakers take turns of varying length (times with at most 3 decimals); three
    match a voiceprint and one stays unmatched (``match`` null, ``speaker`` its diarization label).
    *confidence* adds frame scores every 20 ms: ``"int"`` (whole numbers 0–100) or ``"float"``
    (two decimals).
    """
    rng = random.Random(seed)
    matches = ("Alice", "Bob", "Carol", None)
    turns = max(1, round(seconds * TURNS_PER_SECOND))
    slot = seconds / turns
    identification: list[dict[str, Any]] = []
    diarization: list[dict[str, Any]] = []
    for index in range(turns):
        start = round(index * slot + rng.uniform(0.0, 0.2) * slot, 3)
        end = round(start + rng.uniform(0.5, 0.8) * slot, 3)
        number = rng.choice((0, 0, 1, 1, 2, 3))
        label = f"SPEAKER_{number:02d}"
        match = matches[number]
        identification.append(
            {"speaker": match or label, "start": start, "end": end, "diarizationSpeaker": label, "match": match}
        )
        diarization.append({"speaker": label, "start": start, "end": end})
    output: dict[str, Any] = {
        "diarization": diarization,
        "identification": identification,
        "voiceprints": [
            {
                "speaker": f"SPEAKER_{number:02d}",
                "match": matches[number] or "Alice",
                "confidence": {name: rng.randrange(101) for name in ("Alice", "Bob", "Carol")},
            }
            for number in range(4)
        ],
    }
    if confidence is not None:
        frames = round(seconds / SCORE_RESOLUTION)
        if confidence == "int":
            score: list[float] = rng.choices(range(101), k=frames)
        else:
            score = [round(rng.uniform(0.0, 100.0), 2) for _ in range(frames)]
        output["confidence"] = {"score": score, "resolution": SCORE_RESOLUTION}
    return output


def job_json(job_id: str, status: str, output: dict[str, Any] | None = None) -> bytes:
    """A ``GET /v1/jobs/{id}`` body as the API sends it (compact JSON)."""
    body: dict[str, Any] = {
        "jobId": job_id,
        "status": status,
        "createdAt": "2025-03-04T09:15:27.412Z",
        "updatedAt": "2025-03-04T09:16:02.980Z",
    }
    if output is not None:
        body["output"] = output
    return json.dumps(body, separators=(",", ":")).encode()


# --- the loopback server (child process) ----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """GET a job, POST /v1/media/input for a presigned URL on this server, PUT a body that is drained."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the benchmark makes thousands of requests."""

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        body = self.server.jobs.get(self.path.rsplit("/", 1)[-1])
        if body is None:
            self._reply(404, b'{"message":"job not found"}')
        else:
            self._reply(200, body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/media/input":
            self._reply(404, b'{"message":"not found"}')
            return
        port = self.server.server_address[1]
        self._reply(200, json.dumps({"url": f"http://127.0.0.1:{port}{UPLOAD_PATH}?X-Signature=abc"}).encode())

    def do_PUT(self) -> None:
        remaining = int(self.headers.get("Content-Length", "0"))
        buffer = memoryview(bytearray(MIB))
        received = 0
        while remaining > 0:
            count = self.rfile.readinto(buffer[: min(remaining, MIB)])
            if not count:
                break
            remaining -= count
            received += count
        self._reply(200, json.dumps({"received": received}).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    jobs: dict[str, bytes]


def serve(succeeded_seconds: float) -> None:
    """Serve on a free port of 127.0.0.1; print the port; stop when stdin closes or after CHILD_LIFETIME."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.jobs = {
        JOB_RUNNING: job_json(JOB_RUNNING, "running"),
        JOB_SUCCEEDED: job_json(JOB_SUCCEEDED, "succeeded", identify_output(succeeded_seconds, confidence=None)),
    }
    threading.Thread(target=_stop_on_eof_or_timeout, args=(server,), daemon=True).start()
    print(server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()


def _stop_on_eof_or_timeout(server: _Server) -> None:
    deadline = threading.Timer(CHILD_LIFETIME, server.shutdown)
    deadline.daemon = True
    deadline.start()
    sys.stdin.read()
    deadline.cancel()
    server.shutdown()


@contextmanager
def loopback_server(succeeded_seconds: float) -> Iterator[str]:
    """Run :func:`serve` in a child process; yield its base URL; stop it on exit."""
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_client", "serve", str(succeeded_seconds)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().strip()
        if not line.isdigit():
            raise RuntimeError(f"the loopback server did not start (it printed {line!r})")
        yield f"http://127.0.0.1:{line}"
    finally:
        if child.stdin is not None:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=10)
        if child.stdout is not None:
            child.stdout.close()


# --- get_job -----------------------------------------------------------------------------------


def _paired_best(first: Callable[[], object], second: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best time of each of two functions, run alternately so that drift hits both alike."""
    best_first = best_second = math.inf
    for _ in range(repeat):
        for which in (0, 1):
            start = time.perf_counter()
            (first if which == 0 else second)()
            elapsed = time.perf_counter() - start
            if which == 0:
                best_first = min(best_first, elapsed)
            else:
                best_second = min(best_second, elapsed)
    return best_first, best_second


def _paired_median(
    first: Callable[[], object], second: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """The median time of each of two functions, and the median of their per-round ratios.

    The two run alternately, the order swapped every round, so that a round's ratio compares two
    runs made moments apart; the median then ignores the rounds that a burst of load on this shared
    machine spoiled for one side. Measured here: the best of 9 runs of 2,000 calls each gave a
    ``get_job`` ratio anywhere from 1.02 to 1.24 between runs; the median of 100 rounds stays
    within a few hundredths.
    """
    firsts: list[float] = []
    seconds: list[float] = []
    for index in range(rounds):
        order = ((first, firsts), (second, seconds))
        for function, times in order if index % 2 == 0 else reversed(order):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    ratio = statistics.median(mine / theirs for mine, theirs in zip(firsts, seconds, strict=True))
    return statistics.median(firsts), statistics.median(seconds), ratio


def get_job_cases(quick: bool) -> tuple[int, list[tuple[str, str, int, str]]]:
    """The rounds and the cases (job id, label, calls per round, decoder) of the get_job benchmarks,
    sync and async: a running job and a succeeded one, the latter also with the standard library's
    decoder where orjson is installed."""
    cases = [
        (JOB_RUNNING, "running job", 20 if quick else 100, _json.decoder()),
        (JOB_SUCCEEDED, "succeeded job, 1-h output", 2 if quick else 10, _json.decoder()),
    ]
    if _json.decoder() != "json":
        cases.append((JOB_SUCCEEDED, "succeeded job, 1-h output", 2 if quick else 10, "json"))
    return (10 if quick else 100), cases


def bench_get_job(base_url: str, quick: bool) -> list[Metric]:
    """``Client.get_job`` against ``httpx.Client.get`` + ``json.loads``, sequential calls, one keep-alive connection.

    The ratio is the median of rounds run alternately (:func:`_paired_median`); the value and
    baseline columns are each side's median time per call. The wrapper decodes with orjson where it
    is installed (on CPython): the succeeded job is then measured twice, with the decoder installed
    and with the standard library's alone (the path of Pythons orjson does not support).
    """
    rounds, cases = get_job_cases(quick)
    metrics = []
    with Client(base_url=base_url, api_key="k") as client, httpx.Client() as http:
        headers = {"Authorization": "Bearer k"}
        for job_id, label, calls, decoder in cases:
            url = f"{base_url}/v1/jobs/{job_id}"

            def ours(job_id: str = job_id, calls: int = calls) -> None:
                for _ in range(calls):
                    client.get_job(job_id)

            def raw(url: str = url, calls: int = calls) -> None:
                for _ in range(calls):
                    json.loads(http.get(url, headers=headers).content)

            with _decoding_with(decoder):
                ours()
                raw()
                wrapper, baseline, ratio = _paired_median(ours, raw, rounds)
            metrics.append(
                Metric(
                    f"get_job ({label}, {decoder} decoder) / raw httpx GET + json.loads (median of {rounds} rounds)",
                    wrapper / calls,
                    baseline / calls,
                    ratio,
                    1.15,
                )
            )
    return metrics


@contextmanager
def _decoding_with(decoder: str) -> Iterator[None]:
    """Make the wrapper decode with the standard library alone (``"json"``), or leave it as installed."""
    installed = _json._orjson
    if decoder == "json":
        _json._orjson = None
    try:
        yield
    finally:
        _json._orjson = installed


# --- parsing a long output -----------------------------------------------------------------------


def _parse(data: bytes) -> IdentifyResult:
    return IdentifyResult.from_dict(json.loads(data))


def _retained_bytes(data: bytes) -> int:
    """Bytes still allocated by the parsed result after the raw mapping is dropped."""
    gc.collect()
    tracemalloc.start()
    try:
        raw = json.loads(data)
        result = IdentifyResult.from_dict(raw)
        del raw
        gc.collect()
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return retained


def bench_parse(quick: bool) -> list[Metric]:
    """(json.loads + from_dict) / json.loads, and retained memory / JSON size, for int and float scores."""
    seconds, hours = (3600.0, "1 h") if quick else (86_400.0, "24 h")
    repeat = 3 if quick else 5
    metrics = []
    for scores in ("int", "float"):
        data = json.dumps(identify_output(seconds, confidence=scores), separators=(",", ":")).encode()
        loads_only, full = _paired_best(functools.partial(json.loads, data), functools.partial(_parse, data), repeat)
        name = f"{hours} identify output, {scores} scores"
        metrics.append(ratio_metric(f"parse {name}: (loads+from_dict) / loads", full, loads_only, 2.0))
        retained = _retained_bytes(data)
        metrics.append(
            ratio_metric(
                f"parsed {name}: retained memory / JSON size",
                retained / MIB,
                len(data) / MIB,
                2.0,
                unit="MiB",
            )
        )
    return metrics


# --- upload (each case in a child process) ---------------------------------------------------------


class _PeakRSS:
    """The peak resident set size of this process from now on, in bytes.

    On Linux the kernel's high-water mark (VmHWM) is reset and read back, which is exact; elsewhere
    a thread samples the RSS every millisecond. ``getrusage`` is no use here: its maximum carries
    over from the parent process across fork and exec.
    """

    def __init__(self) -> None:
        import psutil  # type: ignore[import-untyped]

        self._process = psutil.Process()
        self._proc = Path("/proc/self/clear_refs").exists()
        if self._proc:
            Path("/proc/self/clear_refs").write_text("5")
        # Read after the reset: the high-water mark starts at this RSS, so the growth is never negative.
        self.start = int(self._process.memory_info().rss)
        self._sampled = self.start
        self._stop = threading.Event()
        if self._proc:
            self._thread = None
        else:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.001):
            self._sampled = max(self._sampled, int(self._process.memory_info().rss))

    def peak(self) -> int:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            return self._sampled
        status = Path("/proc/self/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(MIB):
            yield chunk


def upload_case(mode: str, path: str, base_url: str) -> None:
    """Upload *path* once as *mode*; print seconds, peak RSS growth (bytes) and the server's byte count."""
    size = os.path.getsize(path)
    put_url = f"{base_url}{UPLOAD_PATH}"
    headers = {"Content-Length": str(size)}
    with Client(base_url=base_url, api_key="k", timeout=120) as client, httpx.Client(timeout=120) as http:
        # One small transfer first, the same way, so that the figure is the transfer's throughput and not
        # the first call's one-time work (the client imports its generated modules then: 30-80 ms,
        # up to a quarter of a 1 GiB upload over loopback; bench_import measures import time on its own).
        if mode == "client":
            client.upload(io.BytesIO(b"\0" * 1024))
        else:
            http.put(put_url, content=b"\0" * 1024)
        gc.collect()
        memory = _PeakRSS()
        start = time.perf_counter()
        if mode == "client":
            client.upload(path)
            received = size
        elif mode == "raw-chunks":
            received = http.put(put_url, content=_file_chunks(path), headers=headers).json()["received"]
        elif mode == "raw-file":
            with open(path, "rb") as file:
                received = http.put(put_url, content=file, headers=headers).json()["received"]
        else:
            raise ValueError(f"unknown upload mode {mode!r}")
        seconds = time.perf_counter() - start
        growth = memory.peak() - memory.start
    print(json.dumps({"seconds": seconds, "rss_growth": growth, "received": received}), flush=True)


def _run_upload_case(mode: str, path: Path, base_url: str, module: str = "benchmarks.bench_client") -> dict[str, float]:
    """Run ``python -m MODULE upload-case MODE PATH BASE_URL`` in a fresh child process; its figures."""
    done = subprocess.run(
        [sys.executable, "-m", module, "upload-case", mode, str(path), base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_LIFETIME,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _write_file(path: Path, size: int) -> None:
    block = random.Random(7).randbytes(MIB)
    with open(path, "wb") as file:
        for _ in range(size // MIB):
            file.write(block)


def bench_upload(
    base_url: str,
    quick: bool,
    *,
    module: str = "benchmarks.bench_client",
    client_mode: str = "client",
    raw_modes: tuple[str, ...] = ("raw-chunks", "raw-file"),
    subject: str = "upload",
    raw_name: str = "raw httpx",
) -> list[Metric]:
    """The client's upload of a path against the faster of the raw httpx streaming PUTs; peak RSS growth.

    Each mode is an ``upload-case`` of *module* run in a fresh child process; *client_mode* is the
    wrapper's, *raw_modes* the baselines' (bench_client_async passes its AsyncClient modes).
    """
    # A 1 GiB upload over loopback takes about a third of a second, so one descheduling on a shared
    # machine moves a single figure by a third: each mode runs in several rounds, in a rotating order,
    # and its best round counts.
    size, rounds, label = (32 * MIB, 1, "32 MiB") if quick else (1024 * MIB, 5, "1 GiB")
    modes = (*raw_modes, client_mode)
    best: dict[str, float] = {}
    growth: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        path = Path(folder) / "audio.wav"
        _write_file(path, size)
        for round_number in range(rounds):
            shift = round_number % len(modes)
            for mode in modes[shift:] + modes[:shift]:
                outcome = _run_upload_case(mode, path, base_url, module)
                if mode != client_mode and outcome["received"] != size:
                    raise RuntimeError(f"{mode}: the server received {outcome['received']} of {size} bytes")
                best[mode] = min(best.get(mode, math.inf), outcome["seconds"])
                growth[mode] = max(growth.get(mode, 0.0), outcome["rss_growth"] / MIB)
    raw_mode = min(raw_modes, key=lambda mode: best[mode])
    ours_rate, raw_rate = size / MIB / best[client_mode], size / MIB / best[raw_mode]
    return [
        ratio_metric(
            f"{subject} {label}: throughput / {raw_name} streaming PUT ({raw_mode})",
            ours_rate,
            raw_rate,
            0.8,
            higher_is_better=True,
            unit="MiB/s",
        ),
        Metric(
            f"{subject} {label}: peak RSS growth in MiB (baseline: {raw_name})",
            growth[client_mode],
            growth[raw_mode],
            growth[client_mode],
            64.0,
            unit="MiB",
            zero_ok=True,
        ),
    ]


def run(quick: bool) -> list[Metric]:
    """All client benchmarks; *quick* uses a 1-hour output, a 32 MiB upload and fewer calls."""
    with loopback_server(3600.0) as base_url:
        metrics = bench_get_job(base_url, quick)
        metrics += bench_parse(quick)
        metrics += bench_upload(base_url, quick)
    return metrics


def main(argv: list[str]) -> None:
    """Entry point of the child processes: ``serve SECONDS`` or ``upload-case MODE PATH BASE_URL``."""
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(float(argv[1]))
    elif argv[:1] == ["upload-case"] and len(argv) == 4:
        upload_case(*argv[1:])
    else:
        raise SystemExit("usage: python -m benchmarks.bench_client serve SECONDS | upload-case MODE PATH BASE_URL")


if __name__ == "__main__":
    main(sys.argv[1:])
