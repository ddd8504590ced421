"""Verify, parse and sign pyannoteAI webhook deliveries.

pyannoteAI posts a finished job to the job's ``webhook`` URL as ``{"jobId", "status", "output"?}``,
signed with HMAC-SHA256 keyed with the team's webhook secret (its UTF-8 bytes) over
``v0:{X-Request-Timestamp}:{raw body}``. The API's prose says ``X-Signature`` is base64 while its
sample code and every receiver seen in the wild compare a hex digest, so :func:`verify` accepts
either encoding, comparing in constant time.

Always verify the raw bytes of the request body, exactly as received: JSON that was parsed and
serialised again almost never has the same bytes (spacing, key order, number formatting,
``\\u00e9`` for ``é``), and its signature will not match.

The tolerance: the API tries a delivery once, then retries at once, after 1 minute and after 5
minutes. Whether a retry is signed afresh or reuses the first attempt's timestamp, the last retry
carries a timestamp at most about 6 minutes old, so the default window of 600 s accepts every
documented attempt while still refusing a delivery replayed later. The retry headers
(``x-retry-num``, ``x-retry-reason``) are not covered by the signature: treat them as hints.
"""

from __future__ import annotations

# Below, ``noqa: F401`` marks the names the annotations of the classes re-exported here use (of their
# fields) and nothing else: each reports this module as its own, where typing.get_type_hints and
# tests/test_project.py look those names up.
from collections.abc import Mapping  # noqa: F401
from typing import Any

from ._json import loads_json
from ._validation import ascii_int, check_job_kind
from ._webhook_body import Body
from ._webhook_body import _check_body as _check_body
from ._webhook_event import WebhookEvent
from ._webhook_headers import _SIGNATURE_LOWER as _SIGNATURE_LOWER
from ._webhook_headers import _TIMESTAMP_LOWER as _TIMESTAMP_LOWER
from ._webhook_headers import (
    RETRY_NUM_HEADER,
    RETRY_REASON_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Headers,
)
from ._webhook_headers import _header as _header
from ._webhook_hmac import _Signer as _Signer
from ._webhook_reason import Reason
from ._webhook_secret import SECRET_ENV, Secret, resolve_secret
from ._webhook_secret import _cached_signer_of as _cached_signer_of
from ._webhook_secret import _signer_of as _signer_of
from ._webhook_secret import _signers as _signers
from ._webhook_signature import _ENCODERS as _ENCODERS
from ._webhook_signature import Encoding, sign
from ._webhook_signature import _b64 as _b64
from ._webhook_signature import _b64_unpadded as _b64_unpadded
from ._webhook_signature import _is_well_formed as _is_well_formed
from ._webhook_signature import _malformed_signature as _malformed_signature
from ._webhook_verify import _checked_headers as _checked_headers
from ._webhook_verify import _verify as _verify
from ._webhook_verify import verify
from ._webhook_window import _MAX_TIMESTAMP_DIGITS as _MAX_TIMESTAMP_DIGITS
from ._webhook_window import DEFAULT_TOLERANCE
from ._webhook_window import _check_now as _check_now
from ._webhook_window import _check_tolerance as _check_tolerance
from ._webhook_window import _malformed_timestamp as _malformed_timestamp
from .errors import InvalidResponseError, WebhookVerificationError
from .results import (
    Job,
    JobKind,
    JobStatus,
    Result,
    _read_only,
    parse_job,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "RETRY_NUM_HEADER",
    "RETRY_REASON_HEADER",
    "SECRET_ENV",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Body",
    "Encoding",
    "Headers",
    "Reason",
    "Secret",
    "WebhookEvent",
    "parse",
    "resolve_secret",
    "sign",
    "verify",
]


def _retry_num(value: str | None) -> int:
    """The retry count from an unsigned header: a malformed value counts as the first attempt."""
    return (ascii_int(value.strip(), max_digits=6) or 0) if value is not None else 0


