"""Receive pyannoteAI webhooks in production: verify, parse, drop redeliveries, answer at once.

Three pieces, from the most general to the most ready-made:

- :class:`WebhookReceiver` turns a raw body and its headers into a :class:`DeliveryOutcome` (the
  status code and JSON body to answer, and the event to handle, if any). It works with any web
  framework: ``handle`` takes bytes, ``handle_stream`` a file-like body (Flask, Django) and
  ``handle_request`` a Starlette/FastAPI request, both read with a cap. ``docs/webhooks.md`` shows
  FastAPI, Flask and Django.
- :func:`asgi_app` is a ready Starlette app around it: it reads at most ``max_body_bytes``,
  answers first and runs your handler after the answer has been sent, so the API (which waits
  10 s, then retries) never sees a slow handler.
- :class:`WebhookBroker` hands each verified event to whoever waits for that job, in a thread
  (``wait``) or a coroutine (``wait_async``); ``Client.wait`` uses it to finish on a webhook.

Redeliveries: the API retries a delivery it thinks failed, so a job can arrive twice. The receiver
claims each job id in a :class:`DeliveryStore` after verification and hands out the event only
the first time. The default store is in memory and bounded; with several worker processes use a
shared store (see the docs).

Starlette is needed only by :func:`asgi_app` (extra ``receiver``) and is imported there;
:meth:`WebhookBroker.wait_async` works on any anyio backend (asyncio, trio).
"""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

# Below, ``noqa: F401`` marks the names the annotations of the classes re-exported here use (of their
# fields and methods) and nothing else: each class reports this module as its own, where
# typing.get_type_hints and tests/test_project.py look those names up.
from typing import (
    TYPE_CHECKING,
    ClassVar,  # noqa: F401
    TypeAlias,
)

import anyio
import anyio.to_thread

from ._broker_waiters import _AsyncWaiter as _AsyncWaiter
from ._broker_waiters import _ThreadWaiter as _ThreadWaiter
from ._byte_budget import _Budget as _Budget
from ._delivery_store import DeliveryStore, MemoryDeliveryStore
from ._receiver_core import _CHUNK as _CHUNK
from ._receiver_core import DEFAULT_BODIES_IN_FLIGHT as DEFAULT_BODIES_IN_FLIGHT
from ._receiver_core import DEFAULT_BODY_TIMEOUT as DEFAULT_BODY_TIMEOUT
from ._receiver_core import DEFAULT_MAX_BODY_BYTES as DEFAULT_MAX_BODY_BYTES
from ._receiver_core import SupportsRead, WebhookReceiver
from ._receiver_outcome import DeliveryOutcome, DeliveryReason
from ._validation import is_async_callable
from ._webhook_broker import _BROKER_WAIT as _BROKER_WAIT
from ._webhook_broker import DISCARDED_IDS as DISCARDED_IDS
from ._webhook_broker import WebhookBroker
from ._webhook_broker import _check_timeout as _check_timeout
from .errors import ValidationError
from .webhooks import DEFAULT_TOLERANCE, Body, Headers, Secret, WebhookEvent  # noqa: F401

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DeliveryOutcome",
    "DeliveryReason",
    "DeliveryStore",
    "EventHandler",
    "MemoryDeliveryStore",
    "SupportsRead",
    "WebhookBroker",
    "WebhookReceiver",
    "asgi_app",
]

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


def asgi_app(
    secret: Secret | None = None,
    *,
    on_event: EventHandler | None = None,
    store: DeliveryStore | None = None,
    broker: WebhookBroker | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    tolerance: float | None = DEFAULT_TOLERANCE,
    path: str = "/",
    max_bytes_in_flight: int | None = None,
    body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
) -> Starlette:
    """A ready Starlette app that receives pyannoteAI webhooks on ``POST {path}`` (with or without a
    trailing slash: both are served, neither redirected).

    It reads at most *max_body_bytes* (413 beyond), at most *max_bytes_in_flight* across requests
    (503 beyond), refuses a delivery that fails verification
    with 400, answers a redelivery with 200 without handling it again, and answers a new delivery
    with 200 *before* running *on_event* (a coroutine function runs on the event loop, a plain
    function in a worker thread, and an awaitable it returns is awaited). An exception from
    *on_event* is logged, not sent back: the delivery was already acknowledged. When the server
    shuts the app down (ASGI lifespan), it logs the count of refusals held back
    (:meth:`WebhookReceiver.close`).

    Args:
        secret: the webhook secret(s); None reads ``PYANNOTEAI_WEBHOOK_SECRET``.
        on_event: your handler, called once per job.
        store: where handled job ids are remembered (bounded memory by default).
        broker: every new event is also published here (for ``Client.wait``).
        max_body_bytes: the largest body read.
        tolerance: seconds a delivery's timestamp may be off; see ``webhooks.verify``.
        path: the route to serve.
        max_bytes_in_flight: the bytes of bodies read at once, across requests (503 beyond);
            default 4 × *max_body_bytes*. See :class:`WebhookReceiver`.
        body_timeout: seconds a body may take after its headers (408 beyond); see :class:`WebhookReceiver`.

    Raises:
        ConfigurationError: no secret is configured.
        ValidationError: *path* does not start with ``/``.
        ImportError: Starlette is not installed (``pip install 'pyannoteai-identify[receiver]'``).
    """
    try:
        from starlette.applications import Starlette
        from starlette.background import BackgroundTask
        from starlette.responses import Response
        from starlette.routing import Route
    except ImportError as exc:
        raise ImportError("asgi_app needs Starlette: pip install 'pyannoteai-identify[receiver]'") from exc
    if not isinstance(path, str) or not path.startswith("/"):  # Starlette asserts it (gone under python -O)
        raise ValidationError("path", path, "must be a route starting with '/', e.g. '/webhooks/pyannote'")

    receiver = WebhookReceiver(
        secret,
        store=store,
        broker=broker,
        tolerance=tolerance,
        max_body_bytes=max_body_bytes,
        max_bytes_in_flight=max_bytes_in_flight,
        body_timeout=body_timeout,
    )

    async def receive_webhook(request: Request) -> Response:
        outcome = await receiver.handle_request(request)
        background = None
        if on_event is not None and outcome.event is not None:
            background = BackgroundTask(_run_handler, on_event, outcome.event)
        return Response(outcome.body, outcome.status_code, media_type=outcome.media_type, background=background)

    # Both spellings are served, and nothing is redirected: Starlette's redirect to the other one
    # builds its URL from the Host header and the scheme the server saw, which behind a reverse proxy
    # can be an internal name or plain http (and the API follows redirects).
    twin = path.rstrip("/") if path.endswith("/") else path + "/"
    routes = [Route(route, receive_webhook, methods=["POST"]) for route in dict.fromkeys((path, twin or "/"))]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        receiver.close()  # the count of refusals held back, if a flood stopped before the shutdown

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False
    return app


# A pickle names a class by its module and name, and typing.get_type_hints reads a class's annotations
# in the module it reports: the public classes defined in the private modules report this one, as
# they did before receiver.py was split.
for _public in (SupportsRead, DeliveryStore, MemoryDeliveryStore, DeliveryOutcome, WebhookReceiver, WebhookBroker):
    _public.__module__ = __name__
del _public
