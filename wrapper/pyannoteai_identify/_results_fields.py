"""Field checks of an output or job: each reads one value (a finite number, a string, a score map, an
object with its required keys, an array, a date-time) or raises the error that names the field
breaking the contract. The slow path of parsing, and of what the fast path does not cover.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ._results_frozen import _ReadOnlyDict
from ._results_shown import _bad, _shown
from ._timestamps import parse_timestamp

_NUMBER = (int, float)


def _number(value: Any, field: str) -> float:
    try:
        number = float(value) if isinstance(value, _NUMBER) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise _bad(field, f"expected a finite number, got {_shown(value)}")
    return number


def _json_number(value: Any, field: str) -> int | float:
    """*value* as a plain ``int`` or ``float`` (a subclass, such as numpy.float64, is converted), or
    InvalidOutputError naming *field* unless it is a finite JSON number."""
    number = _number(value, field)
    return int(value) if isinstance(value, int) else number


def _string(value: Any, field: str, *, nullable: bool = False) -> Any:
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise _bad(field, f"expected a string, got {_shown(value)}")
    return value


def _score_map(value: Any, field: str) -> Mapping[str, float]:
    """A read-only copy of a map of scores, each a plain finite number."""
    if not isinstance(value, Mapping):
        raise _bad(field, f"expected an object of scores, got {_shown(value)}")
    return _ReadOnlyDict({key: _json_number(score, f"{field}.{key}") for key, score in value.items()})


def _object(item: Any, field: str, required: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise _bad(field, f"expected an object, got {_shown(item)}")
    for key in required:
        if key not in item:
            raise _bad(f"{field}.{key}", "missing required field")
    return item


def _list(output: Mapping[str, Any], key: str, prefix: str) -> list[Any]:
    value = output[key]
    if not isinstance(value, list):
        raise _bad(f"{prefix}{key}", f"expected an array, got {type(value).__name__}")
    return value


def _optional_text(output: Mapping[str, Any], key: str, prefix: str) -> str | None:
    value = output.get(key)
    return None if value is None else _string(value, f"{prefix}{key}")


def _require_mapping(output: Any, prefix: str) -> Mapping[str, Any]:
    if not isinstance(output, Mapping):
        raise _bad(prefix.rstrip(".") or "output", f"expected an object, got {type(output).__name__}")
    return output


def _datetime(value: Any, field: str) -> datetime | None:
    """*value* as an aware datetime (UTC when it gives no offset: :func:`parse_timestamp`), or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _bad(field, f"expected a date-time string, got {_shown(value)}")
    try:
        return parse_timestamp(value)
    except ValueError:
        raise _bad(field, f"expected an ISO 8601 date-time, got {_shown(value)}") from None
