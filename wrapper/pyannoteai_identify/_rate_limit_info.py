"""``RateLimit``: the API's rate-limit headers of an answer; ``RateLimitHeaders``, those headers as sent,
looked up once per answer for both ``client.rate_limit`` and the throttle; and ``RateLimitSeen``, which
keeps those of the latest answer that carried any for ``client.rate_limit``."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import httpx

from ._validation import ascii_int

__all__ = ["RateLimit", "RateLimitHeaders", "RateLimitSeen"]

#: The rate-limit headers' names as httpx keeps them (lowercased bytes), in the order of :class:`RateLimitHeaders`.
_NAMES = (b"x-ratelimit-limit", b"x-ratelimit-remaining", b"x-ratelimit-reset")

# As the SDK reads numbers from headers: ASCII digits only (str.isdigit and int() take any script's).
_SECONDS = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The API's rate-limit headers of an answer (api-reference §8), which carried at least one of the
    three; a field is None when its header was missing, not a number in ASCII digits, or more digits
    than ``int()`` reads.

    Attributes:
        limit: ``X-RateLimit-Limit``, the requests allowed per minute.
        remaining: ``X-RateLimit-Remaining``, the requests left in the window (0 or below: none).
        reset: ``X-RateLimit-Reset`` as sent, usually only on a refusal: the docs say the Unix time
            the window resets at; a third-party source says the seconds until then (the client's own
            back-off reads a number under 10⁹ as seconds from now).
    """

    limit: int | None
    remaining: int | None
    reset: float | None


def _number(value: str | None, pattern: re.Pattern[str]) -> str | None:
    return value if value is not None and pattern.fullmatch(value.strip()) else None


class RateLimitHeaders(NamedTuple):
    """The ``X-RateLimit-*`` headers of one answer as sent (None: missing), looked up once (httpx scans
    every header for each look-up, a few µs of every request) for both ``client.rate_limit``
    (:meth:`parsed`) and the client's throttle, which reads them as numbers of its own."""

    limit: str | None
    remaining: str | None
    reset: str | None

    @classmethod
    def of(cls, headers: Mapping[str, str]) -> RateLimitHeaders:
        """The rate-limit headers of *headers*: of ``httpx.Headers``, read in one pass over them
        (each ``get`` scans them all, and one that finds nothing raises and catches a KeyError)."""
        if isinstance(headers, httpx.Headers):
            return cls._of_httpx(headers)
        return cls(
            headers.get("x-ratelimit-limit"), headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
        )

    @classmethod
    def _of_httpx(cls, headers: httpx.Headers) -> RateLimitHeaders:
        """What ``headers.get`` gives for each name: the values of a repeated header joined by ", ",
        decoded as httpx decodes them."""
        found: dict[bytes, list[bytes]] = {}
        for name, value in headers.raw:
            lowered = name.lower()
            if lowered in _NAMES:
                found.setdefault(lowered, []).append(value)
        if not found:
            return _NONE_SENT
        encoding = headers.encoding
        limit, remaining, reset = (
            ", ".join(value.decode(encoding) for value in found[name]) if name in found else None for name in _NAMES
        )
        return cls(limit, remaining, reset)

    def parsed(self) -> RateLimit | None:
        """These headers as a :class:`RateLimit`, or None when none of the three was sent. The API sends
        the limit and remaining on every answer (api-reference §8), but an answer with only some of
        them (a gateway's 429 with a limit and reset) is still the latest word on the budget: what is
        missing is None."""
        if self.remaining is None and self.limit is None and self.reset is None:
            return None
        reset = _number(self.reset, _SECONDS)
        seconds = None if reset is None else float(reset)
        return RateLimit(
            limit=_whole(self.limit),
            remaining=_whole(self.remaining),
            reset=seconds if seconds is not None and math.isfinite(seconds) else None,
        )


#: An answer without any rate-limit header (most answers but the API's own).
_NONE_SENT = RateLimitHeaders(None, None, None)


def _whole(value: str | None) -> int | None:
    """*value* as a whole number in ASCII digits, perhaps negative (``remaining`` below 0: over the
    limit), or None; None too for more digits than ``int()`` reads (its ``ValueError`` would fail the
    call), as :func:`ascii_int` reads every number of a header."""
    if value is None:
        return None
    text = value.strip()
    negative = text.startswith("-")
    number = ascii_int(text[1:] if negative else text)
    return None if number is None else -number if negative else number


class RateLimitSeen:
    """The :class:`RateLimit` of the latest API answer that carried any rate-limit header (its body
    read or not), shared by a client and the clients ``with_options`` makes from it (the budget is
    the key's). Thread-safe: one reference is replaced at a time; of answers arriving together, the
    last one read wins."""

    __slots__ = ("latest",)

    def __init__(self) -> None:
        self.latest: RateLimit | None = None

    def observe(self, sent: RateLimitHeaders) -> None:
        """Keep the rate-limit headers an answer *sent*, if it sent any (an answer without keeps the last)."""
        seen = sent.parsed()
        if seen is not None:
            self.latest = seen
