"""The clients ``MockAPI`` builds for a test: a ``Client`` and an ``AsyncClient`` on the mock's key,
base URL and virtual clock, so their waits take no real time.
"""

from __future__ import annotations

from typing import Unpack

from ._client import AsyncClient, Client
from ._client_options import AsyncClientOptions, ClientOptions
from ._mock_clock import _VirtualClock

__all__: list[str] = []


class _MockClients(_VirtualClock):
    """The client builders of :class:`MockAPI`, over the fields it declares (listed here) and its clock."""

    base_url: str
    api_key: str

    def client(self, **kwargs: Unpack[ClientOptions]) -> Client:
        """A ``Client`` for this mock whose waits take no real time (keyword arguments go to ``Client``,
        typed as its own: :class:`ClientOptions`).

        It reads the mock's dates (a ``Retry-After`` HTTP date, ``X-RateLimit-Reset``) against the
        mock's wall time, which :meth:`advance` moves, as the mock writes them.

        ``api_key`` may be given too: the mock answers 401 to any key but its own.
        """
        options: ClientOptions = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "sleep": self._sleep,
            "clock": self._clock,
            "wall": self._wall_clock,
        }
        options.update(kwargs)
        return Client(**options)

    def async_client(self, **kwargs: Unpack[AsyncClientOptions]) -> AsyncClient:
        """An ``AsyncClient`` for this mock whose waits take no real time (keyword arguments go to
        ``AsyncClient``, typed as its own: :class:`AsyncClientOptions`)."""
        options: AsyncClientOptions = {
            "api_key": self.api_key,
            "base_url": self.base_url,
            "sleep": self._async_sleep,
            "clock": self._clock,
            "wall": self._wall_clock,
        }
        options.update(kwargs)
        return AsyncClient(**options)
