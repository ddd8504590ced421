"""The webhook ``MockAPI.delivery`` hands to a test: the job ended now, as the API ends it before
it delivers, and the signed body and headers of its delivery.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import cast

from ._config import WEBHOOK_SECRET_ENV
from ._mock_builders import _TERMINAL, _TEST_SECRET, FinalStatus, _retry_headers, make_delivery, signed_delivery
from ._mock_jobs import _Job

__all__: list[str] = []


def _delivery_of(
    job: _Job,
    outcome: str,
    advance: Callable[[_Job], None],
    secret: str | None,
    status_only: bool | None,
    retry_num: int | None,
    retry_reason: str | None,
) -> tuple[bytes, dict[str, str]]:
    """End *job* (with *outcome*, the mock's, if it was added in a status that is not final) by
    observing it with *advance*, and sign its delivery (see ``MockAPI.delivery``); a retry number
    the API never sends is refused before the job ends."""
    retry = _retry_headers(retry_num, retry_reason)
    job_id = job.job_id
    if job.request and not job.request.get("webhook"):  # submitted (add_job's jobs have no request)
        raise ValueError(
            f"job {job_id} was submitted without a webhook, so the API delivers none: "
            "the code under test must pass webhook=... (the API's 'webhook' field) to get one"
        )
    if job.status not in _TERMINAL and job.outcome not in _TERMINAL:
        # A job added in a status that is not final (add_job("identify", "running")) ends with
        # the mock's outcome, as a submitted one does; an outcome that is no final status would
        # never end it.
        if outcome not in _TERMINAL:
            raise ValueError(
                f"job {job_id} cannot end: outcome {outcome!r} is not one of {', '.join(sorted(_TERMINAL))}"
            )
        job.outcome = outcome
    while job.status not in _TERMINAL:
        advance(job)
    if status_only is None:
        status_only = bool(job.request.get("webhookStatusOnly"))
    # As the webhook docs describe deliveries: only a succeeded job's carries its output.
    sends_output = job.status == "succeeded" and not status_only
    output = dict(job.output) if sends_output and job.output is not None else None
    payload = make_delivery(
        job.kind, cast(FinalStatus, job.status), job_id=job.job_id, output=output, status_only=status_only
    )
    body, headers = signed_delivery(payload, secret or os.environ.get(WEBHOOK_SECRET_ENV) or _TEST_SECRET)
    return body, {**headers, **retry}
