"""When a delivery was signed: the tolerance window its ``X-Request-Timestamp`` must fall in
(``DEFAULT_TOLERANCE``, public in :mod:`pyannoteai_identify.webhooks`), the checks of the
``tolerance`` and ``now`` arguments, and the error for a timestamp that is not Unix seconds."""

from __future__ import annotations

from ._numbers import real
from ._webhook_headers import TIMESTAMP_HEADER
from .errors import ValidationError, WebhookVerificationError

#: Seconds a delivery's timestamp may differ from now, in the past or the future. The API retries
#: at once, after 1 minute and after 5 minutes; 600 s accepts the last retry even if it reuses the
#: first attempt's timestamp, and leaves room for clock skew.
DEFAULT_TOLERANCE = 600.0

_MAX_TIMESTAMP_DIGITS = 12


def _check_tolerance(tolerance: float | None) -> float | None:
    """None, or seconds ≥ 0 (any real number, :func:`._numbers.real`) as a float; infinity passes."""
    if tolerance is None:
        return None
    seconds = real(tolerance)
    if seconds is None or not seconds >= 0:
        raise ValidationError("tolerance", tolerance, "must be a number of seconds ≥ 0, or None to disable the window")
    return seconds


def _check_now(now: float | None) -> float | None:
    """None, or Unix seconds that a timestamp header could hold, as a float: NaN would make every age
    comparison false."""
    if now is None:
        return None
    seconds = real(now)
    if seconds is None or not 0 <= seconds < 10**_MAX_TIMESTAMP_DIGITS:
        raise ValidationError(
            "now", now, f"must be Unix seconds from 0 to 10**{_MAX_TIMESTAMP_DIGITS} (finite), or None for the clock"
        )
    return seconds


def _malformed_timestamp() -> WebhookVerificationError:
    return WebhookVerificationError(
        "malformed_timestamp", f"{TIMESTAMP_HEADER} must be whole seconds since the Unix epoch"
    )
