"""``_doc_from``: the docstring of a ``Client`` method given to its ``AsyncClient`` twin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def _doc_from(source: Callable[..., Any], note: str = "A coroutine: ``await`` it.") -> Callable[[F], F]:
    """Give an ``AsyncClient`` method the docstring of its ``Client`` twin, so ``help()`` shows one text."""

    def apply(method: F) -> F:
        method.__doc__ = f"{source.__doc__.rstrip()}\n\n        {note}\n" if source.__doc__ else note
        return method

    return apply
