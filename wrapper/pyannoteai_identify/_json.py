"""Decoding the JSON the API sends: strict (no ``NaN``/``Infinity``), and fast with orjson.

A finished job's body is mostly JSON numbers and small objects, so decoding it is most of what
``get_job`` costs. orjson, a dependency on CPython, decodes it about three times faster than
:func:`json.loads`; on other Pythons (PyPy, which orjson does not support) the standard library
decodes everything. Whatever orjson refuses is decoded again by the standard library, so both
paths accept and refuse exactly the same documents and raise the same errors: orjson refuses more
(``1e400``, lone surrogates, a byte order mark), and only then does the slower path run. The one
difference left: orjson reads an integer beyond 64 bits as a float, a size no field of the
contract comes near.
"""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any


def _find_orjson() -> ModuleType | None:
    try:
        import orjson
    except ImportError:  # not CPython, or installed without its dependencies
        return None
    return orjson


_orjson = _find_orjson()


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def loads_stdlib(data: bytes | bytearray | memoryview | str) -> Any:
    """``json.loads`` without Python's extensions: ``NaN``, ``Infinity`` and ``-Infinity`` raise ValueError.

    A number too large for a float (``1e400``) still becomes an infinity here; the output parsers
    refuse infinite numbers where they read them. A memoryview (which orjson takes, and
    ``json.loads`` does not) is copied to bytes first.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    return json.loads(data, parse_constant=_refuse_constant)


def loads_json(data: bytes | bytearray | memoryview | str) -> Any:
    """Decode *data* as :func:`loads_stdlib` does, with orjson first when it is installed."""
    if _orjson is not None:
        try:
            return _orjson.loads(data)
        except _orjson.JSONDecodeError:
            pass
    return loads_stdlib(data)


def decoder() -> str:
    """The name of the fast path in use: ``"orjson"`` or ``"json"`` (for benchmarks and bug reports)."""
    return "orjson" if _orjson is not None else "json"
