"""Proxies: which one a request went through, and whether its refusal can change on a retry.

httpx offers no public way to ask which transport serves a URL and through which proxy: its
``_transport_for_url`` and the transports' httpcore pools (``_pool``, ``_proxy_url``) are read, and
anything else (a ``MockTransport``, a wrapper of the caller's with no pool) is "not known".
"""

from __future__ import annotations

import re

import httpx

#: httpcore's pools that send through a proxy (what an httpx transport with ``proxy=`` holds).
PROXY_POOLS = frozenset({"HTTPProxy", "AsyncHTTPProxy", "SOCKSProxy", "AsyncSOCKSProxy"})

#: httpcore's ProxyError for a refused CONNECT: "<status> <reason>".
_REFUSAL = re.compile(r"^\s*(4\d\d)\b")


def proxy_pool(transport: object, depth: int = 3) -> object | None:
    """The httpcore proxy pool of *transport*, or of a transport it wraps (an attribute, *depth*
    levels down), or None when it holds none."""
    pool = getattr(transport, "_pool", None)
    if type(pool).__name__ in PROXY_POOLS:
        return pool
    inner = vars(transport).values() if depth > 0 and hasattr(transport, "__dict__") else ()
    for value in inner:
        if isinstance(value, httpx.BaseTransport | httpx.AsyncBaseTransport):
            found = proxy_pool(value, depth - 1)
            if found is not None:
                return found
    return None


def proxy_of(http_client: object, url: httpx.URL) -> str | None:
    """The proxy (``scheme://host:port``, never its credentials) through which *http_client* sends
    the requests for *url*, or None when it sends them directly or that cannot be known."""
    route = getattr(http_client, "_transport_for_url", None)
    if not callable(route):
        return None
    try:
        pool = proxy_pool(route(url))
        proxy_url = getattr(pool, "_proxy_url", None)
        if proxy_url is None:
            return None
        scheme, host, port = proxy_url.scheme.decode("ascii"), proxy_url.host.decode("ascii"), proxy_url.port
    except Exception:  # httpx's or httpcore's internals changed: not known
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def refused_by_proxy(error: httpx.RequestError) -> bool:
    """Whether *error* is a proxy's 4xx answer to a tunnel (407: its credentials; 403: its allow
    list), which the same request gets again: not worth a retry. A 5xx (the proxy could not reach
    the API) may pass."""
    return isinstance(error, httpx.ProxyError) and _REFUSAL.match(str(error)) is not None
