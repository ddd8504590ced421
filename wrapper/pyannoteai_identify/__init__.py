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

from . import errors
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
    from . import webhooks
    from .receiver import WebhookBroker, WebhookReceiver
    from .webhooks import WebhookEvent

#: Imported on first use (``pyannoteai_identify.WebhookBroker``, ``from pyannoteai_identify import
#: WebhookEvent``), by name: the submodule that defines each, and whether the name is the submodule
#: itself. The receiver is a server's part and the webhook parser a receiver's: importing them made
#: every ``import pyannoteai_identify`` pay for them, though a client that polls never uses them.
_LAZY: dict[str, tuple[str, bool]] = {
    "WebhookBroker": ("receiver", False),
    "WebhookReceiver": ("receiver", False),
    "WebhookEvent": ("webhooks", False),
    "webhooks": ("webhooks", True),
    "receiver": ("receiver", True),
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}", name=name)
    submodule, is_module = _LAZY[name]
    module = _importlib.import_module(f"{__name__}.{submodule}")
    value = module if is_module else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
