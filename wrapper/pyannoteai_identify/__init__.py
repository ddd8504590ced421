"""pyannoteai-identify: identify known speakers in audio with the pyannoteAI API.

Quick start::

    from pyannoteai_identify import Client

    with Client() as client:  # PYANNOTEAI_API_KEY, PYANNOTEAI_BASE_URL
        john = client.create_voiceprint("john.wav")
        job = client.identify("meeting.wav", voiceprints={"John": john}, num_speakers=2)
        result = client.wait(job, timeout=3600)
        for turn in result.identification:
            print(turn.start, turn.end, turn.match)
"""

import importlib as _importlib
import logging as _logging
import typing as _typing

from . import errors, webhooks
from ._client import AsyncClient, Client
from ._core import JobPage, JobSummary, KeyStatus
from ._polling import PollSchedule
from ._rate_limit_info import RateLimit
from ._retry import RetryPolicy
from ._upload import ProgressCallback as UploadProgressCallback
from ._validation import AudioSource, Matching, StatusFilter, Voiceprint
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    InvalidOutputError,
    InvalidResponseError,
    JobCanceledError,
    JobError,
    JobExpiredError,
    JobFailedError,
    NotFoundError,
    PaymentRequiredError,
    PyannoteAIError,
    RateLimitError,
    ServerError,
    ValidationError,
    WaitTimeoutError,
    WebhookVerificationError,
)
from .results import (
    Confidence,
    DiarizationResult,
    Identification,
    IdentifyResult,
    Job,
    JobKind,
    JobStatus,
    Result,
    Segment,
    VoiceprintMatch,
    VoiceprintResult,
)
from .webhooks import WebhookEvent

# A class's repr, help(), a pickle and Sphinx name it by its module: what is public here, though
# defined in a private module, reports this one. Not Client, AsyncClient, JobSummary, PollSchedule
# nor RetryPolicy: typing.get_type_hints resolves a class's field annotations in the module it
# reports, and theirs name httpx, datetime and Callable, which this module does not export.
for _public in (JobPage, KeyStatus, Matching, RateLimit, Voiceprint):
    _public.__module__ = __name__
del _public

# A library never configures logging; this keeps Python's last-resort handler quiet.
_logging.getLogger("pyannoteai_identify").addHandler(_logging.NullHandler())

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AudioSource",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Confidence",
    "ConfigurationError",
    "DiarizationResult",
    "Identification",
    "IdentifyResult",
    "InvalidOutputError",
    "InvalidResponseError",
    "Job",
    "JobCanceledError",
    "JobError",
    "JobExpiredError",
    "JobFailedError",
    "JobKind",
    "JobPage",
    "JobStatus",
    "JobSummary",
    "KeyStatus",
    "Matching",
    "NotFoundError",
    "PaymentRequiredError",
    "PollSchedule",
    "PyannoteAIError",
    "RateLimit",
    "RateLimitError",
    "Result",
    "RetryPolicy",
    "Segment",
    "ServerError",
    "StatusFilter",
    "UploadProgressCallback",
    "ValidationError",
    "Voiceprint",
    "VoiceprintMatch",
    "VoiceprintResult",
    "WaitTimeoutError",
    "WebhookBroker",
    "WebhookEvent",
    "WebhookReceiver",
    "WebhookVerificationError",
    "__version__",
    "errors",
    "webhooks",
]


if _typing.TYPE_CHECKING:
    from .receiver import WebhookBroker, WebhookReceiver

#: Imported on first use (``pyannoteai_identify.WebhookBroker``, ``from pyannoteai_identify import
#: WebhookReceiver``): the receiver is a server's part, and importing it made every ``import
#: pyannoteai_identify`` pay for it (a tenth of its import time). The module itself too
#: (``pyannoteai_identify.receiver.WebhookReceiver`` after ``import pyannoteai_identify``), an
#: attribute of the package while the package imported it.
_FROM_RECEIVER = frozenset({"WebhookBroker", "WebhookReceiver", "receiver"})


def __getattr__(name: str) -> object:
    if name in _FROM_RECEIVER:
        # Not ``from . import receiver``: its look-up of the attribute first would land here again.
        receiver = _importlib.import_module(".receiver", __name__)
        value = receiver if name == "receiver" else getattr(receiver, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}", name=name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_FROM_RECEIVER})
