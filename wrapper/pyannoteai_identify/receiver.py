"""Receive pyannoteAI webhooks in production: verify, parse, drop redeliveries, answer at once.

Three pieces, from the most general to the most ready-made:

- :class:`WebhookReceiver` turns a raw body and its headers into a :class:`DeliveryOutcome` (the
  status code and JSON body to answer, and the event to handle, if any). It works with any web
  framework: ``handle`` takes bytes, ``handle_stream`` a file-like body (Flask, Django) and
  ``handle_request`` a Starlette/FastAPI request, both read with a cap. ``docs/webhooks.md`` shows
  FastAPI, Flask and Django.
- :func:`asgi_app` is a ready Starlette app around it: it reads at most ``max_body_bytes``,
  answers first and runs your handler after the answer has been sent, so the API (which waits
  10 s, then retries) never sees a slow handler.
- :class:`WebhookBroker` hands each verified event to whoever waits for that job, in a thread
  (``wait``) or a coroutine (``wait_async``); ``Client.wait`` uses it to finish on a webhook.

Redeliveries: the API retries a delivery it thinks failed, so a job can arrive twice. The receiver
claims each job id in a :class:`DeliveryStore` after verification and hands out the event only
the first time. The default store is in memory and bounded; with several worker processes use a
shared store (see the docs).

Starlette is needed only by :func:`asgi_app` (extra ``receiver``) and is imported there;
:meth:`WebhookBroker.wait_async` works on any anyio backend (asyncio, trio).

The code lives in private modules, one job each, and this module is their public face (every
public class here reports it as its module, so pickles and ``typing.get_type_hints`` name it):

- ``_receiver_outcome``: the reasons (``DeliveryReason``) and the answer (``DeliveryOutcome``);
- ``_receiver_core``: the framework-neutral ``WebhookReceiver`` (verifying, de-duplicating, what to
  answer), with ``_receiver_read`` (reading a file-like body and a Starlette request with caps;
  ``SupportsRead``), ``_byte_budget`` (the bytes of bodies read at once) and ``_refusal_log``
  (refusals and duplicates logged rate-limited);
- ``_delivery_store``: ``DeliveryStore`` and ``MemoryDeliveryStore``, the job ids already handled;
- ``_receiver_asgi``: ``asgi_app``, the ready Starlette app; ``_event_handler``: running your
  handler after the answer;
- ``_webhook_broker``: ``WebhookBroker``, with ``_broker_waiters`` (a thread's and a coroutine's
  wait).
"""

from __future__ import annotations

# Below, ``noqa: F401`` marks the names the annotations of the classes and functions re-exported here
# use (of their fields and methods) and nothing else: each reports this module as its own, where
# typing.get_type_hints and tests/test_project.py look those names up.
from collections.abc import Callable  # noqa: F401
from typing import TYPE_CHECKING, ClassVar  # noqa: F401

from ._broker_waiters import _AsyncWaiter as _AsyncWaiter
from ._broker_waiters import _ThreadWaiter as _ThreadWaiter
from ._byte_budget import _Budget as _Budget
from ._delivery_store import DeliveryStore, MemoryDeliveryStore
from ._event_handler import EventHandler
from ._event_handler import _run_handler as _run_handler
from ._receiver_asgi import asgi_app
from ._receiver_core import _CHUNK as _CHUNK
from ._receiver_core import DEFAULT_BODIES_IN_FLIGHT as DEFAULT_BODIES_IN_FLIGHT
from ._receiver_core import DEFAULT_BODY_TIMEOUT as DEFAULT_BODY_TIMEOUT
from ._receiver_core import DEFAULT_MAX_BODY_BYTES, SupportsRead, WebhookReceiver
from ._receiver_core import logger as logger
from ._receiver_outcome import DeliveryOutcome, DeliveryReason
from ._receiver_outcome import _outcome as _outcome
from ._webhook_broker import _BROKER_WAIT as _BROKER_WAIT
from ._webhook_broker import DISCARDED_IDS as DISCARDED_IDS
from ._webhook_broker import WebhookBroker
from ._webhook_broker import _check_timeout as _check_timeout
from .webhooks import DEFAULT_TOLERANCE, Body, Headers, Secret, WebhookEvent  # noqa: F401

if TYPE_CHECKING:
    from starlette.applications import Starlette  # noqa: F401
    from starlette.requests import Request  # noqa: F401

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DeliveryOutcome",
    "DeliveryReason",
    "DeliveryStore",
    "EventHandler",
    "MemoryDeliveryStore",
    "SupportsRead",
    "WebhookBroker",
    "WebhookReceiver",
    "asgi_app",
]

# A pickle names a class (and help() and a traceback a function) by its module, and
# typing.get_type_hints reads annotations in the module a class reports: what is public here, though
# defined in the private modules, reports this one, as before receiver.py was split.
for _public in (
    SupportsRead,
    DeliveryStore,
    MemoryDeliveryStore,
    DeliveryOutcome,
    WebhookReceiver,
    WebhookBroker,
    asgi_app,
):
    _public.__module__ = __name__
del _public
