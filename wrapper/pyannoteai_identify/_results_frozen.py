"""Immutability for results: the base that lets attributes be set once (and still pickles with every
protocol), and the read-only dict that holds score maps and unknown output keys, with deep copies of
the JSON those keys hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn


class _Frozen:
    """Attributes are set once, in ``__init__`` (through :meth:`_set`), and never again.

    Pickle and copy restore the slots through ``__setstate__``, which bypasses the refusal.
    Subclasses show type checkers their fields as read-only properties (and their slots only at
    run time, as pyright reads a slot of the same name as the property object itself), so
    assigning a field is a type error there too, not only an ``AttributeError`` at run time.
    """

    __slots__ = ()

    def _set(self, **fields: Any) -> None:
        """Set the fields of a new object, past the refusal of ``__setattr__``."""
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: {name!r} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: {name!r} cannot be deleted")

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        """The slots, as ``object.__getstate__`` gives them; defined here so that pickle's protocols
        0 and 1 also work (``copyreg`` refuses a class with slots that relies on the default)."""
        names = (name for cls in type(self).__mro__ for name in vars(cls).get("__slots__", ()))
        return None, {name: getattr(self, name) for name in names if hasattr(self, name)}

    def __setstate__(self, state: Any) -> None:
        dict_state, slot_state = state if isinstance(state, tuple) else (state, None)
        for values in (dict_state, slot_state):
            self._set(**(values or {}))


class _ReadOnlyDict(dict[str, Any]):
    """A copy of a mapping that refuses every change (a score map, or the unknown output keys).

    A ``dict`` subclass rather than ``types.MappingProxyType``: it pickles and copies (a proxy
    does not), ``json.dumps`` writes it directly, and it costs no second object per turn.
    ``dict(m)`` gives a mutable copy.
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is read-only (results are immutable); dict(mapping) gives a mutable copy")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (_ReadOnlyDict, (dict(self),))

    def __hash__(self) -> int:  # type: ignore[override]
        """By its items, as it never changes: a turn holding a score map stays hashable, like a tuple."""
        return hash(frozenset(self.items()))


def _read_only(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """*mapping* as a read-only copy (itself when it already is one)."""
    return mapping if type(mapping) is _ReadOnlyDict else _ReadOnlyDict(mapping)


def _extra_copy(extra: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The unknown keys, read-only, with copies of the dicts and lists they hold (JSON of any depth,
    which a result must not share with the mapping it was parsed from)."""
    return _ReadOnlyDict(_json_copy(dict(extra))) if extra else _ReadOnlyDict()


def _json_copy(root: dict[str, Any]) -> dict[str, Any]:
    """*root* with every dict and list inside it copied, without recursion (JSON may nest deeper
    than Python's stack). Anything else is shared: a JSON scalar is immutable, and another object
    is the caller's (``copy.deepcopy`` was three times slower on a large JSON value, and refused
    what does not pickle)."""
    pending: list[dict[str, Any] | list[Any]] = [root]
    while pending:
        container = pending.pop()
        slots = container.items() if isinstance(container, dict) else enumerate(container)
        for slot, value in slots:
            if isinstance(value, dict | list):
                copied = dict(value) if isinstance(value, dict) else list(value)
                container[slot] = copied  # type: ignore[index]  # replaces a value: the size does not change
                pending.append(copied)
    return root


def _read_only_or_none(mapping: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    return None if mapping is None else _read_only(mapping)
