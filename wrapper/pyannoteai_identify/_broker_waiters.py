"""The places a :class:`~pyannoteai_identify.receiver.WebhookBroker` keeps for those who wait for a job:
a thread's (``wait``) and a coroutine's (``wait_async``, on any anyio backend), each handed its event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._webhook_broker import WebhookBroker
    from .webhooks import WebhookEvent


class _ThreadWaiter:
    __slots__ = ("event", "ready")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.event: WebhookEvent | None = None

    def deliver(self, event: WebhookEvent) -> bool:
        self.event = event
        self.ready.set()
        return True

    def wake(self) -> None:
        """End the wait without an event (its client was closed)."""
        self.ready.set()


class _AsyncWaiter:
    """A coroutine's place in the broker, on any anyio backend (asyncio or trio).

    ``deliver`` runs in the publisher's thread: it only schedules ``_resolve`` on the waiter's event
    loop (thread-safe, non-blocking), where the waiting task and ``_resolve`` never interleave.
    """

    __slots__ = ("broker", "call_soon", "closed", "event", "ready")

    def __init__(self, broker: WebhookBroker) -> None:
        import anyio.lowlevel  # here, not at the top: importing the package must not import asyncio

        native: Any = anyio.lowlevel.current_token().native_token  # an asyncio loop, or a trio token
        self.broker = broker
        self.call_soon: Callable[..., object] = getattr(native, "call_soon_threadsafe", None) or native.run_sync_soon
        self.ready = anyio.Event()
        self.event: WebhookEvent | None = None
        self.closed = False  # the wait is over: a delivery still scheduled is kept for a later one

    def deliver(self, event: WebhookEvent) -> bool:
        try:
            self.call_soon(self._resolve, event)
        except RuntimeError:  # the waiter's event loop is closed (trio's RunFinishedError is one too)
            return False
        return True

    def _resolve(self, event: WebhookEvent) -> None:
        if self.closed or self.event is not None:
            self.broker._keep(event)
        else:
            self.event = event
            self.ready.set()