def _event(body: Body, headers: Headers, timestamp: int, kind: JobKind | None) -> WebhookEvent:
    try:
        data = loads_json(body)
    except (ValueError, RecursionError) as exc:
        raise WebhookVerificationError(
            "malformed_body", f"the delivery is signed but its body is not JSON ({type(exc).__name__})"
        ) from None
    output_error: str | None = None
    try:
        job = parse_job(data, kind)
    except InvalidResponseError as exc:
        # Signed, so genuine: an output this version cannot read (API drift) is handed on without
        # its result rather than refused, which would have the API retry and then drop the job's
        # only delivery. Without a readable job id and status there is nothing to hand on.
        job = _envelope(data, kind, exc)
        output_error = exc.message
    if output_error is None and job.status == JobStatus.SUCCEEDED and job.kind is None and job.output is not None:
        output_error = f"the output's keys ({', '.join(sorted(data['output'])) or 'none'}) show no known job type"
    output = None if output_error is not None else job.output
    error = output.error if output is not None else None
    if error is None and isinstance(data.get("error"), str):
        error = data["error"]
    warning = job.warning if job.warning is not None else (output.warning if output is not None else None)
    reason = _header(headers, RETRY_REASON_HEADER, RETRY_REASON_HEADER)
    return WebhookEvent(
        job_id=job.id,
        status=job.status,
        result=output if job.status == JobStatus.SUCCEEDED else None,
        output_error=output_error,
        error=error,
        warning=warning,
        kind=job.kind,
        retry_num=_retry_num(_header(headers, RETRY_NUM_HEADER, RETRY_NUM_HEADER)),
        retry_reason=(reason.strip() or None) if reason is not None else None,
        timestamp=timestamp,
        raw=_read_only(data),
    )


def _envelope(data: Any, kind: JobKind | None, error: InvalidResponseError) -> Job[Result]:
    """The job of a delivery whose output cannot be read: its id and status, without the output."""
    try:
        return parse_job({key: value for key, value in data.items() if key != "output"}, kind)
    except (InvalidResponseError, AttributeError):
        raise WebhookVerificationError(
            "malformed_body", f"the delivery is signed but its body breaks the contract: {error.message}"
        ) from None


def parse(
    body: Body,
    headers: Headers,
    secret: Secret | None = None,
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
    kind: JobKind | None = None,
) -> WebhookEvent:
    """Verify a delivery, then parse it into a :class:`WebhookEvent`.

    Args:
        body: the raw request body, exactly as received.
        headers: the request headers (names matched case-insensitively).
        secret: the webhook secret or secrets; None reads ``PYANNOTEAI_WEBHOOK_SECRET``.
        tolerance: as for :func:`verify`.
        now: the current Unix time, for tests.
        kind: the job type when the caller knows it; otherwise inferred from the output keys.

    Raises:
        WebhookVerificationError: for every reason :func:`verify` gives, and ``malformed_body``
            when a correctly signed body is not a JSON object with a readable ``jobId`` and
            ``status``. An output that cannot be read is not refused: the event comes with
            ``result=None`` and the reason in ``output_error``.
        ValidationError: *tolerance*, *now* or *kind* is not one the function accepts.
    """
    _check_body(body)
    tolerance = _check_tolerance(tolerance)
    now = _check_now(now)
    check_job_kind(kind)
    return _parse_with(_signers(resolve_secret(secret)), body, headers, tolerance, now, kind)


def _parse_with(
    signers: tuple[_Signer, ...],
    body: Body,
    headers: Headers,
    tolerance: float | None,
    now: float | None,
    kind: JobKind | None = None,
) -> WebhookEvent:
    """parse() with keys prepared once, for the receiver (which never keeps the secret itself)."""
    return _event(body, headers, _verify(body, headers, signers, tolerance, now), kind)


# A pickle names a class (and help() and a traceback a function) by its module, and
# typing.get_type_hints reads annotations in the module a class reports: what is public here, though
# defined in the private modules, reports this one, as before webhooks.py was split.
for _public in (Headers, WebhookEvent, resolve_secret, sign, verify):
    _public.__module__ = __name__
del _public
