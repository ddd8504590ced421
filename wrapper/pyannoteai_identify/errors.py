"""Every exception pyannoteai-identify raises, all under one base class.

The hierarchy::

    PyannoteAIError
    ├── ValidationError            bad input, raised before any network I/O (also a ValueError)
    ├── ConfigurationError         a missing API key, an unsafe base URL, a closed client
    ├── APIConnectionError         no response: connection refused, reset, DNS, …
    │   └── APITimeoutError        no response in time
    ├── APIError                   the API answered with an error status
    │   ├── BadRequestError        400, with the API's field errors
    │   ├── AuthenticationError    401
    │   ├── PaymentRequiredError   402
    │   ├── NotFoundError          404
    │   ├── RateLimitError         429, with retry_after
    │   ├── ServerError            5xx
    │   └── InvalidResponseError   a response that breaks the contract (bad JSON, missing field, …)
    │       └── InvalidOutputError a job or its output that breaks it (also a ValueError)
    ├── JobError                   a job ended without a result
    │   ├── JobFailedError         status "failed", with the API's error text
    │   ├── JobCanceledError       status "canceled"
    │   └── JobExpiredError        the job or its output is gone (results are kept 24 hours)
    ├── WaitTimeoutError           wait() reached its deadline; the job may still finish
    └── WebhookVerificationError   a webhook delivery failed verification (also a ValueError)

Messages say what happened and what to do. No exception ever carries an API key or a webhook
secret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._webhook_reason import Reason

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "FieldError",
    "InvalidOutputError",
    "InvalidResponseError",
    "JobCanceledError",
    "JobError",
    "JobExpiredError",
    "JobFailedError",
    "NotFoundError",
    "PaymentRequiredError",
    "PyannoteAIError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "WaitTimeoutError",
    "WebhookVerificationError",
]


class PyannoteAIError(Exception):
    """Base class of every exception raised by pyannoteai-identify.

    Every one pickles with its attributes, as long as they pickle (a ``ValidationError`` keeps the
    value it refused, which may be an open file): a worker process of a pool sends its exception
    back pickled, and pickle's default rebuilds an exception by calling its class with ``args``
    alone, which the subclasses' keyword-only arguments refuse. Loading does not call ``__init__``,
    so an attribute added since a pickle was written has a class-level default, which it reads as.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(cls: type[PyannoteAIError], args: tuple[Any, ...], state: dict[str, Any]) -> PyannoteAIError:
    """An exception of *cls* with *args* and the attributes *state*, without calling its ``__init__``."""
    error = cls.__new__(cls, *args)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ValidationError(PyannoteAIError, ValueError):
    """An argument breaks a rule of the API; raised before anything is sent, so nothing is billed.

    Attributes:
        field: the argument (or, from the command line, the option).
        value: the value as passed; a URL keeps its secrets here, so do not log it.
        rule: what the value breaks.
        shown: what the message shows instead of *value* (a URL without its query or
            ``user:password@``), or None when it shows *value*.
    """

    #: Added after errors first pickled: an older pickle loads without it (see PyannoteAIError).
    shown: str | None = None

    def __init__(self, field: str, value: object, rule: str, *, shown: str | None = None) -> None:
        """*shown*, when given, stands for *value* in the message: a URL without its secrets."""
        self.field = field
        self.value = value
        self.rule = rule
        self.shown = shown
        super().__init__(f"{field}={_short_repr(value if shown is None else shown)}: {rule}")


def _unprintable(value: object) -> str:
    """What a message shows of a value ``repr()`` refuses: an int over Python's 4,300-digit limit by its size."""
    return f"<int of {value.bit_length()} bits>" if isinstance(value, int) else f"<{type(value).__name__}>"


def _short_repr(value: object) -> str:
    """``repr(value)`` for a message, cut to 80 characters (a 20,000-character voiceprint must not
    flood a log line) by :func:`_elided`."""
    try:
        shown = repr(value)
    except ValueError:
        return _unprintable(value)
    return _elided(shown, 80)


def _elided(text: str, limit: int) -> str:
    """*text*, or its beginning and its end around a ``...``, *limit* characters in all: a value's end
    says as much as its beginning (a long path's file name, a URL's last segment)."""
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return text[:head] + "..." + text[len(text) - (limit - 3 - head) :]


class ConfigurationError(PyannoteAIError):
    """The client cannot be set up or used as asked: a missing API key, a base URL that would leak it,
    an httpx client or transport of the other kind (sync for async), or a client already closed."""


class APIConnectionError(PyannoteAIError):
    """No response arrived: the connection failed, was reset or timed out.

    *request_sent* tells whether the request may have reached the API. For a request that creates
    a job, that means the job may exist (and be billed): find it with ``client.jobs()`` rather than
    submitting again. *proxy_refused* is True when a proxy refused the tunnel with a 4xx (407: its
    credentials; 403: its allow list), which the same request gets again: it is neither retried nor
    polled through by ``wait()``. *certificate_failed* is True when the server's TLS certificate
    could not be verified (an ``ssl.SSLCertVerificationError`` caused the failure): nothing was sent,
    and waiting does not change it, so it is neither retried nor polled through by ``wait()`` either.
    """

    #: Added after errors first pickled: an older pickle loads without them (see PyannoteAIError).
    proxy_refused: bool = False
    certificate_failed: bool = False

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        request_sent: bool = False,
        proxy_refused: bool = False,
        certificate_failed: bool = False,
    ) -> None:
        self.method = method
        self.url = url
        self.request_sent = request_sent
        self.proxy_refused = proxy_refused
        self.certificate_failed = certificate_failed
        super().__init__(message)


