"""Load benchmark: one ``AsyncClient`` waits on 200 concurrent jobs against the sandbox's rate limit.

The sandbox serves the API over loopback HTTP with its documented limit of 100 requests per
sliding minute. Minutes of simulated waiting would take minutes of real time, so time is
**virtual**: the sandbox's clock, the client's clock and the client's sleep all read one
:class:`VirtualTime`, which jumps to the earliest wake-up as soon as every waiting task is asleep
(the classic discrete-event simulation). Rate-limit windows, ``Retry-After``, job durations and
the polling schedule are therefore all in the same simulated seconds: 100 requests per simulated
minute, exactly. HTTP still travels over a real socket; only sleeping is skipped. (``speed`` is
not used: it compresses job timing but not the rate-limit window, which would need the limit
scaled by hand.)

The jobs (a real identify outcome of the demo conversation, 5 simulated minutes each) are
created server-side at simulated time 0, so that every wait starts together: the worst case for a
rate limit. The metrics, with requests counted by the server:

* every request the waits made (``getJobById``, refused 429s included) against naive fixed
  10-second polling of the same jobs, ``jobs × (⌈D / 10⌉ + 1)``, a figure computed without any
  429 (naive polling at 12 times the limit would add thousands): target ≤ 1;
* waits that returned the right output, against the number of jobs: a ``RateLimitError`` escaping
  a wait, or a wrong result, lowers it (target ≥ 1);
* the simulated time until the last job was seen finished, against the least possible under the
  limit (the job duration, plus a minute per further batch of 100 final polls): this module's own
  target, ≤ 1.5;
* the real wall time of the run against the simulated time it covers (≤ 1: the simulation must
  run faster than real time; it shows how long the run took).

The split of requests into allowed and refused is printed to stderr. ``python -m benchmarks
bench_load`` runs this module alone.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any, TypeVar

from pyannoteai_identify import AsyncClient, IdentifyResult, RateLimitError
from pyannoteai_identify._background_server import BackgroundServer
from pyannoteai_identify.sandbox import Clock, Sandbox, demo_audio, voiceprint_for
from pyannoteai_identify.sandbox._jobs import Outcome, identify_outcome

from ._harness import Metric, ratio_metric

T = TypeVar("T")

FULL_JOBS = 200
QUICK_JOBS = 20
RATE_LIMIT = 100  # requests per minute, as documented by the API
NAIVE_INTERVAL = 10.0
#: Simulated seconds a job stays queued, then running (5 minutes in all).
QUEUE_SECONDS = 5.0
JOB_SECONDS = 295.0
#: The simulated epoch the wall clock starts from (its value only shows in X-RateLimit-Reset).
EPOCH = 1_800_000_000.0
#: Real seconds any run may last before it is abandoned.
REAL_TIME_LIMIT = 300.0
#: How much later than the least possible time the last job may be seen finished (this module's
#: own target: the schedule may stretch a gap to 10 % of the time waited, plus back-pressure).
LATENESS_LIMIT = 1.5


class VirtualTime:
    """Simulated seconds shared by concurrent tasks: asleep together, they wake at the next deadline.

    A task runs inside :meth:`run`; it sleeps with :meth:`sleep`. Whenever every running task is
    asleep, the clock jumps to the earliest wake-up and wakes every task due by then. Real work
    (HTTP on a socket, parsing) takes no simulated time. Use on one asyncio event loop.
    """

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._queue: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._running = 0
        self.jumps = 0

    def clock(self) -> float:
        """The simulated time, in seconds."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Sleep *seconds* of simulated time."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (self.now + max(0.0, seconds), next(self._order), future))
        self._advance_if_idle()
        try:
            await future
        except asyncio.CancelledError:
            self._queue = [entry for entry in self._queue if entry[2] is not future]
            heapq.heapify(self._queue)
            raise

    def run(self, work: Awaitable[T]) -> Awaitable[T]:
        """*work* as one of the tasks the clock waits for, counted from now (before it starts)."""
        self._running += 1

        async def tracked() -> T:
            try:
                return await work
            finally:
                self._running -= 1
                self._advance_if_idle()

        return tracked()

    def _advance_if_idle(self) -> None:
        if not self._queue or len(self._queue) < self._running:
            return
        due = self._queue[0][0]
        if due > self.now:
            self.now = due
            self.jumps += 1
        while self._queue and self._queue[0][0] <= self.now:
            _, _, future = heapq.heappop(self._queue)
            if not future.done():
                future.set_result(None)


