"""``Sandbox``: the fake API's state and app, served by uvicorn on a background thread."""

from __future__ import annotations

import asyncio
import logging
import math
from types import TracebackType
from typing import Self

from starlette.applications import Starlette

from .._background_server import BackgroundServer
from .._numbers import real
from .._redact import hide_secrets
from .._validation import DEFAULT_RATE_LIMIT
from ._app import UPLOAD_OPERATION, UPLOAD_SIGNATURE, AppContext, create_app, operation_ids
from ._clock import Clock, Timing
from ._defaults import (
    DEFAULT_API_KEY,
    DEFAULT_WEBHOOK_SECRET,
    MAX_JOBS,
    MAX_MEDIA_BYTES,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_TOKENS,
)
from ._dispatch import DELIVERY_TIMEOUT, WebhookDispatcher
from ._faults import DroppedConnection, Faults
from ._ratelimit import RateLimiter
from ._state import Limits, SandboxState
from ._stats import Stats
from ._work import JobRunner

__all__ = ["Sandbox"]

logger = logging.getLogger("pyannoteai_identify.sandbox")


class _HideDrops(logging.Filter):
    """Keep uvicorn from logging the tracebacks of intentional ``drop`` faults as errors, and tell
    of a request cut off by the sandbox's stop (uvicorn cancels what is left after its 1 s grace,
    an upload still streaming say) in one line instead of a CancelledError's traceback. uvicorn's own
    line before those cancellations ("Cancel N running task(s), timeout graceful shutdown exceeded")
    is a WARNING too: that cut-off is the stop ``Sandbox.close()`` documents, not a sandbox error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, DroppedConnection):
            return False
        # uvicorn's loggers are the process's: only the sandbox's own server thread is told of (another
        # uvicorn server's cancelled request, a receiver's beside the sandbox say, keeps its traceback).
        if record.threadName != _THREAD_NAME:
            return True
        if isinstance(error, asyncio.CancelledError):
            record.msg, record.args, record.exc_info, record.exc_text = _CUT_OFF, (), None, None
            _as_warning(record)
        elif isinstance(record.msg, str) and _GRACE_EXCEEDED in record.msg:
            _as_warning(record)
        return True


def _as_warning(record: logging.LogRecord) -> None:
    record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)


_CUT_OFF = "a request still in progress when the sandbox stopped was cut off"
#: The end of uvicorn's line when its graceful-shutdown timeout has passed and it cancels what is left.
_GRACE_EXCEEDED = "timeout graceful shutdown exceeded"
#: The name of the thread the sandbox's uvicorn server (and its event loop) runs in.
_THREAD_NAME = "pyannoteai-sandbox"


_HIDE_DROPS = _HideDrops()


class _HideUploadSignatures(logging.Filter):
    """Show a presigned upload's path in uvicorn's access log without its query, the token that
    lets anyone upload in its place, as the SDK's own log lines show a presigned URL
    (:func:`hide_secrets`: ``/_upload/key?<query hidden>``); every other path is kept whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(arg, str) and _signed(arg) for arg in record.args):
            record.args = tuple(
                hide_secrets(arg) if isinstance(arg, str) and _signed(arg) else arg for arg in record.args
            )
        return True


def _signed(path: str) -> bool:
    """Whether *path*'s query holds an upload token (wherever in the query)."""
    return UPLOAD_SIGNATURE in path.partition("?")[2]


_HIDE_UPLOAD_SIGNATURES = _HideUploadSignatures()


