"""Checks of callbacks: a plain function, checked before anything is billed and at each call."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import TypeVar, cast

from .errors import ValidationError

CallbackT = TypeVar("CallbackT", bound=Callable[..., object])


def is_async_callable(function: object) -> bool:
    """True for a coroutine function, or an object whose ``__call__`` is one."""
    call = inspect.getattr_static(type(function), "__call__", None)
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)


def check_callback(field: str, value: object) -> None:
    """None or a plain function: a callback is checked before the upload starts or the job is billed,
    not when it is first called. A coroutine function is refused: it is called, never awaited, so
    its body would silently never run."""
    if value is not None and not callable(value):
        raise ValidationError(field, value, f"must be a function (or None), not {type(value).__name__}")
    if is_async_callable(value):
        raise ValidationError(
            field, value, "must be a plain function: an async one would never be awaited (schedule your task from it)"
        )


def call_plain(field: str, callback: Callable[..., object], *args: object, resume: str = "") -> None:
    """Call a callback that passed :func:`check_callback`, and refuse what only its call shows.

    A plain function returning a coroutine (a lambda or a plain decorator around an async function)
    looks plain beforehand; its first call raises ``TypeError`` instead of letting its body silently
    never run. The coroutine is closed, so Python's "never awaited" warning does not follow the
    error. Another awaitable, such as the task ``asyncio.create_task`` returns, runs already: it is
    what a callback should return, if anything. *resume* says how to carry on when the call comes
    after a job was billed.

    A ``StopIteration`` it raises (``next()`` on an exhausted iterator) becomes ``RuntimeError``, as
    it does in a generator: raised where a chunk iterator reads its next chunk, it would end the
    upload's body early, as if the file had ended, and the storage would keep it cut short.
    """
    try:
        result = callback(*args)
    except StopIteration as stop:
        raise RuntimeError(f"{field} raised StopIteration") from stop
    if inspect.iscoroutine(result):
        result.close()
        raise TypeError(
            f"{field} returned a coroutine, which would never be awaited: pass a plain function "
            f"(schedule your task from it, with asyncio.create_task){resume}"
        )


def guarded_callback(field: str, callback: CallbackT | None, *, resume: str = "") -> CallbackT | None:
    """*callback* checked now (:func:`check_callback`), wrapped so that each call is checked too
    (:func:`call_plain`, which says *resume* in its error)."""
    check_callback(field, callback)
    if callback is None:
        return None
    return cast(CallbackT, functools.partial(call_plain, field, callback, resume=resume))
