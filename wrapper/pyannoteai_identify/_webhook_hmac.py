"""HMAC-SHA256 for one webhook secret (RFC 2104), its padded key states hashed once: what signs and
verifies a delivery."""

from __future__ import annotations

import hashlib

from ._webhook_body import Body

_SHA256_BLOCK = 64
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


class _Signer:
    """HMAC-SHA256 for one key, with the padded key states hashed once (RFC 2104).

    ``hmac.new`` hashes both padded keys and builds a Python object on every call; copying the
    two precomputed SHA-256 states instead halves the cost of verifying a small body. The key
    itself is not kept, and the repr shows nothing of it.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_INNER_PAD))
        self._outer = hashlib.sha256(key.translate(_OUTER_PAD))

    def digest(self, prefix: bytes, body: Body) -> bytes:
        """HMAC-SHA256 of ``prefix + body``, without copying *body*."""
        inner = self._inner.copy()
        inner.update(prefix)
        inner.update(body)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __repr__(self) -> str:
        return "<webhook signer (secret hidden)>"
