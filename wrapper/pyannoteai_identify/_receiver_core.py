"""The framework-neutral webhook receiver: :class:`WebhookReceiver` (public in
:mod:`pyannoteai_identify.receiver`) reads a body with caps, verifies, parses and de-duplicates a
delivery, and says what to answer in a ``DeliveryOutcome``; it logs refusals and duplicates
rate-limited. The capped reading of a file-like body and of a Starlette request is in
``_receiver_read``."""

from __future__ import annotations

import logging
import math
from functools import partial
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from ._byte_budget import _Budget
from ._delivery_store import DeliveryStore, MemoryDeliveryStore
from ._lazy_module import lazy_module
from ._numbers import real
from ._receiver_outcome import DeliveryOutcome, _outcome
from ._receiver_read import _CHUNK as _CHUNK
from ._receiver_read import SupportsRead as SupportsRead
from ._receiver_read import _read_request, _read_stream, _RequestStop
from ._refusal_log import RefusalLog
from ._webhook_broker import WebhookBroker
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


def _duplicate_count_name(event: WebhookEvent) -> str:
    """The name a held-back duplicate is counted under: its delivery's retry reason (``http_timeout``:
    the server answered too slowly), ``no_retry_reason`` for a first attempt's (a replay), and
    ``unknown_retry_reason`` for a value the contract does not list (the header is not signed, so
    a sender cannot add names to the count). Each duplicate's own line gives this name too, so an
    unsigned value (a line break, kilobytes) never reaches the log."""
    if event.retry_reason is None:
        return "no_retry_reason"
    known = event.known_retry_reason
    return "unknown_retry_reason" if known is None else known.value


if TYPE_CHECKING:
    import starlette.requests
else:  # bound for typing.get_type_hints; starlette (the receiver extra) is imported when a hint is resolved
    starlette = lazy_module("starlette", extra="receiver")

logger = logging.getLogger("pyannoteai_identify.webhooks")

#: The largest body read by default. A 24-hour identify output with frame confidence is some tens
#: of megabytes of JSON; raise the limit if you send longer audio with every option on.
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
#: Bodies read at once, across requests, by default: this many of the largest (see ``max_bytes_in_flight``).
DEFAULT_BODIES_IN_FLIGHT = 4
#: Seconds a body may take to arrive once its headers were checked. The API waits 10 s for an
#: answer before it counts a delivery as failed, so a genuine body is never slower than that.
DEFAULT_BODY_TIMEOUT = 30.0


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
        return self._handle_ticked(body, headers, now)

    def _handle_ticked(self, body: Body, headers: Headers, now: float | None) -> DeliveryOutcome:
        """:meth:`handle` of a delivery whose tick was taken (``handle_stream`` and ``handle_request``
        take it as the delivery comes in, before reading its body: one per delivery)."""
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
            # The header is not signed: the line gives the name it is counted under, never its raw value.
            retry_reason = _duplicate_count_name(event)
            self._duplicates.log(
                logging.INFO,
                retry_reason,
                "ignored a redelivery of job %s (attempt %d, %s)",
                event.job_id,
                event.retry_num,
                retry_reason,
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
        """Once per delivery, as it comes in: count what the rate limits held back in a window that has ended."""
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
        body = bytearray()
        try:
            stop = _read_stream(stream, body, self.max_body_bytes, self._in_flight)
            if stop is not None:
                return self._stopped(stop, len(body))
            return self._handle_ticked(body, headers, _check_now(now))
        finally:
            self._in_flight.give(len(body))

    async def handle_request(self, request: starlette.requests.Request, *, now: float | None = None) -> DeliveryOutcome:
        """Read a Starlette or FastAPI request's raw body up to the limit, and handle it off the event loop.

        Stops reading as soon as the body proves too long: the rest is never received.
        """
        self._tick()
        refused = self._refused_before_reading(request.headers, now)
        if refused is not None:
            return refused
        body = bytearray()
        try:
            stop = await _read_request(request, body, self.max_body_bytes, self._in_flight, self.body_timeout)
            if stop is not None:
                return self._stopped(stop, len(body))
            handle = partial(self._handle_ticked, body, request.headers, _check_now(now))
            return await anyio.to_thread.run_sync(handle)
        finally:
            self._in_flight.give(len(body))

    def _stopped(self, stop: _RequestStop, read: int) -> DeliveryOutcome:
        """The answer to a body whose reading stopped short (see ``_receiver_read``) after *read* bytes."""
        if stop == "too_large":
            return self.too_large()
        if stop == "busy":
            return self.busy()
        if stop == "timeout":
            # Anyone can stall (only the headers were checked): what it held is given back.
            self._refusals.log(
                logging.INFO,
                "timeout",
                "a webhook sender sent %d bytes of its body in %g s, then stalled",
                read,
                self.body_timeout,
            )
            return _outcome(408, "timeout", message=f"the body did not arrive within {self.body_timeout:g} s")
        # Anyone can hang up (only the headers were checked): not an error of the server's.
        self._refusals.log(
            logging.INFO,
            "disconnected",
            "a webhook sender disconnected after %d bytes of its body: nothing to handle",
            read,
        )
        return _outcome(400, "disconnected", message="the sender disconnected before the body was read")

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
