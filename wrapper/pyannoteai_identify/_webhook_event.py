"""The event a verified delivery becomes: ``WebhookEvent`` (public in
:mod:`pyannoteai_identify.webhooks`, which it reports as its module), with the job it stands for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._contract import SpecReader
from ._webhook_retry import RetryReason, known_retry_reason
from .results import Job, JobKind, JobStatus, Result, failed_output, parse_job

#: The keys of a delivery the contract declares (``WebhookDelivery``: ``jobId``, ``status``, ``output``).
DELIVERY_KEYS: frozenset[str] = frozenset(SpecReader(__name__).properties("WebhookDelivery"))


def declared(data: Any) -> Any:
    """A delivery's JSON *data* with only the keys the contract declares for a delivery (anything but
    an object as it is): what is parsed. Another key (a job envelope's ``createdAt``) stays in ``raw``
    only, so that a value this version does not expect there never refuses a signed delivery."""
    if not isinstance(data, Mapping):
        return data
    return {key: value for key, value in data.items() if key in DELIVERY_KEYS}


def sent_warning(data: Any) -> str | None:
    """A ``warning`` string sent beside the output (as a created job's), else None."""
    warning = data.get("warning") if isinstance(data, Mapping) else None
    return warning if isinstance(warning, str) else None


@dataclass(frozen=True, eq=False, slots=True)
class WebhookEvent:
    """A verified delivery: which job finished, how, and its output parsed as polling would.

    Attributes:
        job_id: the job's id.
        status: ``JobStatus`` (``succeeded``, ``failed`` or ``canceled`` for a real delivery), or
            the plain string of a status this version does not know.
        result: the parsed output of a succeeded job; None for a failed or canceled job, and for a
            status-only delivery (``webhookStatusOnly``): fetch the output with the client then.
        error: the API's error text for a failed job, when it sent one.
        warning: the API's warning, if any.
        kind: ``identify``, ``voiceprint`` or ``diarization`` when known or inferable from the output.
        retry_num: 0 for the first attempt, else the ``x-retry-num`` header (1, 2 or 3).
        retry_reason: why the previous attempt failed, as the ``x-retry-reason`` header said it
            (surrounding whitespace removed), or None; :attr:`known_retry_reason` is its typed
            value. Retry headers are not signed: use them as hints only.
        timestamp: the signed ``X-Request-Timestamp`` (Unix seconds).
        raw: the parsed JSON body, as a read-only mapping that pickles (events go to task queues and
            process pools); the values inside it are the JSON values as sent.
        output_error: why a succeeded job's output could not be read (it breaks the contract, or
            its keys show no known job type); ``result`` is None then, and ``raw`` holds what
            came: fetch the job with the client (``Client.wait`` does). None when it was read.
    """

    job_id: str
    status: JobStatus | str
    result: Result | None
    error: str | None
    warning: str | None
    kind: JobKind | None
    retry_num: int
    retry_reason: str | None
    timestamp: int
    raw: Mapping[str, Any]
    output_error: str | None = None

    @property
    def is_retry(self) -> bool:
        """True when the API says an earlier attempt of this delivery failed."""
        return self.retry_num > 0

    @property
    def known_retry_reason(self) -> RetryReason | None:
        """``retry_reason`` as a ``RetryReason`` (``RetryReason.HTTP_TIMEOUT``...), when it is one of
        the values the contract lists; None for a first attempt and for any other value (kept raw
        in ``retry_reason``)."""
        return known_retry_reason(self.retry_reason)

    def as_job(self) -> Job[Result]:
        """The event as a ``Job``, the shape polling returns (a failed job's error text included, and
        every key of the output a job that did not succeed was delivered with, as polling reads it)."""
        output = self.result
        if output is None and self.status != JobStatus.SUCCEEDED:
            sent = self.raw.get("output")
            if (
                isinstance(sent, Mapping)
                and sent
                and self.output_error is None
                and (self.error is None or "error" in sent)
            ):
                output = parse_job(declared(self.raw), self.kind).output  # read already once, so it reads
            elif self.error or self.warning:
                output = failed_output(self.error, self.warning)
        return Job(self.job_id, self.status, self.kind, output=output, warning=self.warning)

    def __repr__(self) -> str:
        return (
            f"WebhookEvent(job_id={self.job_id!r}, status={str(self.status)!r}, kind={self.kind!r}, "
            f"result={self.result!r}, retry_num={self.retry_num})"
        )
