"""The argument checks of ``Client`` and ``AsyncClient`` made before any I/O: the constructor's
(timeout, retries, http_client or transport, proxies) and those of ``wait()``, ``get_job()`` and the
job list."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import httpx

from ._config import DEFAULT_WAIT_TIMEOUT, _timeout_problem
from ._core_pages import JobSummary
from ._numbers import real
from ._proxy import proxy_pool
from ._retry import RetryPolicy
from ._validation import (
    PAGE_SIZE_MAX,
    PAGE_SIZE_MIN,
    STATUS_FILTER_VALUES,
    check_cursor,
    check_job_id,
    check_job_kind,
)
from .errors import ConfigurationError, ValidationError
from .results import Job, JobKind, JobStatus, is_terminal

__all__ = [
    "check_http",
    "check_job",
    "check_kind_of_handle",
    "check_list_args",
    "check_no_proxy",
    "check_wait_timeout",
    "chosen_retry",
    "timeout_or_http_clients",
]

#: httpx's own default timeout, which an http_client has unless its builder chose one.
_HTTPX_DEFAULT_TIMEOUT = httpx.Timeout(5.0)


def timeout_or_http_clients(timeout: float | httpx.Timeout | None, http_client: object) -> float | httpx.Timeout | None:
    """*timeout*; when none is passed, the timeout an ``http_client`` was built with, if any.

    Each request carries its timeout, so without this an http_client's own (a proxy that needs two
    minutes) would silently give way to the SDK's default. httpx's default of 5 s is no choice of
    the caller's (as in openai-python, which does the same): the SDK's default applies then.
    """
    if (
        timeout is None
        and isinstance(http_client, httpx.Client | httpx.AsyncClient)
        and http_client.timeout != _HTTPX_DEFAULT_TIMEOUT
    ):
        problem = _timeout_problem(http_client.timeout)
        if problem is not None:
            # Said as the http_client's: the caller passed no timeout= and would not know where it came from.
            raise ConfigurationError(
                f"the http_client's own timeout ({http_client.timeout!r}), used as timeout= was not passed: "
                f"{problem}; pass timeout= to use another"
            )
        return http_client.timeout
    return timeout


def chosen_retry(max_retries: int | None, retry_policy: RetryPolicy | None, current: RetryPolicy) -> RetryPolicy:
    """The retry policy of ``max_retries=`` and ``retry_policy=``: the policy given, or *current*
    with *max_retries* retries (*current* itself when neither is given)."""
    if retry_policy is not None and max_retries is not None and max_retries != retry_policy.max_retries:
        raise ConfigurationError(
            f"max_retries={max_retries!r} and retry_policy.max_retries={retry_policy.max_retries!r} disagree: "
            "pass one (the policy's own max_retries applies)"
        )
    if retry_policy is not None:
        return retry_policy
    return current if max_retries is None else dataclasses.replace(current, max_retries=max_retries)


def check_http(http_client: object, transport: object, client_type: type, transport_type: type) -> None:
    """Refuse an httpx client or transport of the other kind (sync for async), and both at once."""
    if http_client is not None and transport is not None:
        raise ConfigurationError(
            "pass http_client or transport, not both: the transport of an http_client you build is its own"
        )
    for name, value, expected in (
        ("http_client", http_client, client_type),
        ("transport", transport, transport_type),
    ):
        if value is not None and not isinstance(value, expected):
            raise ConfigurationError(
                f"{name} must be an {expected.__module__}.{expected.__qualname__}, not "
                f"{type(value).__module__}.{type(value).__qualname__} (Client takes httpx.Client and "
                "httpx.BaseTransport, AsyncClient httpx.AsyncClient and httpx.AsyncBaseTransport)"
            )


def check_no_proxy(base_url: str, http_client: object, transport: object) -> None:
    """Refuse an http_client or transport that would send a plain-http *base_url*'s requests
    through a proxy.

    The client the SDK builds ignores proxy variables for such a (loopback) URL; an httpx
    client of the caller's reads them by default (``trust_env``), or has a ``proxy=`` (or a
    transport with one, maybe inside a wrapper transport), and the key would travel to the
    proxy in clear. httpx offers no public way to ask which transport serves a URL and whether
    it proxies: its ``_transport_for_url`` and the transports' httpcore pools are read.
    """
    base = httpx.URL(base_url)
    if base.scheme != "http":
        return
    route = getattr(http_client, "_transport_for_url", None)
    serving = route(base) if callable(route) else transport
    if serving is not None and proxy_pool(serving) is not None:
        raise ConfigurationError(
            f"the http_client or transport would send requests for {base_url} through a proxy "
            "(HTTP_PROXY or ALL_PROXY in the environment, or a proxy= of its own), with the API key in clear "
            "over plain http: build it with trust_env=False and no proxy, or use an https base URL"
        )


def check_job(job: Job[Any] | JobSummary | str) -> tuple[str, JobKind | None, str | None]:
    """The id of *job* (a ``Job`` handle, a ``JobSummary`` of the job list, or a job id), its kind
    when the handle knows it, and its status while not ended: an ended one's is no "still ..." for
    a wait that read no answer. Each is checked as an id: a ``Job`` is public, built from a stored id
    too, and an empty or dot-segment one would address another route (``GET /v1/jobs/``)."""
    if isinstance(job, Job):
        return check_job_id(job.id), job.kind, None if job.is_terminal else str(job.status)
    if isinstance(job, JobSummary):
        status = str(job.status)
        return check_job_id(job.id), None, None if is_terminal(status) else status
    return check_job_id(job), None, None


def check_kind_of_handle(kind: JobKind | None, known_kind: JobKind | None) -> JobKind | None:
    """The kind a job is parsed as: *kind* (checked), else the kind its handle knows (*known_kind*,
    from :func:`check_job`). A *kind* that contradicts the handle's is refused: parsed as the wrong
    type, the output would be blamed on the API ("breaks the contract")."""
    check_job_kind(kind)
    if kind is not None and known_kind is not None and kind != known_kind:
        raise ValidationError("kind", kind, f"contradicts the job handle, a {known_kind} job: leave kind out")
    return kind or known_kind


def check_wait_timeout(timeout: float | None, *, zero_checks_once: bool = False) -> float:
    """A wait's timeout in seconds; with *zero_checks_once*, 0 means one poll, then the result or
    ``WaitTimeoutError`` (a web handler's "done yet?")."""
    if timeout is None:
        return DEFAULT_WAIT_TIMEOUT
    seconds = real(timeout)
    if seconds is None or not (seconds >= 0 if zero_checks_once else seconds > 0):
        rule = (
            "must be a number of seconds ≥ 0 (0: poll once)"
            if zero_checks_once
            else "must be a positive number of seconds"
        )
        raise ValidationError("timeout", timeout, f"{rule}, or None for 24 hours")
    if not math.isfinite(seconds):  # infinity, or an int beyond the range of a float, such as 10**400
        raise ValidationError("timeout", timeout, "must be finite: every wait has a deadline")
    return seconds


def check_list_args(
    status: JobStatus | str | None, page_size: int, max_items: int | None, cursor: object = None
) -> None:
    """The arguments of ``jobs()``, ``job_page()`` and ``job_pages()`` (the last two pass no *max_items*)."""
    if status is not None and (not isinstance(status, str) or str(status) not in STATUS_FILTER_VALUES):
        raise ValidationError("status", status, f"must be one of {sorted(STATUS_FILTER_VALUES)} or None")
    if type(page_size) is not int or not PAGE_SIZE_MIN <= page_size <= PAGE_SIZE_MAX:
        raise ValidationError("page_size", page_size, f"must be an integer from {PAGE_SIZE_MIN} to {PAGE_SIZE_MAX}")
    if max_items is not None and (type(max_items) is not int or max_items < 0):
        raise ValidationError("max_items", max_items, "must be a whole number ≥ 0, or None for all")
    check_cursor(cursor)
