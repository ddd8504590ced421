"""One SSL context for the pools the clients build themselves, loaded once per process.

``httpx.Client()`` loads the CA bundle into a new ``ssl.SSLContext`` each time (about 25-40 ms),
which code building a client per request (a web handler) paid on every request, and an
``AsyncClient`` on its event loop's thread. :func:`shared_context` builds it with httpx's own
``httpx.create_ssl_context`` and keeps it, keyed on everything that changes what httpx would build:
``trust_env`` and, under it, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` (each path and the file or
directory's identity, size and modification time, so a bundle rewritten in place is read again);
``SSLKEYLOGFILE`` (which ``ssl.create_default_context`` reads whatever ``trust_env``); and the class
``ssl.SSLContext`` names (replaced by ``truststore.inject_into_ssl()``).

Sharing is safe: OpenSSL contexts are made to be shared by the connections of many threads, as long
as nothing changes them, and nothing does once this one is published. httpcore sets the ALPN
protocols of the context at every connection (``["http/1.1"]`` for a pool without http2, which the
SDK never enables); that write would free the list another thread's handshake may be copying, so
:class:`_Http11Context` sets it once, before publication, and makes httpcore's call a no-op. Another
list is refused (``ValueError``): it would change what every other client's connections offer. Only
a context of the standard library's own class is shared; another (a truststore context) is built
per client as httpx would.

The lock that builds it is made anew in a forked child (another thread of the parent may hold it).
"""

from __future__ import annotations

import errno
import os
import ssl
import threading
from collections.abc import Iterable

import httpx

from . import _fork

__all__ = ["shared_context", "unloadable_bundle"]

_ALPN = ["http/1.1"]
_STDLIB_CONTEXT = ssl.SSLContext  # the standard library's own class (unless truststore replaced it before this import)


class _Http11Context(ssl.SSLContext):
    """An ``ssl.SSLContext`` whose ALPN protocols stay http/1.1 (see the module's docstring)."""

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        if list(alpn_protocols) != _ALPN:
            raise ValueError(
                f"the SSL context the SDK's clients share offers http/1.1 only (ALPN), not {list(alpn_protocols)!r}"
            )


_lock = threading.Lock()
#: The context last built for each trust_env, with the key it was built for.
_cache: dict[bool, tuple[tuple[object, ...], ssl.SSLContext]] = {}


def _new_lock() -> None:
    """In a forked child: the lock made anew (another thread of the parent may have held it at the fork)."""
    global _lock
    _lock = threading.Lock()


_fork.in_child(_new_lock)


def _identity(path: str | None) -> tuple[object, ...] | None:
    """What tells a file or directory from another, or a new version of it; None if it cannot be read."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _key(trust_env: bool) -> tuple[object, ...]:
    env = os.environ
    key: tuple[object, ...] = (ssl.SSLContext, trust_env, env.get("SSLKEYLOGFILE"))
    if trust_env:
        for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
            key += (env.get(name), _identity(env.get(name)))
    return key


def shared_context(trust_env: bool) -> ssl.SSLContext:
    """The SSL context httpx would build for a client with *trust_env*, built once and shared.

    Only for a pool without http2 that the SDK builds itself, never a caller's ``http_client`` or
    ``transport``.
    """
    with _lock:
        key = _key(trust_env)
        cached = _cache.get(trust_env)
        if cached is not None and cached[0] == key:
            return cached[1]
        cafile = os.environ.get("SSL_CERT_FILE") if trust_env else None
        if cafile and not os.path.isfile(cafile):  # httpx 0.28 raises; 0.27 silently uses its default
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), cafile)
        context = httpx.create_ssl_context(trust_env=trust_env)
        if type(context) is not _STDLIB_CONTEXT or _STDLIB_CONTEXT.__module__ != "ssl":
            return context  # not the standard library's own class (truststore's): built per client
        if _key(trust_env) != key:
            return context  # the environment changed while it was built: which state it read is unknown
        context.set_alpn_protocols(_ALPN)  # what httpcore sets for a pool without http2, set before sharing
        context.__class__ = _Http11Context  # the same object layout: a subclass that adds no field
        _cache[trust_env] = (key, context)
        return context


def unloadable_bundle(error: OSError) -> str:
    """What to say when the CA bundle the environment names could not be loaded (*error*)."""
    named = [f"{name}={os.environ[name]!r}" for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if os.environ.get(name)]
    source = " and ".join(named) or "the environment's CA settings"
    verb = "name" if len(named) > 1 else "names"
    return (
        f"the CA certificates that {source} {verb} could not be loaded ({type(error).__name__}: {error}): "
        "fix the path or the file, or unset the variable to use the default CA bundle"
    )
