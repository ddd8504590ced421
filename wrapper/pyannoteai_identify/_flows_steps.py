"""The steps a flow yields (send, sleep, upload, parse, await a webhook) and the ``Flow`` type: what
``Client`` and ``AsyncClient`` perform, each in its own way (see ``_flows``)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

import httpx

from ._upload import ProgressCallback
from ._validation import CheckedAudio

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send *request* and return the ``httpx.Response`` (body read).

    *body_seconds*, when set, shortens the client's time budget for reading the body, so that a
    body trickling in does not hold a call past its caller's deadline.

    *answered*, when set, is called with the response once its body was read or could not be (its
    headers had arrived, a dropped connection lost the rest): what learns from an answer's headers
    (``client.rate_limit``, the throttle) learns from them either way, in one place.
    """

    request: httpx.Request
    body_seconds: float | None = None
    answered: Callable[[httpx.Response], object] | None = None

    def heard(self, response: httpx.Response) -> None:
        """Hand *response*, its body read or lost, to *answered*."""
        if self.answered is not None:
            self.answered(response)


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait *seconds*."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Upload:
    """PUT the audio to the presigned *url*, streaming it; return the ``httpx.Response``."""

    url: str
    audio: CheckedAudio
    progress: ProgressCallback | None


@dataclass(frozen=True, slots=True)
class Parse:
    """Decode and parse a response body of *size* bytes with *parse* (pure, CPU-bound).

    The outcome comes back as ``(value, None)`` or ``(None, error)``, so that the flow raises the
    error where it can handle it. ``AsyncClient`` parses a large body in a worker thread: a 30 MB
    output (24 hours, with confidence) kept the event loop busy for about half a second. The thread
    halves that, not more: the JSON decoder (orjson or the standard library's) is one C call that
    holds the GIL throughout, so other tasks run only while the decoded mapping becomes a result.
    """

    parse: Callable[[], Any]
    size: int

    def run(self) -> tuple[Any, Exception | None]:
        try:
            return self.parse(), None
        except Exception as error:  # handed to the flow, which raises it
            return None, error


@dataclass(frozen=True, slots=True)
class AwaitWebhook:
    """Wait up to *timeout* seconds for the webhook of *job_id*; return the event or None."""

    broker: Any
    job_id: str
    timeout: float


Step: TypeAlias = Send | Sleep | Upload | Parse | AwaitWebhook
Flow: TypeAlias = Generator[Step, Any, T]
