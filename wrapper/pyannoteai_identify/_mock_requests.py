"""What the mock API records of each request: :class:`RecordedRequest`.

Its headers are a plain dict with lowercase names whose repr (and the repr of its Authorization
value) masks the key, since a failing assertion prints what it compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

__all__ = ["_REPR_BODY", "RecordedRequest", "_RecordedHeaders"]


def _header_name(name: object) -> object:
    """*name* as a recorded header's key: lowercase (a ``bytes`` name decoded as latin-1, as HTTP
    header bytes are); anything else as it is, so that it is simply not found."""
    if isinstance(name, bytes):
        name = name.decode("latin-1")
    return name.lower() if isinstance(name, str) else name


class _MaskedValue(str):
    """An Authorization value as recorded: the same text, with a repr that masks it. pytest explains a
    failed ``==`` between dicts from plain dicts of their items, which the headers' repr does not cover."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'[secure]'"


class _RecordedHeaders(dict[str, str]):
    """A recorded request's headers (lowercase names), a plain dict whose repr masks Authorization,
    as httpx's does: a client refused by the mock may have sent the team's real key, and a failing
    assertion prints what it compares. As in ``httpx.Headers``, a name is taken whatever its case
    everywhere: lookup, ``in``, ``pop``, ``del``, ``setdefault``, assignment, ``update``, ``|=`` and
    ``==`` (with another mapping, whatever the case of its names); a ``bytes`` name is found too."""

    def __init__(self, *args: Any, **kwargs: str) -> None:
        super().__init__()
        self.update(*args, **kwargs)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(cast(str, _header_name(name)))

    def __setitem__(self, name: str, value: str) -> None:
        key = cast(str, _header_name(name))
        if key == "authorization" and isinstance(value, str):
            value = _MaskedValue(value)
        super().__setitem__(key, value)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(cast(str, _header_name(name)))

    def __contains__(self, name: object) -> bool:
        return super().__contains__(_header_name(name))

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(cast(str, _header_name(name)), default)

    def pop(self, name: str, *default: Any) -> Any:
        return super().pop(cast(str, _header_name(name)), *default)

    def setdefault(self, name: str, default: str = "") -> str:
        if name not in self:
            self[name] = default  # through __setitem__: an Authorization value is masked as assigned
        return self[name]

    def update(self, *args: Any, **kwargs: str) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def __ior__(self, other: Any) -> _RecordedHeaders:  # type: ignore[override]
        self.update(other)
        return self

    def __or__(self, other: Any) -> _RecordedHeaders:  # type: ignore[override]
        merged = self.copy()
        merged.update(other)
        return merged

    def copy(self) -> _RecordedHeaders:
        return _RecordedHeaders(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self) == {_header_name(name): value for name, value in other.items()}

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __repr__(self) -> str:
        return repr({name: "[secure]" if name == "authorization" else value for name, value in self.items()})


@dataclass(frozen=True)
class RecordedRequest:
    """One request the mock received, and the status it answered.

    ``operation_id`` is the operationId of openapi.yaml (``identify``, ``getJobById``, ...),
    ``upload`` for the PUT to a presigned URL, or None for a path the API does not have.
    """

    operation_id: str | None
    method: str
    url: str
    headers: Mapping[str, str]
    content: bytes
    json: Any
    status_code: int

    def __repr__(self) -> str:
        # What a failing assertion prints: an upload's bytes or a large body are told by their size.
        content = repr(self.content) if len(self.content) <= _REPR_BODY else f"<{len(self.content)} bytes>"
        shown = repr(self.json)
        body = shown if len(shown) <= _REPR_BODY else shown[: _REPR_BODY - 1] + "…"
        return (
            f"RecordedRequest(operation_id={self.operation_id!r}, method={self.method!r}, url={self.url!r}, "
            f"headers={self.headers!r}, content={content}, json={body}, status_code={self.status_code})"
        )


#: The longest body a RecordedRequest's repr shows as it is.
_REPR_BODY = 300
