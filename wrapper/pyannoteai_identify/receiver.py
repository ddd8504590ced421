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
import math
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

# Names the annotations of the classes re-exported below use (their fields and methods): each class
# reports this module as its own, where typing.get_type_hints and tests/test_project.py look them up.
from typing import (
    TYPE_CHECKING,
    ClassVar,  # noqa: F401
    Protocol,
    TypeAlias,
)

import anyio
import anyio.to_thread

from . import _fork
from ._broker_waiters import _AsyncWaiter as _AsyncWaiter
from ._broker_waiters import _ThreadWaiter as _ThreadWaiter
from ._delivery_store import DeliveryStore, MemoryDeliveryStore
from ._numbers import real
from ._receiver_outcome import DeliveryOutcome, DeliveryReason, _outcome
from ._refusal_log import RefusalLog
from ._validation import is_async_callable
from ._webhook_broker import _BROKER_WAIT as _BROKER_WAIT
from ._webhook_broker import DISCARDED_IDS as DISCARDED_IDS
from ._webhook_broker import WebhookBroker
from ._webhook_broker import _check_timeout as _check_timeout
from .errors import ConfigurationError, ValidationError, WebhookVerificationError
from .results import is_terminal
from .webhooks import (
    DEFAULT_TOLERANCE,
    Body,
    Headers,
    Secret,
    WebhookEvent,
    _check_body,
    _check_now,
    _check_tolerance,
    _checked_headers,
    _header,
    _parse_with,
    _signers,
    resolve_secret,
)

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

#: The largest body read by default. A 24-hour identify output with frame confidence is some tens
#: of megabytes of JSON; raise the limit if you send longer audio with every option on.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: Bodies read at once, across requests, by default: this many of the largest (see ``max_bytes_in_flight``).
DEFAULT_BODIES_IN_FLIGHT = 4
#: Seconds a body may take to arrive once its headers were checked. The API waits 10 s for an
#: answer before it counts a delivery as failed, so a genuine body is never slower than that.
DEFAULT_BODY_TIMEOUT = 30.0
_CHUNK = 64 * 1024

#: Your code that handles an event: a function or a coroutine function.
EventHandler: TypeAlias = Callable[[WebhookEvent], Awaitable[None] | None]


class SupportsRead(Protocol):
    """A file-like request body: Flask's ``request.stream``, a Django ``HttpRequest``, ``io.BytesIO``."""

    def read(self, size: int, /) -> bytes: ...


class _Budget:
    """A thread-safe count of bytes held, against a limit."""

    __slots__ = ("__weakref__", "_held", "_limit", "_lock")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._held = 0
        self._lock = threading.Lock()
        _fork.register(self)

    def _after_fork_in_child(self) -> None:
        """In a forked child: a new lock, and none of the bytes the parent's other threads were reading."""
        self._lock = threading.Lock()
        self._held = 0

    def take(self, size: int) -> bool:
        """Hold *size* more bytes, or refuse (False) if that would pass the limit."""
        with self._lock:
            if self._held + size > self._limit:
                return False
            self._held += size
            return True

    def give(self, size: int) -> None:
        with self._lock:  # never below 0: bytes taken before a fork by the forking thread (see above)
            self._held = max(0, self._held - size)

    @property
    def held(self) -> int:
        return self._held


