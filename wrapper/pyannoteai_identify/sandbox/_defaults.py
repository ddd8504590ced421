"""The sandbox's built-in credentials and limits (not secrets: every sandbox has them)."""

from __future__ import annotations

__all__ = ["DEFAULT_API_KEY", "DEFAULT_WEBHOOK_SECRET", "MAX_UPLOAD_BYTES"]

DEFAULT_API_KEY = "sandbox-key"
DEFAULT_WEBHOOK_SECRET = "whsec_sandbox"
#: The largest upload (1 GiB, the API's limit), and the largest audio fetched from a loopback URL.
MAX_UPLOAD_BYTES = 1 << 30
