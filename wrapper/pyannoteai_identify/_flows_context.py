"""``Context``: what every flow needs (settings, policies, the clock, the throttle), and how it builds
an API request."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from . import _core
from ._bounded import accept_encoding
from ._config import Settings
from ._polling import PollSchedule
from ._rate_limit_info import RateLimitSeen
from ._retry import RetryPolicy
from ._throttle import Throttle


@dataclass(frozen=True)
class Context:
    """What every flow needs: settings, policies, the clock, and how to build a request."""

    settings: Settings
    retry: RetryPolicy
    schedule: PollSchedule
    clock: Callable[[], float]
    user_agent: str
    throttle: Throttle = field(default_factory=Throttle)
    #: The rate-limit headers of the latest API answer that carried them (``client.rate_limit``);
    #: shared, as the throttle is, with the clients ``with_options`` makes.
    rate_limit_seen: RateLimitSeen = field(default_factory=RateLimitSeen)
    #: The Unix time a server's dates (``Retry-After`` as an HTTP date, ``X-RateLimit-Reset``,
    #: ``Date``) are read against: a test double's virtual wall time on its clock.
    wall: Callable[[], float] = time.time
    #: Whether the client was closed (a request in flight then fails, and is not retried).
    closed: Callable[[], bool] = lambda: False
    #: A simulation (the caller's clock and sleep): time passes on its clock by its sleep alone, so
    #: a webhook broker's wait in real time would never bring a deadline on that clock nearer.
    simulated: bool = False
    #: The httpx client that sends the requests (it can be replaced: a fork, a new loop): its
    #: headers, cookies and query parameters go with each API request.
    http_client: Callable[[], ClientDefaults] = lambda: _NO_DEFAULTS

    def request(self, kwargs: _core.RequestKwargs) -> httpx.Request:
        """The API request of generated *kwargs*, with what ``httpx.Client.build_request`` merges
        from the sending httpx client: its headers under the SDK's own (key, User-Agent, Accept, the
        body's Content-Type win), as a caller's ``http_client=httpx.Client(headers=...)`` (a
        gateway's tenant header, a trace id) and httpx's defaults (``Accept-Encoding``); its query
        parameters under the request's own (a gateway's ``?tenant=``); its cookies (a gateway's
        session, a load balancer's affinity cookie the API set). Never used for the PUT to storage,
        another host."""
        own = {
            "Authorization": f"Bearer {self.settings.api_key}",
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            **kwargs.get("headers", {}),
        }
        names = {name.lower().encode("ascii") for name in own}
        client = self.http_client()
        inherited = [
            (name, _accepted(value) if name.lower() == b"accept-encoding" else value)
            for name, value in client.headers.raw
            if name.lower() not in names
        ]
        params = kwargs.get("params")
        # Emptiness first: most clients have neither, and merging costs µs on every request (get_job's hot path).
        if client.params:
            params = client.params.merge(params)
        url = self.settings.base_url + kwargs["url"]
        return httpx.Request(
            kwargs["method"].upper(),
            url if params is not None else parsed_url(url),
            params=params,
            json=kwargs.get("json"),
            headers=[*inherited, *own.items()],
            cookies=client.cookies,  # applied only when there are some, as build_request does
            extensions={"timeout": self.settings.timeout.as_dict()},
        )


@functools.lru_cache(maxsize=256)
def parsed_url(url: str) -> httpx.URL:
    """*url* parsed, once for as long as it stays among the latest few hundred used: the same
    request is sent again and again (a wait polls one job), and httpx parses a URL string anew each
    time, about a seventh of a ``get_job`` over loopback. An ``httpx.URL`` is immutable, so one
    object serves every request; a URL httpx refuses raises each time, as it is never cached."""
    return httpx.URL(url)


def _accepted(value: bytes) -> bytes:
    """An inherited ``Accept-Encoding`` without the codings the SDK cannot decode within its body
    cap (httpx lists br and zstd when their packages are installed)."""
    return accept_encoding(value.decode("latin-1")).encode("latin-1")


class ClientDefaults(Protocol):
    """What :meth:`Context.request` reads of the httpx client (sync or async) that sends the requests."""

    @property
    def headers(self) -> httpx.Headers: ...
    @property
    def cookies(self) -> httpx.Cookies: ...
    @property
    def params(self) -> httpx.QueryParams: ...


@dataclass(frozen=True)
class _Defaults:
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)
    params: httpx.QueryParams = field(default_factory=httpx.QueryParams)


#: No headers, cookies nor query parameters: a Context not told which httpx client sends.
_NO_DEFAULTS: ClientDefaults = _Defaults()