class WebhookReceiver:
    """Verifies, parses and de-duplicates deliveries, for any web framework.

    The secret is turned into HMAC key states at construction and not kept: no repr, log line or
    message of the receiver can show it.

    Args:
        secret: the webhook secret, or several during a rotation; None reads
            ``PYANNOTEAI_WEBHOOK_SECRET``.
        store: where handled job ids are remembered; a :class:`MemoryDeliveryStore` by default.
        broker: if given, every new event is published to it (for ``Client.wait``).
        tolerance: seconds a delivery's timestamp may be off; see ``webhooks.verify``.
        max_body_bytes: larger bodies are refused with 413.
        max_bytes_in_flight: the bytes of bodies ``handle_stream`` and ``handle_request`` may hold
            at once, across requests; a request whose body would pass it is answered 503 and its
            body is read no further. Anyone can send a body with well-formed signature headers,
            and only the body's signature tells it is forged, once read: without a bound, a flood
            of them holds ``max_body_bytes`` each. Default: 4 × ``max_body_bytes``.
        body_timeout: seconds ``handle_request`` waits for a body after its headers (408 beyond), so
            a sender that stalls inside its body gives back what it holds of ``max_bytes_in_flight``;
            None: no limit. Default 30 s (the API itself gives up on an answer after 10 s).
            ``handle_stream`` reads a blocking stream and cannot apply it: the WSGI server's socket
            timeout bounds a stalled body there.

    Refusals (400, 408, 413, 503) are logged on the ``pyannoteai_identify.webhooks`` logger, the
    first 10 of each minute at their level and the rest at DEBUG, counted in a WARNING at the first
    delivery after that minute or at :meth:`close`: anyone can send them, and a flood of them must
    not flood the logs. Duplicates (a redelivery, or a replay of a captured delivery) are logged the
    same way at INFO, and counted in an INFO line.

    Raises:
        ConfigurationError: no secret was given and ``PYANNOTEAI_WEBHOOK_SECRET`` is not set, or a
            secret is empty or not valid text.
    """

    def __init__(
        self,
        secret: Secret | None = None,
        *,
        store: DeliveryStore | None = None,
        broker: WebhookBroker | None = None,
        tolerance: float | None = DEFAULT_TOLERANCE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_bytes_in_flight: int | None = None,
        body_timeout: float | None = DEFAULT_BODY_TIMEOUT,
    ) -> None:
        try:
            self._signers = _signers(resolve_secret(secret), cached=False)
        except WebhookVerificationError as exc:
            raise ConfigurationError(str(exc)) from None
        tolerance = _check_tolerance(tolerance)
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 1:
            raise ValidationError("max_body_bytes", max_body_bytes, "must be a whole number of bytes ≥ 1")
        if max_bytes_in_flight is None:
            max_bytes_in_flight = DEFAULT_BODIES_IN_FLIGHT * max_body_bytes
        if (
            isinstance(max_bytes_in_flight, bool)
            or not isinstance(max_bytes_in_flight, int)
            or max_bytes_in_flight < max_body_bytes
        ):
            raise ValidationError(
                "max_bytes_in_flight",
                max_bytes_in_flight,
                f"must be a whole number of bytes ≥ max_body_bytes ({max_body_bytes})",
            )
        seconds = None if body_timeout is None else real(body_timeout)
        if body_timeout is not None and not (seconds is not None and 0 < seconds < math.inf):
            raise ValidationError("body_timeout", body_timeout, "must be a finite number of seconds > 0, or None")
        self.body_timeout = seconds
        self.max_bytes_in_flight = max_bytes_in_flight
        self._in_flight = _Budget(max_bytes_in_flight)
        self.store: DeliveryStore = MemoryDeliveryStore() if store is None else store
        self.broker = broker
        self.tolerance = tolerance
        self.max_body_bytes = max_body_bytes
        # Anyone can send a refused delivery: a flood of them must not flood the logs with warnings.
        self._refusals = RefusalLog(logger)
        # A captured genuine delivery verifies again when replayed within the tolerance: nor that.
        self._duplicates = RefusalLog(logger, what="duplicate webhook deliveries", summary_level=logging.INFO)

    def too_large(self) -> DeliveryOutcome:
        """The answer to a body over ``max_body_bytes`` (for frameworks that stop reading early)."""
        self._refusals.log(
            logging.WARNING, "too_large", "refused a webhook delivery: the body is over %d bytes", self.max_body_bytes
        )
        return _outcome(413, "too_large", message=f"the body is over {self.max_body_bytes} bytes")

    def busy(self) -> DeliveryOutcome:
        """The answer to a delivery whose body would pass ``max_bytes_in_flight``: 503, so the API retries."""
        self._refusals.log(
            logging.WARNING,
            "busy",
            "refused a webhook delivery: over %d bytes of bodies are being read",
            self.max_bytes_in_flight,
        )
        return _outcome(503, "busy", message="too many deliveries are being read at once: try again later")

    def handle(self, body: Body, headers: Headers, *, now: float | None = None) -> DeliveryOutcome:
        """Verify, parse and de-duplicate one delivery; answer with the outcome's status and body.

        Handle ``outcome.event`` only when it is not None, and preferably after answering. The job
        is claimed before the event is handed out: to have the API retry a delivery whose inline
        handling failed, :meth:`release` it before answering 5xx.

        Args:
            body: the raw request body, exactly as received.
            headers: the request headers.
            now: the current Unix time, for tests.
        """
        _check_body(body)
        now = _check_now(now)
        self._tick()
        if memoryview(body).nbytes > self.max_body_bytes:  # len() of a cast view counts items
            return self.too_large()
        try:
            event = _parse_with(self._signers, body, headers, self.tolerance, now)
        except WebhookVerificationError as exc:
            self._refusals.log(logging.WARNING, exc.reason, "refused a webhook delivery: %s (%s)", exc.reason, exc)
            return _outcome(400, exc.reason, message=str(exc))
        if not is_terminal(str(event.status)):
            # Only an ended job's delivery is kept and handed on; an unknown status counts as not
            # ended, and must not take the job's slot in the store from the final delivery.
            logger.info("ignored a webhook delivery for job %s: status %s is not final", event.job_id, event.status)
            return _outcome(200, "ignored", jobId=event.job_id, message=f"status {event.status} is not final")
        if not self.store.claim(event.job_id):
            self._duplicates.log(
                logging.INFO,
                "duplicate",
                "ignored a redelivery of job %s (attempt %d, %s)",
                event.job_id,
                event.retry_num,
                event.retry_reason,
            )
            return _outcome(200, "duplicate", jobId=event.job_id)
        if event.output_error is not None:  # genuine (signed) but unreadable: the API may have changed
            logger.warning("accepted the webhook delivery of job %s, but %s", event.job_id, event.output_error)
        else:
            logger.debug("accepted a webhook delivery for job %s (%s)", event.job_id, event.status)
        if self.broker is not None:
            self.broker.publish(event)
        return _outcome(200, "accepted", event, jobId=event.job_id)

    def release(self, job_id: str) -> None:
        """Forget that *job_id*'s delivery was accepted, so the API's next attempt is accepted again.

        :meth:`handle` claims the job before it hands the event out. Handling inline and answering
        5xx on failure, so that the API retries? Release the job first, or the retry is answered
        ``duplicate`` and the event is lost. The store must have a ``release`` method
        (:class:`MemoryDeliveryStore` has).

        Raises:
            ConfigurationError: the store cannot release.
        """
        release = getattr(self.store, "release", None)
        if not callable(release):
            raise ConfigurationError(
                f"the delivery store {type(self.store).__name__} has no release(job_id) method: add one "
                "(for Redis, DEL the job's key) so a failed delivery can be accepted again"
            )
        release(job_id)

    def close(self) -> None:
        """Log how many refusals and duplicates the rate limit held back and has not counted yet (see
        the class).

        Call it when your server shuts down (``asgi_app`` does, in its lifespan), so the count of a
        flood that stopped is not lost. The receiver still works after.
        """
        self._refusals.flush()
        self._duplicates.flush()

    def _tick(self) -> None:
        """At every delivery: count what the rate limits held back in a window that has ended."""
        self._refusals.tick()
        self._duplicates.tick()

    async def handle_async(self, body: Body, headers: Headers, *, now: float | None = None) -> DeliveryOutcome:
        """:meth:`handle` in a worker thread, so hashing and parsing a large body never blocks the event loop."""
        return await anyio.to_thread.run_sync(partial(self.handle, body, headers, now=now))

    def handle_stream(self, stream: SupportsRead, headers: Headers, *, now: float | None = None) -> DeliveryOutcome:
        """Read a file-like body (Flask ``request.stream``, Django ``request``) up to the limit, and handle it.

        A declared ``Content-Length`` over the limit is refused before anything is read; otherwise at
        most one byte more than the limit is read.
        """
        self._tick()
        refused = self._refused_before_reading(headers, now)
        if refused is not None:
            return refused
        body = bytearray()  # one buffer: chunks then a joined copy held the body twice at the end
        try:
            while len(body) <= self.max_body_bytes:
                chunk = stream.read(min(_CHUNK, self.max_body_bytes + 1 - len(body)))
                if not chunk:
                    break
                if not self._in_flight.take(len(chunk)):
                    return self.busy()
                body += chunk
            if len(body) > self.max_body_bytes:
                return self.too_large()
            return self.handle(body, headers, now=now)
        finally:
            self._in_flight.give(len(body))

    async def handle_request(self, request: Request, *, now: float | None = None) -> DeliveryOutcome:
        """Read a Starlette or FastAPI request's raw body up to the limit, and handle it off the event loop.

        Stops reading as soon as the body proves too long: the rest is never received.
        """
        from starlette.requests import ClientDisconnect  # here: the receiver's extra, not the core's

        self._tick()
        refused = self._refused_before_reading(request.headers, now)
        if refused is not None:
            return refused
        body = bytearray()  # one buffer: chunks then a joined copy held the body twice at the end
        try:
            try:
                with anyio.move_on_after(math.inf if self.body_timeout is None else self.body_timeout) as read:
                    async for chunk in request.stream():
                        if len(body) + len(chunk) > self.max_body_bytes:
                            return self.too_large()
                        if not self._in_flight.take(len(chunk)):
                            return self.busy()
                        body += chunk
                if read.cancelled_caught:
                    # Anyone can stall (only the headers were checked): what it held is given back.
                    self._refusals.log(
                        logging.INFO,
                        "timeout",
                        "a webhook sender sent %d bytes of its body in %g s, then stalled",
                        len(body),
                        self.body_timeout,
                    )
                    return _outcome(408, "timeout", message=f"the body did not arrive within {self.body_timeout:g} s")
            except ClientDisconnect:
                # Anyone can do this (only the headers were checked): not an error of the server's.
                self._refusals.log(
                    logging.INFO,
                    "disconnected",
                    "a webhook sender disconnected after %d bytes of its body: nothing to handle",
                    len(body),
                )
                return _outcome(400, "disconnected", message="the sender disconnected before the body was read")
            return await self.handle_async(body, request.headers, now=now)
        finally:
            self._in_flight.give(len(body))

    def _refused_before_reading(self, headers: Headers, now: float | None) -> DeliveryOutcome | None:
        """The answer to a delivery refused on its headers alone, before its body is read: a body over
        the limit by its Content-Length, or signature headers missing, malformed or out of the time
        window. Anyone can send a body; none is read (up to 64 MiB) for a request that cannot verify."""
        if self._declared_too_large(headers):
            return self.too_large()
        now = _check_now(now)
        try:
            _checked_headers(headers, self.tolerance, now)
        except WebhookVerificationError as exc:
            self._refusals.log(
                logging.WARNING, exc.reason, "refused a webhook delivery before reading it: %s (%s)", exc.reason, exc
            )
            return _outcome(400, exc.reason, message=str(exc))
        return None

    def _declared_too_large(self, headers: Headers) -> bool:
        """Whether a well-formed ``Content-Length`` exceeds the limit; a malformed one is left to the read."""
        declared = _header(headers, "Content-Length", "content-length")
        if declared is None or not (declared.isascii() and declared.isdigit()):
            return False
        digits = declared.lstrip("0") or "0"
        # Compared by length first: int() refuses strings of more than 4,300 digits.
        limit = str(self.max_body_bytes)
        return len(digits) > len(limit) or (len(digits) == len(limit) and int(digits) > self.max_body_bytes)

    def __repr__(self) -> str:
        if not hasattr(self, "max_body_bytes"):  # refused half-way through __init__ (a traceback's locals)
            return "<WebhookReceiver (not configured)>"
        return (
            f"WebhookReceiver(secrets={len(self._signers)} hidden, store={self.store!r}, "
            f"tolerance={self.tolerance!r}, max_body_bytes={self.max_body_bytes}, "
            f"max_bytes_in_flight={self.max_bytes_in_flight})"
        )


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
for _public in (DeliveryStore, MemoryDeliveryStore, DeliveryOutcome, WebhookBroker):
    _public.__module__ = __name__
del _public
