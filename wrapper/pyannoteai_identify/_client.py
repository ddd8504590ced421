"""Where the two clients are imported from (the package, the CLI, batch, the test double).

``Client`` lives in ``_sync_client``, ``AsyncClient`` in ``_async_client``; their parts:

- ``_client_base``: the base both share (settings, the flows each method runs);
- ``_client_checks``: the argument checks made before any I/O (constructor, ``wait``, job list);
- ``_client_derive``: ``with_options`` (its clients, and their ending);
- ``_listing``: the job list (``jobs``, ``job_page``, ``job_pages``), its pagers in ``_pagers``;
- ``_sync_lifecycle``, ``_async_lifecycle``: ``with``/``close()``, the pool after a fork or on a
  new event loop;
- ``_twin_doc``: ``AsyncClient``'s methods take ``Client``'s docstrings.
"""

from __future__ import annotations

from ._async_client import PARSE_OFF_LOOP_BYTES, AsyncClient
from ._sync_client import Client

__all__ = ["PARSE_OFF_LOOP_BYTES", "AsyncClient", "Client"]