def _text(name: str, value: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValueError(f"{name}: must be a non-empty string without surrounding spaces")
    return value


def _count(name: str, value: int, unit: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name}={value!r}: must be a whole number of {unit} >= 1")
    return value


def _seconds(name: str, value: float) -> float:
    seconds = real(value)
    if not (seconds is not None and math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{name}={value!r}: must be a finite number of seconds > 0")
    return seconds


class Sandbox:
    """A local, stateful fake of the pyannoteAI API, for tests, demos and offline development.

    Use it as a context manager: it serves the API over real HTTP on a free port of 127.0.0.1
    and stops on exit. ``sandbox.app`` is the same API as an ASGI app, for in-process use (e.g.
    ``httpx.AsyncClient(transport=httpx.ASGITransport(sandbox.app), base_url="http://sandbox")``),
    with or without the server.

    Args:
        api_key: the only key accepted (``Authorization: Bearer <key>``); not a secret, but never
            printed or logged.
        webhook_secret: the key webhook deliveries are signed with.
        host: the address to listen on; keep a loopback address unless others must connect.
        port: the port, 0 for a free one.
        rate_limit: requests per sliding minute per key (default: the API's documented limit, from the
            contract); 0 turns it off.
        queue_seconds: simulated seconds a job stays ``created``.
        job_seconds: simulated seconds a job stays ``running``.
        retention_seconds: simulated seconds a finished job and an upload are kept (24 h upstream).
        speed: divides every simulated duration, webhook retry delays included (60 → a minute
            lasts a second). Rate-limit windows and ``Retry-After`` stay in real seconds.
        webhook_timeout: seconds a webhook receiver has to answer (by default the API's: openapi.yaml's
            ``x-timeout-seconds`` on the jobCompleted webhook).
        allow_external_webhooks: deliver webhooks to non-loopback hosts too.
        max_upload_bytes: the largest upload, and the largest audio fetched from a loopback URL.
        max_jobs: jobs kept at most (default 10,000). Past it the oldest job is forgotten: GET
            answers 404 and lists skip it, as after its retention. The API has no such bound; it
            keeps a long session (fuzzing, a demo left running) from growing without end.
        max_media_bytes: bytes of uploads kept at most (default twice the contract's limit, at least
            ``max_upload_bytes``). Past it the oldest uploads are forgotten (a job on one fails
            with "Could not load audio", as on expired media).
        max_upload_tokens: presigned upload URLs kept at most (default 10,000); past it the
            oldest one answers 403, as when expired.
        clock: the time source; a :class:`Clock` built on fake sources makes time fully scripted.
        log_level: uvicorn's log level (``"info"`` shows each request).

    Raises:
        ValueError: an argument is out of range (the message names it).
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        queue_seconds: float = 1.0,
        job_seconds: float = 4.0,
        retention_seconds: float = 86400.0,
        speed: float = 1.0,
        webhook_timeout: float = DELIVERY_TIMEOUT,
        allow_external_webhooks: bool = False,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_jobs: int = MAX_JOBS,
        max_media_bytes: int = MAX_MEDIA_BYTES,
        max_upload_tokens: int = MAX_UPLOAD_TOKENS,
        clock: Clock | None = None,
        log_level: str = "warning",
    ) -> None:
        self._api_key = _text("api_key", api_key)
        self._webhook_secret = _text("webhook_secret", webhook_secret)
        self._host = _text("host", host)
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise ValueError(f"port={port!r}: must be a whole number from 0 to 65535")
        limits = Limits(
            max_jobs=_count("max_jobs", max_jobs, "jobs"),
            max_media_bytes=_count("max_media_bytes", max_media_bytes, "bytes"),
            max_upload_tokens=_count("max_upload_tokens", max_upload_tokens, "upload URLs"),
        )
        if _count("max_upload_bytes", max_upload_bytes, "bytes") > max_media_bytes:
            raise ValueError(
                f"max_upload_bytes={max_upload_bytes!r}: must be at most max_media_bytes ({max_media_bytes}), "
                "or an upload could not be kept"
            )
        self._port = port
        self._log_level = log_level
        self.clock = clock or Clock()
        self.timing = Timing(queue_seconds, job_seconds, retention_seconds, speed)
        self.stats = Stats()
        self.faults = Faults([*operation_ids(), UPLOAD_OPERATION])
        self.state = SandboxState(self.clock, self.timing, limits)
        self.runner = JobRunner()
        self.limiter = RateLimiter(rate_limit, self.clock)
        self.dispatcher = WebhookDispatcher(
            clock=self.clock,
            timing=self.timing,
            stats=self.stats,
            secret=self._webhook_secret,
            timeout=_seconds("webhook_timeout", webhook_timeout),
            allow_external=bool(allow_external_webhooks),
        )
        self.app: Starlette = create_app(
            AppContext(
                state=self.state,
                faults=self.faults,
                stats=self.stats,
                limiter=self.limiter,
                dispatcher=self.dispatcher,
                runner=self.runner,
                api_key=self._api_key,
                max_upload_bytes=max_upload_bytes,
            )
        )
        self._server: BackgroundServer | None = None

    @property
    def api_key(self) -> str:
        """The key clients must send."""
        return self._api_key

    @property
    def webhook_secret(self) -> str:
        """The secret webhook receivers verify deliveries with."""
        return self._webhook_secret

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server (what ``PYANNOTEAI_BASE_URL`` should be)."""
        if self._server is None or self._server.base_url is None:
            raise RuntimeError("the sandbox is not serving: use it as a context manager or call start()")
        return self._server.base_url

    def reset(self) -> None:
        """Forget everything (uploads, jobs, counters, faults, rate-limit windows, pending webhooks).

        The server keeps running and the clock keeps its time, so one sandbox can serve many tests.
        A request that a ``"delay"`` fault still holds (its client may have timed out) is answered
        503 without being served, so it creates no job and counts nothing in the next test.
        """
        self.faults.clear()  # first: a request a delay holds is released before the state is emptied
        self.dispatcher.clear()
        self.state.clear()
        self.limiter.clear()
        self.stats.reset()

    def advance(self, seconds: float) -> None:
        """Move the sandbox's clock forward (jobs end, results expire, rate-limit windows slide)
        without waiting. Jobs' ``createdAt``/``updatedAt`` move with it; ``X-RateLimit-Reset``,
        ``Retry-After`` and ``Date`` stay on real time, and agree."""
        self.clock.advance(seconds)

    def start(self) -> Self:
        """Serve the app on a background thread; return once it accepts connections.

        A closed sandbox can be started again: it keeps its jobs and uploads, and decides outcomes
        and delivers webhooks on fresh threads (jobs close() found undecided have failed).

        Raises:
            OSError: the address cannot be bound.
            RuntimeError: the server did not start within 10 s, or it is already running.
        """
        if self._server is not None:
            raise RuntimeError("the sandbox is already serving")
        server = BackgroundServer(
            self.app,
            host=self._host,
            port=self._port,
            log_level=self._log_level,
            name=_THREAD_NAME,
            log_filter=_HIDE_DROPS,
            access_filter=_HIDE_UPLOAD_SIGNATURES,
        )
        # Ready to decide jobs and deliver webhooks before the first request can arrive.
        self.runner.start()
        self.dispatcher.start()
        server.start()
        self._server = server
        return self

    def close(self) -> None:
        """Stop serving, delivering webhooks and deciding job outcomes.

        Bounded by about 2 s: a request a ``"delay"`` fault holds is answered 503 at once, without
        being served (as :meth:`reset` answers it); other requests in flight get 1 s to finish, then
        are cut off (told of at WARNING on ``uvicorn.error``: the designed stop, not an error); a
        webhook attempt and the audio fetches in flight are aborted, and the threads deciding
        outcomes stop after their current (bounded) task; typically it returns within 0.2 s.
        :meth:`start` may follow, with the faults still pending.
        """
        if self._server is not None:
            self.faults.release_held("stopped")  # first: answered before the server waits for them
            self._server.close()
        self._server = None
        self.dispatcher.close()
        self.runner.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        server = getattr(self, "_server", None)  # None also when refused half-way through __init__
        where = (server.base_url if server is not None else None) or "not serving"
        return f"<Sandbox {where}>"
