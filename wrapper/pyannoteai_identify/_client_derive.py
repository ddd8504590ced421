"""``with_options``: a client of the same class with other settings that sends on the connection pool
of the client it was made from, and is ended by that client's close() (``_Derivable``, a mixin of
``_BaseClient``)."""

from __future__ import annotations

import dataclasses
import functools
import threading
import weakref
from typing import TYPE_CHECKING, Self

import httpx

from . import _flows, _fork
from ._client_checks import chosen_retry
from ._config import Settings, check_max_retries, resolve_timeout
from ._polling import PollSchedule
from ._retry import RetryPolicy

#: A client's state that ``with_options`` does not give the client it makes (beside the state that
#: client sets itself): the pool only the root holds, and the marks of its own ``with`` block and close().
_NOT_COPIED = frozenset({"_http", "_entered", "_closed"})


class _Derivable:
    """``with_options`` and the ending of the clients it made (``_end``), for ``_BaseClient``, which
    sets the state read here (``__init__`` and ``_own_locks``)."""

    # The state read here, declared for the type checker only: the class's own annotations would read
    # as fields of the public classes (tests/test_project.py), naming types no public module exports.
    if TYPE_CHECKING:
        _closed: bool
        _settings: Settings
        _ctx: _flows.Context
        _http: httpx.Client | httpx.AsyncClient
        #: The client whose pool this one sends on: itself, or the one ``with_options`` was first called on.
        _root: _Derivable
        # The clients made from this one by ``with_options``, which its close() ends too; the lock
        # makes "open? then register" one step against a close() in another thread.
        _derived: weakref.WeakSet[_Derivable]
        _derive_lock: threading.Lock

        # defined by _BaseClient
        def _check_open(self) -> None: ...

        def _own_locks(self) -> None: ...

        def _after_fork_in_child(self) -> None: ...

        # defined by each client class (``_sync_lifecycle``, ``_async_lifecycle``): the state a client
        # made by ``with_options`` keeps of its own (no pool of its own, and *parent*'s sleep)
        def _share_from(self, parent: Self) -> None: ...

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
    ) -> Self:
        """A client of the same class with other settings for its calls, sharing this one's connections.

        ``client.with_options(timeout=120).upload(path)``, as ``with_options`` of openai-python: the
        new client sends on this client's connection pool (no new connections; after a fork, or
        on a new event loop, the pool this client replaces), with its key, base URL, clock, sleep,
        wall time and rate-limit throttle (a 429 seen by either holds back both). An option not
        given keeps this client's value; made from a client itself made so, the options of the
        last call win over the earlier ones.

        Args:
            timeout: seconds (or an ``httpx.Timeout``) for each HTTP request.
            max_retries: retries of a safe read, with this client's backoff (or ``retry_policy``'s).
            retry_policy, poll_schedule: the backoff and the polling schedule.

        Closing this client (or leaving its ``with`` block) ends the new one too: its calls then
        raise ``ConfigurationError`` as a closed client's do. Closing the new one ends it and the
        clients made from it, never the shared pool. It cannot be copied or pickled either.

        The new client is made without running ``__init__``: the attributes a subclass of yours set
        on this client (``self.tenant = tenant`` in its ``__init__``, in ``__slots__`` too) are this
        client's on the new one too, the same objects (a shallow copy, as ``copy.copy``'s). To give the new client
        others, override ``with_options``: call ``super().with_options(...)`` and set them on the
        client it returns.

        On an ``AsyncClient`` it is no coroutine: it sends nothing (``aclose()`` ends the new client).

        Raises:
            ConfigurationError: an option the constructor would refuse (the same message), or this
                client is closed; checked before anything is made or sent.
        """
        settings, retry, schedule = self._derived_options(timeout, max_retries, retry_policy, poll_schedule)
        derived = object.__new__(type(self))
        derived._adopt(self, settings, retry, schedule)
        derived._share_from(self)
        derived._copy_extras(self)
        derived._register_with(self)
        return derived

    def _derived_options(
        self,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
        retry_policy: RetryPolicy | None,
        poll_schedule: PollSchedule | None,
    ) -> tuple[Settings, RetryPolicy, PollSchedule]:
        """The settings and policies of a client made by ``with_options``: this client's, with the
        options given instead, checked as the constructor checks them (the same errors), before
        anything is made."""
        self._check_open()
        check_max_retries(max_retries)
        settings = (
            self._settings if timeout is None else dataclasses.replace(self._settings, timeout=resolve_timeout(timeout))
        )
        retry = chosen_retry(max_retries, retry_policy, self._ctx.retry)
        return settings, retry, poll_schedule or self._ctx.schedule

    def _adopt(self, parent: _Derivable, settings: Settings, retry: RetryPolicy, schedule: PollSchedule) -> None:
        """Make this client (made without ``__init__``) one that sends on *parent*'s pool, with the
        key, base URL, clock, wall time and throttle of *parent* and these settings and policies."""
        root = parent._root
        self._root = root
        self._settings = settings
        self._ctx = dataclasses.replace(
            parent._ctx,
            settings=settings,
            retry=retry,
            schedule=schedule,
            closed=functools.partial(_is_closed, weakref.ref(self)),
            http_client=lambda: root._http,
        )
        self._own_locks()

    def _copy_extras(self, parent: _Derivable) -> None:
        """Give this client (made without ``__init__``) the attributes the SDK does not set that *parent*
        has: a subclass's own (its ``__init__``'s), the same objects, as ``copy.copy`` gives them, its
        ``__slots__``' values too. Put in its ``__dict__`` (and slots) as ``copy.copy`` puts them, not
        through a ``__setattr__`` of the subclass's."""
        own = vars(self)
        given = dict(vars(parent))  # one step: another thread's close() or ``with`` may add to it meanwhile
        own.update((name, value) for name, value in given.items() if name not in own and name not in _NOT_COPIED)
        _copy_slots(parent, self)

    def _register_with(self, parent: _Derivable) -> None:
        """Last step of ``with_options``: *parent*'s close() now ends this client too, and so does
        the root's (refused, as a closed client's calls are, when either was closed meanwhile).

        Both hold it weakly; the root holds it itself because *parent* may be garbage long before
        it (``client.with_options(...).with_options(...)`` keeps only the last client)."""
        for holder in dict.fromkeys((self._root, parent)):
            with holder._derive_lock:
                holder._check_open()
                holder._derived.add(self)
        _fork.register(self)

    def _end(self) -> None:
        """Mark this client closed and end what waits on it, then the same for each client made from it
        by ``with_options`` (one after another, not nested: a long chain of them needs no deep stack).
        The pool is not touched here: only its owner's close() closes it."""
        pending: list[_Derivable] = [self]
        while pending:
            client = pending.pop()
            with client._derive_lock:
                if client._closed and client is not self:
                    continue  # ended already, with those made from it
                client._closed = True
                pending.extend(client._derived)
            client._wake_waits()

    def _wake_waits(self) -> None:
        """End the sleeps and webhook waits of this client's waits (each client does it its way)."""


def _copy_slots(parent: object, derived: object) -> None:
    """The values of the ``__slots__`` a subclass declares, as ``copy.copy`` copies them: each one
    *parent* has set and *derived* has not, through the slot itself (not a ``__setattr__`` of the
    subclass's)."""
    for cls in type(parent).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{cls.__name__.lstrip('_')}{name}"  # a private name, as Python mangles it
            slot = cls.__dict__.get(name)
            if slot is None or not hasattr(slot, "__set__"):
                continue
            try:
                slot.__get__(derived, cls)
                continue  # set already: the SDK's own state, or given by with_options
            except AttributeError:
                pass
            try:
                value = slot.__get__(parent, cls)
            except AttributeError:
                continue  # never set on parent: left unset, as copy.copy leaves it
            slot.__set__(derived, value)


def _is_closed(client: weakref.ref[_Derivable]) -> bool:
    """``Context.closed`` of a client made by ``with_options``, which holds it weakly: its context is
    its own, so a closure holding it would keep it alive until the cycle collector's next run, not
    freed as its last reference goes. (Its flows run only while it lives: gone, it is closed.)"""
    alive = client()
    return alive is None or alive._closed
