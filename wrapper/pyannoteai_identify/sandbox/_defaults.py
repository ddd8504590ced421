"""The sandbox's built-in credentials and limits (not secrets: every sandbox has them)."""

from __future__ import annotations

from .._validation import MAX_AUDIO_BYTES

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WEBHOOK_SECRET",
    "MAX_JOBS",
    "MAX_MEDIA_BYTES",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_TOKENS",
]

DEFAULT_API_KEY = "sandbox-key"
DEFAULT_WEBHOOK_SECRET = "whsec_sandbox"
#: The largest upload, and the largest audio fetched from a loopback URL: the contract's limit on an
#: identify job's audio (``IdentifyRequest.url.x-max-file-bytes``).
MAX_UPLOAD_BYTES = MAX_AUDIO_BYTES
#: Jobs kept at most; beyond it the oldest is forgotten (404, as after retention). The API keeps
#: every job for 24 h; a long-running sandbox (a fuzzing session) must not grow without end.
MAX_JOBS = 10_000
#: Bytes of uploaded media kept at most (two of the largest uploads); beyond it the oldest uploads are
#: forgotten. Derived from the contract, so that a raised limit still fits in the store.
MAX_MEDIA_BYTES = 2 * MAX_UPLOAD_BYTES
#: Presigned upload URLs not yet expired kept at most; beyond it the oldest stops working (403).
MAX_UPLOAD_TOKENS = 10_000
