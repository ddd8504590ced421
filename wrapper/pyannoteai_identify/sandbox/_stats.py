"""What the sandbox saw: requests per operation, jobs created and webhook delivery attempts.

Tests read these to prove behaviour from the server's side, e.g. that a client never submitted a
job twice (``stats.requests["identify"] == 1``).
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Literal

__all__ = ["Delivery", "DeliveryOutcome", "Stats"]

DeliveryOutcome = Literal["delivered", "failed", "refused"]

_MAX_DELIVERIES = 10_000


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery attempt and how it ended.

    Attributes:
        job_id: the job the delivery is about.
        url: where it was sent.
        attempt: 0 for the first try, 1 to 3 for the retries.
        outcome: ``delivered`` (a 2xx), ``failed`` (see *reason*) or ``refused`` (not a loopback
            address, and external webhooks are not allowed: nothing was sent).
        status_code: the receiver's status, when it answered.
        reason: why it failed, as the next retry's ``x-retry-reason`` says.
        body: the exact bytes sent (the same on every attempt).
    """

    job_id: str
    url: str
    attempt: int
    outcome: DeliveryOutcome
    status_code: int | None
    reason: str | None
    body: bytes


class Stats:
    """Counters, safe to read from any thread while the sandbox runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.submissions = 0
        self._deliveries: deque[Delivery] = deque(maxlen=_MAX_DELIVERIES)

    def count_request(self, operation: str) -> None:
        """Count one request to *operation* (an operationId, ``upload`` or ``media``)."""
        with self._lock:
            self.requests[operation] += 1

    def count_submission(self) -> None:
        """Count one job created."""
        with self._lock:
            self.submissions += 1

    def record(self, delivery: Delivery) -> None:
        """Keep one delivery attempt (the last 10000 are kept)."""
        with self._lock:
            self._deliveries.append(delivery)

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery attempt so far, oldest first."""
        with self._lock:
            return list(self._deliveries)

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"Stats(requests={dict(self.requests)!r}, submissions={self.submissions}, "
                f"deliveries={len(self._deliveries)})"
            )

    def reset(self) -> None:
        """Start counting from zero."""
        with self._lock:
            self.requests.clear()
            self.submissions = 0
            self._deliveries.clear()
