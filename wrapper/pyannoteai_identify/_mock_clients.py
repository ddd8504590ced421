"""The clients ``MockAPI`` builds for a test: a ``Client`` and an ``AsyncClient`` on the mock's key,
base URL and virtual clock, so their waits take no real time. A mock no fixture serves (a
``MockAPI()`` of your own) gives its clients a transport that answers from it, so that they never
reach the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

import httpx

from ._client import AsyncClient, Client
from ._client_options import AsyncClientOptions, ClientOptions
from ._mock_clock import _VirtualClock

__all__: list[str] = []


class _MockClients(_VirtualClock):
    """The client builders of :class:`MockAPI`, over the fields it declares (listed here) and its clock."""

    base_url: str
    api_key: str

    if TYPE_CHECKING:

        def handle(self, request: httpx.Request) -> httpx.Response: ...

    def _served(self, options: ClientOptions | AsyncClientOptions) -> None:
        """Give *options* a transport that answers from this mock when no fixture's router serves
        it (a ``MockAPI()`` of your own) and the caller brought no transport or httpx client:
        otherwise its requests would go to the real API's host."""
        if getattr(self, "router", None) is None and "transport" not in options and "http_client" not in options:
            options["transport"] = httpx.MockTransport(self.handle)

    def client(self, **kwargs: Unpack[ClientOptions]) -> Client:
        """A ``Client`` for this mock whose waits take no real time (keyword arguments go to ``Client``,
        typed as its own: :class:`ClientOptions`).

        It reads the mock's dates (a ``Retry-After`` HTTP date, ``X-RateLimit-Reset``) against the
        mock's wall time, which :meth:`advance` moves, as the mock writes them.

        ``api_key`` may be given too: the mock answers 401 to any key but its own. Without the
        ``pyannoteai_mock`` fixture (a ``MockAPI()`` of your own), the client answers from this mock
        through an ``httpx.MockTransport`` (unless ``transport`` or ``http_client`` is given), so
        nothing reaches the network.
        """
        options: ClientOptions = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "sleep": self._sleep,
            "clock": self._clock,
            "wall": self._wall_clock,
        }
        options.update(kwargs)
        self._served(options)
        return Client(**options)

    def async_client(self, **kwargs: Unpack[AsyncClientOptions]) -> AsyncClient:
        """An ``AsyncClient`` for this mock whose waits take no real time (keyword arguments go to
        ``AsyncClient``, typed as its own: :class:`AsyncClientOptions`); without the fixture, it answers
        from this mock as :meth:`client`'s does."""
        options: AsyncClientOptions = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "sleep": self._async_sleep,
            "clock": self._clock,
            "wall": self._wall_clock,
        }
        options.update(kwargs)
        self._served(options)
        return AsyncClient(**options)
