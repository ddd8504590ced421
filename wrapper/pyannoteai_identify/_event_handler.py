"""Run the user's webhook handler (``EventHandler``: a function or a coroutine function) after the
delivery was answered, on the event loop or in a worker thread, logging what it raises."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TypeAlias

import anyio
import anyio.to_thread

from ._validation import is_async_callable
from .webhooks import WebhookEvent

logger = logging.getLogger("pyannoteai_identify.webhooks")

#: Your code that handles an event: a function or a coroutine function.
EventHandler: TypeAlias = Callable[[WebhookEvent], Awaitable[None] | None]


async def _run_handler(on_event: EventHandler, event: WebhookEvent) -> None:
    """Run the user's handler after the answer was sent; log (never raise) what it raises.

    A plain function runs in a worker thread; whatever it returns that is awaitable (an async
    function behind a plain decorator, a lambda returning a coroutine) is then awaited here, so
    that no acknowledged delivery is dropped unhandled.
    A cancellation (a server's graceful shutdown running out of time) is logged as a WARNING
    naming the job, then goes on.
    """
    try:
        result = on_event(event) if is_async_callable(on_event) else await anyio.to_thread.run_sync(on_event, event)
        if inspect.isawaitable(result):
            await result
    except Exception:
        logger.exception("the webhook handler failed for job %s (the delivery was already acknowledged)", event.job_id)
    except anyio.get_cancelled_exc_class():
        # A server shutting down cut it: the API will not retry an acknowledged delivery.
        logger.warning(
            "the webhook handler for job %s was cancelled (the server shutting down?); the delivery was already "
            "acknowledged: fetch the job with the client",
            event.job_id,
        )
        raise
