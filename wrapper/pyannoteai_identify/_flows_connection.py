"""What a transport failure says: the wording of ``APIConnectionError`` (sent or not, where to, through
which proxy)."""

from __future__ import annotations

import ssl
import urllib.request

import httpx

from ._config import BASE_URL_SOURCES, is_loopback
from ._flows_log import LOOK_FOR_THE_JOB
from ._proxy import proxy_of, refused_by_proxy
from ._redact import hide_secrets
from ._retry import describe
from .errors import (
    APIConnectionError,
    APITimeoutError,
)

#: Transport failures before any byte of the request left: no connection opened, none of the
#: pool's came free in time (httpx's pool timeout, under many concurrent calls), or the proxy
#: refused the tunnel (httpx's ProxyError: a CONNECT or SOCKS handshake that failed, such as a 407).
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)

#: How many links of an exception's chain :func:`certificate_failed` follows (httpx's error, then
#: httpcore's, then the ``ssl`` module's: a few more for a transport that wraps them).
_CHAIN_DEPTH = 8


def certificate_failed(error: BaseException) -> bool:
    """Whether the server's TLS certificate could not be verified: an ``ssl.SSLCertVerificationError``
    in *error*'s chain (``__cause__``, else ``__context__``; a bounded walk, not the message's text).
    The same handshake fails again however long one waits."""
    link: BaseException | None = error
    for _ in range(_CHAIN_DEPTH):
        if link is None:
            return False
        if isinstance(link, ssl.SSLCertVerificationError):
            return True
        link = link.__cause__ or link.__context__
    return False


def _connection_error(
    request: httpx.Request, error: httpx.RequestError, creates_job: bool, attempts: int = 1, http_client: object = None
) -> APIConnectionError:
    sent = not isinstance(error, NOT_SENT)
    what = f"{request.method} {request.url.path}"
    if attempts > 1:
        what += f" ({attempts} attempts)"
    if creates_job and sent:
        message = (
            f"{what} lost its response ({describe(error)}). The request may have reached the API, so the job may "
            f"exist and be billed: it was not resent. {LOOK_FOR_THE_JOB}"
        )
    elif creates_job:
        message = f"{what} failed before sending ({describe(error)}); nothing was sent, so no job was created"
    else:
        message = f"{what} failed: {describe(error)}"
    origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
    # The proxy the request went through, as the sending httpx client's pool has it (not the
    # environment's: an http_client with trust_env=False or its own proxy= ignores that), or None.
    proxy = proxy_of(http_client, request.url)
    if isinstance(error, httpx.ProxyError):
        # The proxy answered its handshake with a refusal (407: its credentials; 403: its allow list):
        # the API was never reached, and the proxy, not the base URL, is what to look at.
        which = (
            f"the proxy {hide_secrets(proxy)}{_from_environment(http_client, request.url, proxy)}"
            if proxy
            else "the proxy"
        )
        message += (
            f"; {which} refused the tunnel to {origin}, so the API was not reached: check the proxy's "
            "credentials (user:password@ in its URL) and that it lets this host through"
        )
    certificate = certificate_failed(error)
    if certificate:
        message += f"; the TLS certificate of {origin} could not be verified"
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        # The path alone does not say where the client went (a stale PYANNOTEAI_BASE_URL, a typo).
        if proxy is None:
            message += f"; could not connect to {origin} (the base URL: {BASE_URL_SOURCES})"
        else:
            # Through a proxy, the connection that failed may be the one to the proxy: both are named.
            where = f"{hide_secrets(proxy)}{_from_environment(http_client, request.url, proxy)}"
            message += f"; could not connect to {origin} through the proxy {where}"
    error_type = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    return error_type(
        message,
        method=request.method,
        url=str(request.url),
        request_sent=sent,
        proxy_refused=refused_by_proxy(error),
        certificate_failed=certificate,
    )


def _from_environment(http_client: object, url: httpx.URL, proxy: str) -> str:
    """ " (from the environment)" when *proxy* is the one the environment names for *url* and
    *http_client* reads the environment (``trust_env``), else ""."""
    if not getattr(http_client, "trust_env", False):
        return ""
    named = _environment_proxy(url)
    try:
        same = named is not None and _netloc(httpx.URL(named)) == _netloc(httpx.URL(proxy))
    except (httpx.InvalidURL, ValueError):
        same = False
    return " (from the environment)" if same else ""


def _netloc(url: httpx.URL) -> tuple[str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.host, url.port if url.port is not None else default


def _environment_proxy(url: httpx.URL) -> str | None:
    """The proxy the environment (HTTPS_PROXY, ALL_PROXY, ... less NO_PROXY) names for *url*, or None.

    Not for a loopback host: the client's own httpx client ignores proxy variables there."""
    host = url.host
    if is_loopback(host):
        return None
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass_environment(host, proxies):  # type: ignore[attr-defined]
        return None
    return proxy
