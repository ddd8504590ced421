"""Short, safe renderings of values for error messages and reprs: a cut-short repr of any value, the
error naming the field of an output or job that breaks the contract, and the error part of a result's
repr.
"""

from __future__ import annotations

import reprlib
from typing import Any

from .errors import InvalidOutputError, _cut, _unprintable

#: How many characters of an output's error its repr shows.
_REPR_ERROR_CHARS = 80


def _error_shown(error: str | None) -> str:
    """The error part of a result's repr: nothing without one, else its text cut short. The output of
    a failed job holds its error alone, which a repr without it hid."""
    return "" if error is None else f", error={_cut(error, _REPR_ERROR_CHARS)!r}"


class _ShortRepr(reprlib.Repr):
    """reprlib's shortened repr, showing an int too long for ``str()`` by its size on every Python
    (3.11 raised ValueError for it, 3.14 shows a memory address)."""

    def repr_int(self, x: int, level: int) -> str:
        try:
            return super().repr_int(x, level) if x.bit_length() <= _PRINTABLE_INT_BITS else _unprintable(x)
        except ValueError:  # a lower sys.set_int_max_str_digits limit
            return _unprintable(x)


#: Every int of this many bits or fewer has at most 4,300 digits, Python's default limit for str().
_PRINTABLE_INT_BITS = 14_000


def _short_repr() -> reprlib.Repr:
    shortened = _ShortRepr()  # its keyword arguments are Python 3.12's
    shortened.maxlevel, shortened.maxdict, shortened.maxlist = 2, 4, 4
    shortened.maxstring = shortened.maxother = 60
    return shortened


_SHOWN = _short_repr()


def _shown(value: Any) -> str:
    """*value* for an error message, cut short: a delivery or response may hold megabytes there."""
    try:
        return _SHOWN.repr(value)
    except ValueError:  # an int over Python's 4,300-digit limit for str()
        return _unprintable(value)


_MAX_FIELD_CHARS = 200


def _bad(field: str, problem: str) -> InvalidOutputError:
    """The error for *field*; a response's status and request id are added by whoever read the response."""
    what = "output" if field.startswith("output") else "job"
    if len(field) > _MAX_FIELD_CHARS:  # the path quotes keys from the body, which may be megabytes long
        field = field[: _MAX_FIELD_CHARS - 3] + "..."
    return InvalidOutputError(f"the {what} breaks the contract at {field}: {problem}")
