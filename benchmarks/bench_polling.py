"""Polling benchmark: how late ``Client.wait`` notices a finished job, and how many requests it makes.

The real ``Client.wait`` runs on a simulated clock: its sleep advances the clock, and an httpx
``MockTransport`` answers ``running`` until the job's duration has passed, then ``succeeded``.
For each job duration the worst case over several jitter seeds is kept. Targets (issue 4):

* detection delay ≤ max(2 s, 10 % of the job's duration), as the ratio delay / that bound (≤ 1);
* for jobs of 10 minutes or more, at most a fifth of the requests fixed 10-second polling makes,
  as the ratio of request counts (≤ 0.2), with fixed polling run through the same ``wait``.

The two cannot both hold for every duration when the schedule does not know the duration in
advance. A job that ends just after poll *k* (at time p_k) is seen at poll *k* + 1, so the delay
bound for every duration forces p_{k+1} - p_k ≤ max(2, 0.1·p_k): 2-second steps up to 20 s, then
growth by at most 1.1 per poll. Reaching T takes at least ``minimum_polls(T)`` requests: 47 for
10 minutes, where fixed 10-second polling makes 61 and the target allows 12.2.
:func:`tradeoff` measures the shipped schedule, two others, and the shipped one's fallback polls
with a webhook broker whose delivery never comes; ``python -m benchmarks.bench_polling`` prints it.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable

import httpx

from pyannoteai_identify import Client, PollSchedule
from pyannoteai_identify.receiver import WebhookBroker

from ._harness import Metric, format_table, ratio_metric

JOB_ID = "3c7d9a10-5b2e-4f8a-9e61-0d4f2b8c7a95"
FULL_DURATIONS = (10.0, 60.0, 600.0, 3600.0, 86_400.0)
QUICK_DURATIONS = (10.0, 600.0, 3600.0)
FIXED_10_S = PollSchedule(initial=10.0, fraction=0.0, maximum=10.0, jitter=0.0)
#: Other schedules for the trade-off table; neither is shipped. Less jitter keeps the delay bound
#: and saves a few requests; doubling the time waited at each poll is what 12 requests for a
#: 10-minute job take, and it lets the delay reach the whole time waited.
ALTERNATIVES = {
    "jitter=0.1": PollSchedule(jitter=0.1),
    "fraction=1.0": PollSchedule(fraction=1.0),
}
_BODY_RUNNING = {"jobId": JOB_ID, "status": "running"}
_BODY_SUCCEEDED = {"jobId": JOB_ID, "status": "succeeded", "output": {"identification": [], "voiceprints": []}}


def delay_bound(duration: float) -> float:
    """The largest acceptable detection delay for a job of *duration* seconds."""
    return max(2.0, 0.1 * duration)


def minimum_polls(duration: float) -> int:
    """The fewest requests any schedule meeting the delay bound for every duration makes for a job of *duration*.

    The first request is at 0; gaps are at most 2 s until 20 s, then at most 10 % of the time
    waited, so the k-th poll after 20 s is at most at 20·1.1^k; one more poll lands at or after T.
    """
    if duration <= 20.0:
        return 1 + math.ceil(duration / 2.0)
    return 1 + 10 + math.ceil(math.log(duration / 20.0) / math.log(1.1))


def simulate(schedule: PollSchedule, duration: float, broker: bool = False) -> tuple[int, float]:
    """Run ``Client.wait`` on a job that succeeds after *duration* s; return (requests, detection delay).

    With *broker*, the wait is given a webhook broker to which no delivery ever comes: the polls
    are then the fallback, further apart (with a delivery, the wait ends when it arrives).
    """
    now = 0.0
    requests = 0

    def clock() -> float:
        return now

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal requests
        requests += 1
        return httpx.Response(200, json=_BODY_SUCCEEDED if now >= duration else _BODY_RUNNING)

    with Client(
        api_key="k",
        base_url="http://127.0.0.1:9",
        transport=httpx.MockTransport(answer),
        poll_schedule=schedule,
        clock=clock,
        sleep=sleep,
    ) as client:
        client.wait(JOB_ID, kind="identify", timeout=2 * duration + 3600.0, broker=WebhookBroker() if broker else None)
    return requests, now - duration


def _seeded(schedule: PollSchedule, seed: int) -> PollSchedule:
    return PollSchedule(
        initial=schedule.initial,
        fraction=schedule.fraction,
        maximum=schedule.maximum,
        jitter=schedule.jitter,
        random=random.Random(seed).random,
    )


def worst_case(schedule: PollSchedule, duration: float, seeds: int, broker: bool = False) -> tuple[int, float]:
    """The most requests and the longest delay over *seeds* jitter sequences."""
    outcomes = [simulate(_seeded(schedule, seed), duration, broker) for seed in range(seeds)]
    return max(count for count, _ in outcomes), max(delay for _, delay in outcomes)


def _label(duration: float) -> str:
    for unit, seconds in (("h", 3600.0), ("min", 60.0)):
        if duration >= seconds:
            return f"{duration / seconds:g} {unit}"
    return f"{duration:g} s"


def measure(
    schedule: PollSchedule,
    name: str,
    durations: tuple[float, ...],
    seeds: int,
    fixed: Callable[[float], int],
    broker: bool = False,
) -> list[Metric]:
    """Delay rows for every duration and request-count rows for durations of 10 minutes or more."""
    metrics = []
    for duration in durations:
        count, delay = worst_case(schedule, duration, seeds, broker)
        bound = delay_bound(duration)
        job = f"poll {name}, {_label(duration)} job"
        metrics.append(ratio_metric(f"{job}: worst delay / max(2 s, 10 %)", delay, bound, 1.0))
        if duration >= 600.0:
            baseline = fixed(duration)
            metrics.append(
                ratio_metric(
                    f"{job}: requests / fixed 10 s (fewest possible: {minimum_polls(duration)})",
                    count,
                    baseline,
                    0.2,
                    unit="req",
                )
            )
    return metrics


def _fixed_counts() -> Callable[[float], int]:
    cache: dict[float, int] = {}

    def count(duration: float) -> int:
        if duration not in cache:
            cache[duration] = simulate(FIXED_10_S, duration)[0]
        return cache[duration]

    return count


def run(quick: bool) -> list[Metric]:
    """The shipped ``PollSchedule()`` against the targets; *quick* runs fewer durations and seeds."""
    durations, seeds = (QUICK_DURATIONS, 3) if quick else (FULL_DURATIONS, 20)
    return measure(PollSchedule(), "default", durations, seeds, _fixed_counts())


def tradeoff(seeds: int = 20) -> list[Metric]:
    """The default schedule and the alternatives, every duration: what fewer requests cost in delay."""
    fixed = _fixed_counts()
    metrics = measure(PollSchedule(), "default", FULL_DURATIONS, seeds, fixed)
    for name, schedule in ALTERNATIVES.items():
        metrics += measure(schedule, name, FULL_DURATIONS, seeds, fixed)
    # With a webhook broker the delivery ends the wait; these are the fallback polls when it never comes.
    metrics += measure(PollSchedule(), "broker, no delivery", FULL_DURATIONS, seeds, fixed, broker=True)
    return metrics


if __name__ == "__main__":
    print(format_table(tradeoff()))
    print("\nfewest requests under the delay bound for every duration (vs fixed 10 s):")
    for duration in FULL_DURATIONS:
        print(f"  {_label(duration):>6}: {minimum_polls(duration):4d} vs {math.floor(duration / 10) + 1}")
    sys.exit(0)
