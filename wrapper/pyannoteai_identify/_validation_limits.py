"""The contract's limits, read from openapi.yaml: every bound, enum and default the checks use.

Every value is read from the contract (``_spec.SPEC``, written from openapi.yaml by ``nox -s
generate``), so a change of the spec changes the checks; nothing here checks anything.
"""

from __future__ import annotations

import re
from typing import Literal, TypeAlias

from ._contract import SpecReader

_SPEC = SpecReader(__name__)

NUM_SPEAKERS_VALUES: tuple[int, ...] = tuple(_SPEC.prop("IdentifyRequest", "numSpeakers", "enum"))
MIN_VOICEPRINTS: int = _SPEC.prop("IdentifyRequest", "voiceprints", "minItems")
MAX_VOICEPRINTS: int = _SPEC.prop("IdentifyRequest", "voiceprints", "maxItems")
LABEL_MIN: int = _SPEC.prop("Voiceprint", "label", "minLength")
LABEL_MAX: int = _SPEC.prop("Voiceprint", "label", "maxLength")
LABEL_PATTERN = re.compile(_SPEC.prop("Voiceprint", "label", "pattern"))
VOICEPRINT_MIN: int = _SPEC.prop("Voiceprint", "voiceprint", "minLength")
VOICEPRINT_MAX: int = _SPEC.prop("Voiceprint", "voiceprint", "maxLength")
THRESHOLD_MIN: float = _SPEC.prop("Matching", "threshold", "minimum")
THRESHOLD_MAX: float = _SPEC.prop("Matching", "threshold", "maximum")
MODEL_MIN: int = _SPEC.prop("IdentifyRequest", "model", "minLength")
MEDIA_URL_MAX: int = _SPEC.prop("MediaUploadRequest", "url", "maxLength")
MEDIA_URL_PATTERN = re.compile(_SPEC.prop("MediaUploadRequest", "url", "pattern"))
MAX_AUDIO_BYTES: int = _SPEC.prop("IdentifyRequest", "url", "x-max-file-bytes")
MAX_VOICEPRINT_AUDIO_BYTES: int = _SPEC.prop("VoiceprintRequest", "url", "x-max-file-bytes")
MAX_VOICEPRINT_AUDIO_SECONDS: float = _SPEC.prop("VoiceprintRequest", "url", "x-max-duration-seconds")
MAX_AUDIO_SECONDS: float = _SPEC.prop("IdentifyRequest", "url", "x-max-duration-seconds")
#: The page sizes ``GET /v2/jobs`` accepts: its ``limit`` query parameter's minimum and maximum.
#: The SDK lists jobs by pages of ``PAGE_SIZE_MAX`` (the largest page) unless told otherwise.
PAGE_SIZE_MIN: int = _SPEC.query_parameter("getJobsByTeamV2", "limit", "minimum")
PAGE_SIZE_MAX: int = _SPEC.query_parameter("getJobsByTeamV2", "limit", "maximum")
#: Requests per minute the API allows a key by default (``X-RateLimit-Limit``'s ``x-default``): the
#: sandbox's and the mock's limit, the batch limiter's budget, and the guess when the header is missing.
DEFAULT_RATE_LIMIT: int = _SPEC.get("components", "headers", "X-RateLimit-Limit", "x-default")
#: The page size ``GET /v2/jobs`` uses when no ``limit`` is given (the parameter's ``default``).
PAGE_SIZE_DEFAULT: int = _SPEC.query_parameter("getJobsByTeamV2", "limit", "default")
#: The statuses ``GET /v2/jobs`` filters by (a status the API gains is accepted once the contract has it).
STATUS_FILTER_VALUES: tuple[str, ...] = tuple(_SPEC.query_parameter("getJobsByTeamV2", "status", "enum"))


#: The same statuses as a type, for ``jobs(status=...)`` (written out: tests/contract checks it
#: against the contract's enum, so a status the contract gains is added here too).
StatusFilter: TypeAlias = Literal["pending", "created", "running", "succeeded", "failed", "canceled"]
