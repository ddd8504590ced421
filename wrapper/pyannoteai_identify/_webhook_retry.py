"""``RetryReason``: the ``x-retry-reason`` values the contract lists (public in
:mod:`pyannoteai_identify.webhooks`), and reading a delivery's raw header as one of them."""

from __future__ import annotations

import enum

__all__ = ["RetryReason", "known_retry_reason"]


class RetryReason(enum.StrEnum):
    """Why the API's previous attempt of a delivery failed (the ``x-retry-reason`` header's values,
    openapi.yaml's enum, in its order; a test checks these members against it).

    A member equals its string (``RetryReason.HTTP_TIMEOUT == "http_timeout"``). The header is not
    signed: use it for logs and metrics, never for decisions.
    """

    HTTP_TIMEOUT = "http_timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    CONNECTION_FAILED = "connection_failed"
    SSL_ERROR = "ssl_error"
    HTTP_ERROR = "http_error"
    UNKNOWN_ERROR = "unknown_error"


_REASON_BY_VALUE = {reason.value: reason for reason in RetryReason}


def known_retry_reason(raw: str | None) -> RetryReason | None:
    """*raw* (a header value, its surrounding whitespace removed) as the ``RetryReason`` it names,
    or None when it is absent or a value the contract does not list (matched exactly, as sent)."""
    return None if raw is None else _REASON_BY_VALUE.get(raw)
