"""When to poll a job: a pure schedule that starts fast and backs off with the job's age.

The gap between two polls is a fixed fraction of the job's age (10 % by default, never less than
*initial* and never more than *maximum*), so a finished job is noticed within about a tenth of its
duration while a long job costs few requests. The age counts from the job's creation when the
server's answers tell it (:func:`job_age`), else from the start of the wait. Jitter only shortens a gap, so it never
breaks that bound, and it keeps many clients from polling in lockstep. The server can always slow
us down: ``Retry-After`` and an exhausted ``X-RateLimit-Remaining`` stretch the next gap.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime

from ._numbers import real
from ._rate_limit_info import RateLimitHeaders
from ._retry import AT_MOST_A_DAY, as_floats, is_gap, is_seconds, parse_retry_after, require
from ._validation import DEFAULT_RATE_LIMIT


@dataclass(frozen=True)
class PollSchedule:
    """Gaps between polls as a function of the job's age (the time waited when it is unknown).

    Attributes:
        initial: the shortest gap, in seconds (also the first one).
        fraction: the gap as a fraction of the job's age (or of the time waited).
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
        as_floats(self, "initial", "fraction", "maximum", "jitter")
        require(self, "initial", is_gap(self.initial) and self.initial > 0, f"must be seconds > 0, {AT_MOST_A_DAY}")
        require(self, "fraction", is_seconds(self.fraction) and math.isfinite(self.fraction), "must be finite and ≥ 0")
        fits = is_gap(self.maximum) and self.maximum >= self.initial
        require(self, "maximum", fits, f"must be ≥ initial, {AT_MOST_A_DAY}")
        require(self, "jitter", is_seconds(self.jitter) and self.jitter < 1, "must be from 0 up to (not including) 1")

    @classmethod
    def starting_at(cls, initial: float) -> PollSchedule:
        """The default schedule with a first gap of *initial* seconds (a command's ``--poll-interval``).

        A first gap past the default longest one is the caller's wish to poll that rarely: it is
        the longest gap too, instead of a refusal.
        """
        seconds = real(initial)
        return cls(initial=initial, maximum=seconds if seconds is not None and seconds > cls.maximum else cls.maximum)

    def gap(self, waited: float) -> float:
        """Seconds until the next poll of a job *waited* seconds old."""
        base = min(self.maximum, max(self.initial, self.fraction * waited))
        return base * (1.0 - self.jitter * self.random())


#: With a webhook broker, the delivery ends a wait and polls only catch one that never comes (a
#: receiver that is down, a webhook URL the API cannot reach): they are this many times further
#: apart. The API itself retries a failed delivery after 1 and 5 minutes.
WEBHOOK_POLL_FACTOR = 4.0

#: A job age past this is not believed (a fake server's fixed timestamp, a clock set wrong): no job
#: runs longer than its 24-hour audio, and the API deletes a job 24 hours after it ends.
MAX_BELIEVED_AGE = 48 * 3600.0
#: A ``Date`` header further than this from our clock is not believed (a proxy's or CDN's clock).
MAX_DATE_SKEW = 60.0


def job_age(headers: Mapping[str, str], created_at: datetime | None, now: float) -> float | None:
    """Seconds since the job was created, by the server's clock: its ``Date`` header against the
    job's ``createdAt``. None when either is missing, when the ``Date`` is more than
    :data:`MAX_DATE_SKEW` from *now* (our epoch seconds: a proxy or CDN may set a ``Date`` of its
    own, whose clock the job's ``createdAt`` never saw), or when the age cannot be true (negative,
    or over :data:`MAX_BELIEVED_AGE`). Whatever is not believed leaves the wait on its own count,
    from its start: slower to catch up on an old job, never late on a new one.

    A wait on a job created earlier (resumed after ``WaitTimeoutError``, attached after a restart)
    then polls at the pace of the job's age instead of starting over at the shortest gap.
    """
    date = headers.get("date")
    if created_at is None or created_at.tzinfo is None or date is None:
        return None
    try:
        served = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if served.tzinfo is None or abs(served.timestamp() - now) > MAX_DATE_SKEW:  # "-0000": time unknown
        return None
    age = (served - created_at).total_seconds()
    return age if 0 <= age <= MAX_BELIEVED_AGE else None


def rate_limit_gap(headers: Mapping[str, str], now: float, sent: RateLimitHeaders | None = None) -> float | None:
    """The wait the server imposes, if any: ``Retry-After``, or until ``X-RateLimit-Reset`` when none
    remain. *sent*: the rate-limit headers of *headers*, when the caller has read them already."""
    retry_after = parse_retry_after(headers, now)
    if retry_after is not None:
        return retry_after
    sent = RateLimitHeaders.of(headers) if sent is None else sent
    if not exhausted(sent.remaining):
        return None
    try:
        reset_at = float(sent.reset) if sent.reset is not None else None
    except ValueError:
        reset_at = None
    if reset_at is None:
        return 60.0 / max(1.0, limit_of(sent.limit, default=DEFAULT_RATE_LIMIT))
    # The docs say epoch seconds; a small number is read as "seconds from now" for safety.
    return max(0.0, reset_at - now) if reset_at > 1e9 else max(0.0, reset_at)


def exhausted(remaining: str | None) -> bool:
    """Whether an ``X-RateLimit-Remaining`` of *remaining* (None: not sent) says no request is left in
    the window (0, or below: over the limit)."""
    if remaining is None:
        return False
    try:
        return float(remaining) <= 0
    except ValueError:
        return False


def limit_of(limit: str | None, default: float) -> float:
    """An ``X-RateLimit-Limit`` of *limit* as a number, or *default* when it is None or not a number."""
    if limit is None:
        return default
    try:
        return float(limit)
    except ValueError:
        return default
