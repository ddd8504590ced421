"""When the batch stops, and how long it waits before trying again (pure).

A proxy's refusal of the tunnel, or a TLS certificate that cannot be verified, ends the run
wherever it is met (:func:`ends_the_run`); a refused
key or account stops submitting (:class:`Halt`); every other transient answer is tried again after
:func:`backoff`; an upload refused for good (:func:`refused_for_good`) fails its input.
"""

from __future__ import annotations

from ..errors import APIConnectionError, APIError, InvalidResponseError
from ._manifest_records import Row

__all__ = ["Halt", "backoff", "ends_the_run", "refused_for_good"]


class Halt(Exception):
    """Submitting must stop for the whole run (the key or the account was refused, or a proxy the tunnel).

    *error* is what the API (or the proxy) answered, *step* where it was met (``"upload"`` or
    ``"submit"``), *row* the input it was met at: the run's report gives all three
    (``BatchReport.halt``), built from them at once, with no manifest read in between.
    """

    def __init__(self, message: str, *, error: Exception, step: str, row: Row) -> None:
        super().__init__(message)
        self.error = error
        self.step = step
        self.row = row


def ends_the_run(error: BaseException) -> bool:
    """Whether *error* is a proxy's refusal of the tunnel (407: its credentials; 403: its allow list),
    or a server's TLS certificate that could not be verified (the media storage's at an upload).

    Every later request gets it too, so waiting and trying again cannot help: wherever the batch
    meets it, it stops as a 401 there does (submitting halts; a read of the job list or of a job ends
    the run with the error). Nothing reached the API, so every input keeps a state a rerun resumes from.
    """
    return isinstance(error, APIConnectionError) and (error.proxy_refused or error.certificate_failed)


def refused_for_good(error: APIError | APIConnectionError) -> bool:
    """Whether an upload's *error* is a refusal that trying again cannot change (a 4xx other than 429).

    429, 5xx (from the API or the media storage), lost connections and unreadable answers are not:
    nothing billable happened, so the upload is simply tried again (a proxy's refusal and a
    certificate that cannot be verified are not either, but :func:`ends_the_run` comes first).
    """
    status = getattr(error, "status_code", None)
    transient = not isinstance(error, APIError) or isinstance(error, InvalidResponseError)
    return not transient and status != 429 and (status is None or status < 500)


def backoff(attempt: int, error: BaseException) -> float:
    """Seconds before trying again: the server's Retry-After when it gave one, else capped exponential."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int | float) and retry_after >= 0:
        return min(float(retry_after), 120.0)
    return min(0.5 * 2.0**attempt, 30.0)
