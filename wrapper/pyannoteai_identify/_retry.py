"""Retry policy for safe reads: which outcomes to retry, and how long to wait (pure, no I/O).

Only idempotent methods are retried. A POST that creates a job is never retried: the API has no
idempotency key, so a retry after a lost response could create, and bill, a second job.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from ._numbers import real
from .errors import ConfigurationError

RETRYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` in seconds or as an HTTP date, or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        try:
            seconds = email.utils.mktime_tz(parsed) - (time.time() if now is None else now)
        except (ValueError, OverflowError):  # a year the platform cannot represent
            return None
    if not math.isfinite(seconds):  # NaN, or infinity ("inf", "1e400"): no wait anyone can follow
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter, overridden by the server's ``Retry-After``.

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        initial: the backoff ceiling of the first retry, in seconds.
        maximum: the cap on any computed backoff.
        retry_after_cap: the longest ``Retry-After`` honoured; a longer one gives up instead.
    """

    max_retries: int = 3
    initial: float = 0.5
    maximum: float = 8.0
    retry_after_cap: float = 120.0
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        as_floats(self, "initial", "maximum", "retry_after_cap")
        require(self, "max_retries", is_count(self.max_retries), "must be a whole number ≥ 0")
        require(self, "initial", is_gap(self.initial), f"must be seconds ≥ 0, {AT_MOST_A_DAY}")
        require(self, "maximum", is_gap(self.maximum), f"must be seconds ≥ 0, {AT_MOST_A_DAY}")
        require(self, "retry_after_cap", is_gap(self.retry_after_cap), f"must be seconds ≥ 0, {AT_MOST_A_DAY}")

    def is_retryable_method(self, method: str) -> bool:
        return method.upper() in RETRYABLE_METHODS

    def should_retry(self, method: str, attempt: int, *, status: int | None = None, error: bool = False) -> bool:
        """Whether attempt number *attempt* (0-based) may be followed by another one."""
        if attempt >= self.max_retries or not self.is_retryable_method(method):
            return False
        return error or status in RETRYABLE_STATUSES

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None, now: float | None = None) -> float | None:
        """Seconds to wait before retry number *attempt* + 1; None when the server asks for too long.

        *now* is the Unix time a ``Retry-After`` HTTP date is read against (default: ``time.time()``).
        """
        if headers is not None:
            retry_after = parse_retry_after(headers, now)
            if retry_after is not None:
                return retry_after if retry_after <= self.retry_after_cap else None
        # 2.0 ** attempt overflows past attempt 1023; the cap is reached long before 64.
        ceiling = min(self.maximum, self.initial * 2.0 ** min(attempt, 64))
        return ceiling * self.random()


#: The longest gap a policy may give, in seconds: one day. Far longer ones overflow the operating
#: system's timers (``time.sleep(1e10)`` raises OverflowError), and no retry or poll needs more.
MAX_GAP = 86_400.0
#: The rule a gap breaks past MAX_GAP, as messages state it.
AT_MOST_A_DAY = "at most 86400 s (one day)"


def is_gap(value: object) -> bool:
    """A number of seconds from 0 to MAX_GAP (not NaN, not a bool)."""
    return is_seconds(value) and value <= MAX_GAP  # type: ignore[operator]


def is_count(value: object) -> bool:
    """A whole number ≥ 0 (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_seconds(value: object) -> bool:
    """A number of seconds ≥ 0, not NaN (not a bool); infinity passes."""
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def as_floats(policy: object, *names: str) -> None:
    """Each field *names* of a frozen policy that is a real number (:func:`._numbers.real`:
    ``numpy.int64``, ``Fraction``, ``Decimal``) as a plain float; any other value is left for
    :func:`require` to refuse, as it was given."""
    for name in names:
        seconds = real(getattr(policy, name))
        # A negative, NaN or infinite one is left as given, so that its refusal names it (-1, not
        # -1.0; 10**400, not inf; Decimal('-2'), not -2.0).
        if seconds is not None and math.isfinite(seconds) and seconds >= 0:
            object.__setattr__(policy, name, seconds)


def require(policy: object, name: str, holds: bool, rule: str) -> None:
    """Refuse a policy field that breaks *rule*, naming the policy, the field and its value."""
    if not holds:
        raise ConfigurationError(f"{type(policy).__name__}({name}={getattr(policy, name)!r}): {rule}")


_TIMEOUT_KINDS: dict[type[httpx.RequestError], str] = {
    httpx.ConnectTimeout: "connect",
    httpx.ReadTimeout: "read",
    httpx.WriteTimeout: "write",
    httpx.PoolTimeout: "pool",
}


def describe(error: httpx.RequestError) -> str:
    """A short human description of a transport (or body decoding) error; a timeout says which limit ran out."""
    name, text = type(error).__name__, str(error)
    kind = _TIMEOUT_KINDS.get(type(error))  # exact types: a subclass (a body budget) says its own limit
    if kind is not None:
        try:
            seconds = error.request.extensions["timeout"][kind]
        except (RuntimeError, KeyError, TypeError):  # no request attached, or no such limit
            seconds = None
        if seconds is not None:
            text = f"{text or 'timed out'} (the {kind} timeout is {seconds:g} s)"
    return f"{name}: {text}" if text else name