class APITimeoutError(APIConnectionError):
    """The API did not answer in time."""


class FieldError:
    """One field error of a 400 response: which field, and what is wrong with it."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"FieldError(field={self.field!r}, message={self.message!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldError) and (self.field, self.message) == (other.field, other.message)

    def __hash__(self) -> int:
        return hash((self.field, self.message))


class APIError(PyannoteAIError):
    """The API answered with an error status.

    Attributes:
        status_code: the HTTP status; 0 when no response is involved (``InvalidOutputError`` from
            ``from_dict`` on a mapping the caller passed).
        message: the API's message (or a description when the body had none).
        request_id: the API's ``requestId`` when the body carried one; quote it to support. For a
            failed upload, the storage's id of its answer (S3's ``x-amz-request-id``; the message
            adds its ``x-amz-id-2``), which the storage provider's support asks for.
        field_errors: per-field problems of a 400 response.
        headers: the response headers (rate-limit headers included).
        body: the raw response body.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        field_errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        hint: str = "",
    ) -> None:
        self.status_code = status_code
        self.message = message
        self.request_id = request_id
        self.field_errors = tuple(field_errors)
        self.headers: Mapping[str, str] = dict(headers or {})
        self.body = body
        # What the server sent is cut in the text (kept whole in the attributes and in body): a
        # broken API or a proxy can send megabytes, and str(error) goes to logs and terminals.
        text = (f"HTTP {status_code}: " if status_code else "") + _cut(message, 500)
        if self.field_errors:
            shown = [f"{_cut(e.field, 100)}: {_cut(e.message, 200)}" for e in self.field_errors[:10]]
            more = len(self.field_errors) - len(shown)
            text += " (" + "; ".join(shown) + (f"; and {more} more" if more else "") + ")"
        if request_id:
            text += f" [request id {_cut(request_id, 100)}]"
        if hint:
            text += f". {hint}"
        super().__init__(text)


def _cut(text: str, limit: int) -> str:
    """*text*, or its first *limit* characters and an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BadRequestError(APIError):
    """400: the API refused the request; see ``field_errors``."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked."""


class PaymentRequiredError(APIError):
    """402: a subscription is required, or the team's budget is exhausted."""


class NotFoundError(APIError):
    """404 in the API's own JSON error: no such job (or its results were deleted). A 404 that is
    not the API's JSON (a gateway's or proxy's page) is a plain ``APIError`` instead."""


class RateLimitError(APIError):
    """429: over the rate limit; ``retry_after`` is the server's suggested wait in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIError):
    """5xx: the API (or, for an upload, its storage) failed; safe reads were already retried."""


class InvalidResponseError(APIError):
    """A response that breaks the contract: unparseable JSON, a wrong content type or a bad field."""


class InvalidOutputError(InvalidResponseError, ValueError):
    """A job or its output that breaks the contract, naming the field: from a poll's answer (with
    its status and request id) or from ``from_dict`` on a mapping the caller passed (status 0), which
    is why it is also a ValueError, like any parser's."""

    def __init__(self, message: str, *, status_code: int = 0, **kwargs: Any) -> None:
        super().__init__(message, status_code=status_code, **kwargs)


class JobError(PyannoteAIError):
    """A job ended without a usable result."""

    def __init__(self, message: str, *, job_id: str, status: str, api_message: str | None = None) -> None:
        self.job_id = job_id
        self.status = status
        self.api_message = api_message
        super().__init__(message)


class JobFailedError(JobError):
    """The job failed; ``api_message`` holds the API's error text when it sent one."""


class JobCanceledError(JobError):
    """The job was canceled."""


class JobExpiredError(JobError):
    """The job or its output is gone: results are deleted 24 hours after a job completes."""


class WaitTimeoutError(PyannoteAIError):
    """wait() reached its deadline before the job finished; resume later with the same ``job_id``.

    ``last_status`` is the status the last answer gave (or the job handle's), None when none is
    known. ``polls_failing`` says, when the polls since the last answer all failed (the API unreachable or
    overloaded), how many and with what: "3 polls in a row failed, the last with: …". The last
    error is also the exception's ``__cause__``.
    """

    #: Added after errors first pickled: an older pickle loads without it (see PyannoteAIError).
    polls_failing: str | None = None

    def __init__(self, message: str, *, job_id: str, last_status: str | None, polls_failing: str | None = None) -> None:
        self.job_id = job_id
        self.last_status = last_status
        self.polls_failing = polls_failing
        super().__init__(message)


class WebhookVerificationError(PyannoteAIError, ValueError):
    """A webhook delivery failed verification; ``reason`` says which check (never which byte)."""

    def __init__(self, reason: Reason, message: str) -> None:
        self.reason: Reason = reason
        super().__init__(message)
