"""Client settings: API key, base URL, timeouts and retries, from arguments or the environment."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field

import httpx

from .errors import ConfigurationError

API_KEY_ENV = "PYANNOTEAI_API_KEY"
BASE_URL_ENV = "PYANNOTEAI_BASE_URL"
WEBHOOK_SECRET_ENV = "PYANNOTEAI_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.pyannote.ai"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RETRIES = 3
#: wait() gives up after this long unless told otherwise: audio is at most 24 hours long and
#: results are deleted 24 hours after completion, so a longer wait cannot succeed.
DEFAULT_WAIT_TIMEOUT = 24 * 3600.0


def is_loopback(host: str) -> bool:
    """True for localhost and addresses in 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_timeout(value: object) -> bool:
    """None, an ``httpx.Timeout``, or a positive finite number of seconds (not a bool)."""
    if value is None or isinstance(value, httpx.Timeout):
        return True
    return not isinstance(value, bool) and isinstance(value, int | float) and 0 < value < math.inf


@dataclass(frozen=True)
class Settings:
    """Resolved client settings. The API key is kept out of ``repr`` and every message."""

    api_key: str = field(repr=False)
    base_url: str
    timeout: httpx.Timeout
    max_retries: int

    @classmethod
    def resolve(
        cls,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
    ) -> Settings:
        """Fill in what was not passed from the environment, and check the result is safe to use."""
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        if not key.strip():
            raise ConfigurationError(
                f"no API key: pass api_key=... or set the {API_KEY_ENV} environment variable "
                "(create a key in the pyannoteAI dashboard)"
            )
        if not all("!" <= char <= "~" for char in key.strip()):
            # Said without showing the key: it may be a real one with a stray character.
            raise ConfigurationError(
                f"the API key (argument api_key or {API_KEY_ENV}) contains spaces, control or non-ASCII characters, "
                "which cannot be sent in an HTTP header: copy it again from the pyannoteAI dashboard"
            )
        url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise ConfigurationError(f"base URL {url!r} is not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ConfigurationError(f"base URL {url!r} must be an http(s) URL with a host")
        if parsed.scheme == "http" and not is_loopback(parsed.host):
            raise ConfigurationError(
                f"refusing to send the API key over plain http to {parsed.host}: use https "
                "(plain http is allowed only for loopback addresses such as the sandbox)"
            )
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ConfigurationError(f"max_retries={max_retries!r}: must be a whole number ≥ 0")
        if not _is_timeout(timeout):
            raise ConfigurationError(
                f"timeout={timeout!r}: must be a positive number of seconds, an httpx.Timeout, or None for "
                "the default (30 s, 10 s to connect)"
            )
        resolved_timeout = (
            DEFAULT_TIMEOUT
            if timeout is None
            else timeout
            if isinstance(timeout, httpx.Timeout)
            else httpx.Timeout(timeout)
        )
        return cls(api_key=key.strip(), base_url=url, timeout=resolved_timeout, max_retries=max_retries)
