"""Check user arguments against the contract before anything is sent (pure, no network I/O).

Every limit is read from the contract (``_spec.SPEC``, written from openapi.yaml by ``nox -s
generate``), so a change of the spec changes the checks. Each failure raises ``ValidationError``
naming the field, the value and the rule: nothing is sent, nothing is billed.

This module gathers the checks, each kind in a module of its own, under the names the package
imports them by: ``_validation_limits`` (the contract's bounds, enums and defaults),
``_validation_basics`` (text, bools, ASCII whole numbers), ``_validation_callbacks``,
``_validation_urls`` (``media://`` and http(s) URLs), ``_validation_audio`` (audio sources),
``_validation_files`` (a local file to upload), ``_validation_voiceprints``, ``_validation_options``
(identify's options) and ``_validation_jobs`` (job ids, kinds and cursors).
"""

from __future__ import annotations

from ._validation_audio import AUDIO_EXTENSIONS as AUDIO_EXTENSIONS
from ._validation_audio import AudioSource as AudioSource
from ._validation_audio import CheckedAudio as CheckedAudio
from ._validation_audio import _position_and_size as _position_and_size
from ._validation_audio import check_audio as check_audio
from ._validation_basics import _text as _text
from ._validation_basics import ascii_int as ascii_int
from ._validation_basics import check_bool as check_bool
from ._validation_callbacks import CallbackT as CallbackT
from ._validation_callbacks import call_plain as call_plain
from ._validation_callbacks import check_callback as check_callback
from ._validation_callbacks import guarded_callback as guarded_callback
from ._validation_callbacks import is_async_callable as is_async_callable
from ._validation_jobs import _JOB_KINDS as _JOB_KINDS
from ._validation_jobs import _UUID_TEXT as _UUID_TEXT
from ._validation_jobs import MAX_JOB_ID_LENGTH as MAX_JOB_ID_LENGTH
from ._validation_jobs import check_cursor as check_cursor
from ._validation_jobs import check_job_id as check_job_id
from ._validation_jobs import check_job_kind as check_job_kind
from ._validation_jobs import is_cursor as is_cursor
from ._validation_limits import DEFAULT_RATE_LIMIT as DEFAULT_RATE_LIMIT
from ._validation_limits import LABEL_MAX as LABEL_MAX
from ._validation_limits import LABEL_MIN as LABEL_MIN
from ._validation_limits import LABEL_PATTERN as LABEL_PATTERN
from ._validation_limits import MAX_AUDIO_BYTES as MAX_AUDIO_BYTES
from ._validation_limits import MAX_AUDIO_SECONDS as MAX_AUDIO_SECONDS
from ._validation_limits import MAX_VOICEPRINT_AUDIO_BYTES as MAX_VOICEPRINT_AUDIO_BYTES
from ._validation_limits import MAX_VOICEPRINT_AUDIO_SECONDS as MAX_VOICEPRINT_AUDIO_SECONDS
from ._validation_limits import MAX_VOICEPRINTS as MAX_VOICEPRINTS
from ._validation_limits import MEDIA_URL_MAX as MEDIA_URL_MAX
from ._validation_limits import MEDIA_URL_PATTERN as MEDIA_URL_PATTERN
from ._validation_limits import MIN_VOICEPRINTS as MIN_VOICEPRINTS
from ._validation_limits import MODEL_MIN as MODEL_MIN
from ._validation_limits import NUM_SPEAKERS_VALUES as NUM_SPEAKERS_VALUES
from ._validation_limits import PAGE_SIZE_DEFAULT as PAGE_SIZE_DEFAULT
from ._validation_limits import PAGE_SIZE_MAX as PAGE_SIZE_MAX
from ._validation_limits import PAGE_SIZE_MIN as PAGE_SIZE_MIN
from ._validation_limits import STATUS_FILTER_VALUES as STATUS_FILTER_VALUES
from ._validation_limits import THRESHOLD_MAX as THRESHOLD_MAX
from ._validation_limits import THRESHOLD_MIN as THRESHOLD_MIN
from ._validation_limits import VOICEPRINT_MAX as VOICEPRINT_MAX
from ._validation_limits import VOICEPRINT_MIN as VOICEPRINT_MIN
from ._validation_limits import StatusFilter as StatusFilter
from ._validation_options import Matching as Matching
from ._validation_options import check_matching as check_matching
from ._validation_options import check_model as check_model
from ._validation_options import check_num_speakers as check_num_speakers
from ._validation_options import check_threshold as check_threshold
from ._validation_urls import _RANGE_WORDS as _RANGE_WORDS
from ._validation_urls import MEDIA_URL_RULE as MEDIA_URL_RULE
from ._validation_urls import _http_url as _http_url
from ._validation_urls import _url_error as _url_error
from ._validation_urls import check_media_url as check_media_url
from ._validation_urls import check_webhook as check_webhook
from ._validation_urls import describe_media_url_pattern as describe_media_url_pattern
from ._validation_voiceprints import Voiceprint as Voiceprint
from ._validation_voiceprints import check_voiceprints as check_voiceprints

__all__ = [
    "NUM_SPEAKERS_VALUES",
    "PAGE_SIZE_MAX",
    "PAGE_SIZE_MIN",
    "AudioSource",
    "Matching",
    "Voiceprint",
    "call_plain",
    "check_audio",
    "check_bool",
    "check_callback",
    "check_cursor",
    "check_job_id",
    "check_media_url",
    "check_model",
    "check_num_speakers",
    "check_threshold",
    "check_voiceprints",
    "check_webhook",
    "guarded_callback",
    "is_cursor",
]
