"""The webhook secret: the ``Secret`` type and where it comes from when none is passed
(``resolve_secret``, ``SECRET_ENV``: public in :mod:`pyannoteai_identify.webhooks`), and the HMAC
signers prepared from one secret or several (a rotation), checked and cached."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeAlias

from ._config import WEBHOOK_SECRET_ENV
from ._webhook_hmac import _Signer
from .errors import WebhookVerificationError

#: One secret, or several during a rotation (any one that matches passes).
Secret: TypeAlias = str | bytes | Sequence[str | bytes]

SECRET_ENV = WEBHOOK_SECRET_ENV


def _signer_of(key: str | bytes) -> tuple[_Signer, ...]:
    try:
        raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    except UnicodeEncodeError:
        # Said without showing the secret: it is unusable, as no delivery can be signed with it.
        raise WebhookVerificationError(
            "no_secret",
            "the webhook secret is not valid text (it contains a lone surrogate, which has no UTF-8 bytes): "
            "copy it again from the Webhooks page of the pyannoteAI dashboard",
        ) from None
    if not raw:
        raise WebhookVerificationError("no_secret", "the webhook secret is empty")
    if raw.strip() != raw:
        # Every delivery would then fail as signature_mismatch, with nothing to say why.
        raise WebhookVerificationError(
            "no_secret",
            "the webhook secret starts or ends with whitespace (a newline read from a file?): strip it",
        )
    return (_Signer(raw),)


# verify() and parse() are called with the same secret again and again: preparing its HMAC states
# once is half the cost of checking a small body. The cache holds only secrets callers passed in.
_cached_signer_of = lru_cache(maxsize=32)(_signer_of)


def _signers(secret: Secret, *, cached: bool = True) -> tuple[_Signer, ...]:
    """The HMAC states for one secret, or for each of several."""
    prepare = _cached_signer_of if cached else _signer_of
    if type(secret) is str or isinstance(secret, str | bytes):
        return prepare(secret)
    if isinstance(secret, bytearray | memoryview):  # a Sequence of ints, not of secrets
        return prepare(bytes(secret))
    if not isinstance(secret, Sequence):
        raise TypeError(f"secret must be a str, bytes or a sequence of them, not {type(secret).__name__}")
    keys: list[str | bytes] = []
    for index, key in enumerate(secret):
        if not isinstance(key, str | bytes):
            raise TypeError(f"secret[{index}] must be a str or bytes, not {type(key).__name__}")
        keys.append(key)
    if not keys:
        raise WebhookVerificationError("no_secret", "no webhook secret given: the sequence of secrets is empty")
    return tuple(signer for key in keys for signer in prepare(key))


def resolve_secret(secret: Secret | None) -> Secret:
    """*secret* if given, else ``PYANNOTEAI_WEBHOOK_SECRET``; raise ``no_secret`` when neither is set.

    The environment value is stripped of surrounding whitespace (a trailing newline from a secrets
    file is a common mistake).
    """
    if secret is not None:
        return secret
    value = os.environ.get(SECRET_ENV, "").strip()
    if not value:
        raise WebhookVerificationError(
            "no_secret",
            f"no webhook secret: pass secret=... or set the {SECRET_ENV} environment variable "
            "(the pyannoteAI dashboard shows it on the Webhooks page)",
        )
    return value