class StatusCounter:
    """ASGI middleware that counts the status of every response the wrapped app starts."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.statuses: Counter[int] = Counter()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.statuses[message["status"]] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


@dataclass(frozen=True)
class LoadReport:
    """What one run saw: requests counted by the sandbox, times, and how the waits ended."""

    jobs: int
    job_seconds: float
    rate_limit: int
    requests: int
    refused: int
    naive_requests: int
    simulated_seconds: float
    least_simulated_seconds: float
    wall_seconds: float
    correct: int
    rate_limit_errors: int

    @property
    def allowed(self) -> int:
        """Requests the rate limit let through."""
        return self.requests - self.refused


def naive_requests(jobs: int, job_seconds: float, interval: float = NAIVE_INTERVAL) -> int:
    """Requests of fixed-interval polling that sees each job finish: polls at 0, interval, … up to the first ≥ D."""
    return jobs * (math.ceil(job_seconds / interval - 1e-9) + 1)


def least_seconds(jobs: int, rate_limit: int, job_seconds: float) -> float:
    """The earliest time every job can be seen finished: each needs a poll after it ends, and a sliding
    minute holds at most *rate_limit* of them (the first batch can go at once)."""
    return job_seconds + 60.0 * (math.ceil(jobs / rate_limit) - 1)


def _outcome() -> Outcome:
    """A real identify outcome of the demo conversation, computed once and shared by every job."""
    request = {"voiceprints": [{"label": name, "voiceprint": voiceprint_for(name)} for name in ("Alice", "Bob")]}
    return identify_outcome(demo_audio(), request)


async def _load(
    jobs: int, rate_limit: int, queue_seconds: float, job_seconds: float, wrap: Callable[[Any], Any] | None
) -> LoadReport:
    vt = VirtualTime()
    clock = Clock(monotonic=vt.clock, wall=lambda: EPOCH + vt.now)
    outcome = _outcome()
    reference = IdentifyResult.from_dict(outcome.output).to_dict()
    started = time.perf_counter()
    sandbox = Sandbox(rate_limit=rate_limit, queue_seconds=queue_seconds, job_seconds=job_seconds, clock=clock)
    counter = StatusCounter(sandbox.app if wrap is None else wrap(sandbox.app))
    with BackgroundServer(counter, name="bench-load-sandbox") as server, closing(sandbox):
        assert server.base_url is not None
        ids = [sandbox.state.create_job("identify", outcome).id for _ in range(jobs)]
        async with AsyncClient(
            sandbox.api_key, base_url=server.base_url, clock=vt.clock, sleep=vt.sleep, timeout=30.0
        ) as client:

            async def wait_one(job_id: str) -> Any:
                try:
                    return await client.wait(job_id, kind="identify", timeout=86_400.0)
                except RateLimitError as error:  # counted, and it lowers the "right output" metric
                    return error

            outcomes = await asyncio.wait_for(
                asyncio.gather(*(vt.run(wait_one(job_id)) for job_id in ids)), REAL_TIME_LIMIT
            )
        requests = sandbox.stats.requests["getJobById"]
    wall = time.perf_counter() - started
    return LoadReport(
        jobs=jobs,
        job_seconds=queue_seconds + job_seconds,
        rate_limit=rate_limit,
        requests=requests,
        refused=counter.statuses[429],
        naive_requests=naive_requests(jobs, queue_seconds + job_seconds),
        simulated_seconds=vt.now,
        least_simulated_seconds=least_seconds(jobs, rate_limit, queue_seconds + job_seconds),
        wall_seconds=wall,
        correct=sum(isinstance(o, IdentifyResult) and o.to_dict() == reference for o in outcomes),
        rate_limit_errors=sum(isinstance(o, RateLimitError) for o in outcomes),
    )


def simulate(
    jobs: int,
    *,
    rate_limit: int = RATE_LIMIT,
    queue_seconds: float = QUEUE_SECONDS,
    job_seconds: float = JOB_SECONDS,
    wrap: Callable[[Any], Any] | None = None,
) -> LoadReport:
    """Run one load simulation in a fresh event loop and sandbox.

    *wrap*, given the sandbox's ASGI app, returns the app to serve instead (tests use it to
    reorder or hold back responses).
    """
    return asyncio.run(_load(jobs, rate_limit, queue_seconds, job_seconds, wrap))


def run(quick: bool) -> list[Metric]:
    """200 waits at 100 requests per minute (quick: 20 at 10 per minute, the same pressure)."""
    jobs, limit = (QUICK_JOBS, RATE_LIMIT // 10) if quick else (FULL_JOBS, RATE_LIMIT)
    report = simulate(jobs, rate_limit=limit)
    print(
        f"bench_load: {report.jobs} jobs of {report.job_seconds:g} s at {report.rate_limit}/min: "
        f"{report.requests} requests ({report.allowed} allowed, {report.refused} refused with 429), "
        f"naive 10 s polling {report.naive_requests}; last job seen at {report.simulated_seconds:.0f} s "
        f"(least {report.least_simulated_seconds:.0f} s); {report.wall_seconds:.1f} s of real time",
        file=sys.stderr,
    )
    prefix = f"load: {report.jobs} waits at {report.rate_limit}/min"
    return [
        ratio_metric(
            f"{prefix}, requests (429s included) vs naive 10 s polling",
            report.requests,
            report.naive_requests,
            1.0,
            unit="req",
        ),
        ratio_metric(
            f"{prefix}, waits returning the right output (no RateLimitError escaped)",
            report.correct,
            report.jobs,
            1.0,
            higher_is_better=True,
            unit="waits",
        ),
        ratio_metric(
            f"{prefix}, simulated time to see every job end vs the least possible",
            report.simulated_seconds,
            report.least_simulated_seconds,
            LATENESS_LIMIT,
        ),
        ratio_metric(
            f"{prefix}, real wall time vs the simulated time it covers",
            report.wall_seconds,
            report.simulated_seconds,
            1.0,
        ),
    ]


if __name__ == "__main__":
    for metric in run(quick="--quick" in sys.argv):
        print(metric)
