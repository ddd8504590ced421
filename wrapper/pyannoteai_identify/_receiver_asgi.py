"""The ready Starlette app (:func:`asgi_app`, public in :mod:`pyannoteai_identify.receiver`): a
:class:`WebhookReceiver` on a route, answering first and running the handler after the answer, and
logging at shutdown (ASGI lifespan) what the receiver's rate-limited logs held back. Starlette is
imported when the app is built, not with this module."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ._delivery_store import DeliveryStore
from ._event_handler import EventHandler, _run_handler
from ._lazy_module import lazy_module
from ._receiver_core import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY_BYTES, WebhookReceiver
from ._webhook_broker import WebhookBroker
from .errors import ValidationError
from .webhooks import DEFAULT_TOLERANCE, Secret

if TYPE_CHECKING:
    import starlette.applications
    import starlette.requests
else:  # bound for typing.get_type_hints; starlette (the receiver extra) is imported when a hint is resolved
    starlette = lazy_module("starlette", extra="receiver")


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
) -> starlette.applications.Starlette:
    """A ready Starlette app that receives pyannoteAI webhooks on ``POST {path}`` (with or without a
    trailing slash: both are served, neither redirected).

    It reads at most *max_body_bytes* (413 beyond), at most *max_bytes_in_flight* across requests
    (503 beyond), refuses a delivery that fails verification
    with 400, answers a redelivery with 200 without handling it again, and answers a new delivery
    with 200 *before* running *on_event* (a coroutine function runs on the event loop, a plain
    function in a worker thread, and an awaitable it returns is awaited). An exception from
    *on_event* is logged, not sent back: the delivery was already acknowledged. When the server
    shuts the app down (ASGI lifespan), it logs the count of refusals held back
    (:meth:`WebhookReceiver.close`). Its receiver is ``app.state.receiver``: mounted in your app
    (``app.mount("/hooks", hooks)``), its lifespan is not run (Starlette runs only the outer app's),
    and neither is it under a server with the lifespan off: call ``hooks.state.receiver.close()``
    at your shutdown.

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

    async def receive_webhook(request: starlette.requests.Request) -> Response:
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
    async def lifespan(app: starlette.applications.Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:  # the count of refusals held back, if a flood stopped before the shutdown, however it ends
            receiver.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False
    app.state.receiver = receiver  # to close where the lifespan is not run (mounted, or lifespan off)
    return app
