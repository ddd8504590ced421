"""When to poll a job: a pure schedule that starts fast and backs off with the job's age.

The gap between two polls is a fixed fraction of the time already waited (10 % by default, never
less than *initial* and never more than *maximum*), so a finished job is noticed within about a
tenth of its duration while a long job costs few requests. Jitter only shortens a gap, so it never
breaks that bound, and it keeps many clients from polling in lockstep. The server can always slow
us down: ``Retry-After`` and an exhausted ``X-RateLimit-Remaining`` stretch the next gap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ._retry import is_seconds, parse_retry_after, require


@dataclass(frozen=True)
class PollSchedule:
    """Gaps between polls as a function of the time already waited.

    Attributes:
        initial: the shortest gap, in seconds (also the first one).
        fraction: the gap as a fraction of the time waited so far.
        maximum: the longest gap.
        jitter: the largest share a gap may be shortened by at random.
    """

    initial: float = 2.0
    fraction: float = 0.1
    maximum: float = 300.0
    jitter: float = 0.1
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A zero first gap would poll in a tight loop; a jitter of 1 could make any gap zero.
        require(self, "initial", is_seconds(self.initial) and 0 < self.initial < math.inf, "must be finite seconds > 0")
        require(self, "fraction", is_seconds(self.fraction) and math.isfinite(self.fraction), "must be finite and ≥ 0")
        require(self, "maximum", is_seconds(self.maximum) and self.maximum >= self.initial, "must be seconds ≥ initial")
        require(self, "jitter", is_seconds(self.jitter) and self.jitter < 1, "must be from 0 up to (not including) 1")

    def gap(self, waited: float) -> float:
        """Seconds until the next poll, after *waited* seconds of waiting."""
        base = min(self.maximum, max(self.initial, self.fraction * waited))
        return base * (1.0 - self.jitter * self.random())


def rate_limit_gap(headers: Mapping[str, str], now: float) -> float | None:
    """The wait the server imposes, if any: ``Retry-After``, or until ``X-RateLimit-Reset`` when none remain."""
    retry_after = parse_retry_after(headers, now)
    if retry_after is not None:
        return retry_after
    if not quota_exhausted(headers):
        return None
    reset = headers.get("x-ratelimit-reset")
    try:
        reset_at = float(reset) if reset is not None else None
    except ValueError:
        reset_at = None
    if reset_at is None:
        return 60.0 / max(1.0, rate_limit(headers, default=100.0))
    # The docs say epoch seconds; a small number is read as "seconds from now" for safety.
    return max(0.0, reset_at - now) if reset_at > 1e9 else max(0.0, reset_at)


def quota_exhausted(headers: Mapping[str, str]) -> bool:
    """Whether ``X-RateLimit-Remaining`` says no request is left in the window."""
    remaining = headers.get("x-ratelimit-remaining")
    return remaining is not None and remaining.strip() in ("0", "0.0")


def rate_limit(headers: Mapping[str, str], default: float) -> float:
    """``X-RateLimit-Limit`` as a number, or *default* when it is missing or not a number."""
    try:
        return float(headers.get("x-ratelimit-limit", default))
    except ValueError:
        return default
