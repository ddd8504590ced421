"""Where the two clients are imported from (the package, the CLI, batch, the test double):
``Client`` lives in ``_sync_client``, ``AsyncClient`` in ``_async_client``, the base they share
(settings, the flows each method runs) in ``_client_base``, the argument checks made before any
I/O in ``_client_checks``, ``with_options`` (its clients, and their ending) in ``_client_derive``, and the job list
(``jobs``, ``job_page``, ``job_pages``) in ``_listing``."""

from __future__ import annotations

from ._async_client import PARSE_OFF_LOOP_BYTES, AsyncClient
from ._sync_client import Client

__all__ = ["PARSE_OFF_LOOP_BYTES", "AsyncClient", "Client"]
