"""Remember which jobs' deliveries were handled, to drop redeliveries: the store protocol and the default
in-memory store (public in :mod:`pyannoteai_identify.receiver`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Protocol, runtime_checkable

from . import _fork
from .errors import ValidationError


@runtime_checkable
class DeliveryStore(Protocol):
    """Remembers which jobs were already handled, to drop redeliveries.

    ``claim`` must be atomic: with several processes, back it by something shared, such as Redis
    ``SET key 1 NX EX 86400`` (the key exists for the day a job's results are kept). A store may
    also have ``release(job_id)`` (Redis: ``DEL key``), which :meth:`WebhookReceiver.release` needs.
    """

    def claim(self, job_id: str) -> bool:
        """Record *job_id*; True the first time, False if it was claimed before."""
        ...


class MemoryDeliveryStore:
    """A thread-safe, bounded in-memory :class:`DeliveryStore`: the *max_size* most recent job ids.

    The API retries within about six minutes, so a few thousand ids cover any realistic rate; the
    oldest id is forgotten first.
    """

    def __init__(self, max_size: int = 10_000) -> None:
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise ValidationError("max_size", max_size, "must be a whole number ≥ 1")
        self.max_size = max_size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock (a delivery of another thread may have held it at the fork)."""
        self._lock = threading.Lock()

    def claim(self, job_id: str) -> bool:
        with self._lock:
            if job_id in self._ids:
                self._ids.move_to_end(job_id)
                return False
            self._ids[job_id] = None
            if len(self._ids) > self.max_size:
                self._ids.popitem(last=False)
            return True

    def release(self, job_id: str) -> None:
        """Forget *job_id*, so its next delivery is claimed again (nothing happens if it is not held)."""
        with self._lock:
            self._ids.pop(job_id, None)

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"MemoryDeliveryStore(max_size={self.max_size}, size={len(self._ids)})"
