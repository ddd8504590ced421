"""Parsing a delivery: ``parse`` (public in :mod:`pyannoteai_identify.webhooks`) verifies it, then
reads its JSON body into a :class:`WebhookEvent` (the retry headers as hints; a signed output this
version cannot read handed on without its result), and ``_parse_with`` does both for the receiver."""

from __future__ import annotations

from typing import Any

from ._json import loads_json
from ._validation import ascii_int, check_job_kind
from ._webhook_body import Body, _check_body
from ._webhook_event import WebhookEvent, declared, sent_warning
from ._webhook_headers import RETRY_NUM_HEADER, RETRY_REASON_HEADER, Headers, _header
from ._webhook_hmac import _Signer
from ._webhook_secret import Secret, _signers, resolve_secret
from ._webhook_verify import _verify
from ._webhook_window import DEFAULT_TOLERANCE, _check_now, _check_tolerance
from .errors import InvalidResponseError, WebhookVerificationError
from .results import Job, JobKind, JobStatus, Result, _read_only, parse_job


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
        job = parse_job(declared(data), kind)
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
    warning = sent_warning(data)
    if warning is None and output is not None:
        warning = output.warning
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
        return parse_job({key: value for key, value in declared(data).items() if key != "output"}, kind)
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
