"""Speech turns: the ``Segment``, ``Identification`` and ``VoiceprintMatch`` rows, the immutable
column-backed sequences that hold a result's turns (handing each out as a named tuple), and each
turn as the API writes it (camelCase keys).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from operator import eq
from typing import Any, ClassVar, NamedTuple, Self, TypeVar, cast, overload

from ._results_frozen import _Frozen, _read_only_or_none


class Segment(NamedTuple):
    """A speech turn: who spoke from *start* to *end* seconds (a diarization label, e.g. SPEAKER_00)."""

    speaker: str
    start: float
    end: float
    confidence: Mapping[str, float] | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


class Identification(NamedTuple):
    """A speech turn with its identity: *match* is the voiceprint label, or None when none matched."""

    speaker: str
    start: float
    end: float
    diarization_speaker: str
    match: str | None
    confidence: Mapping[str, float] | None = None

    @property
    def duration(self) -> float:
        return self.end - self.start


class VoiceprintMatch(NamedTuple):
    """How one diarized speaker scored against every voiceprint (0–100 per label)."""

    speaker: str
    match: str | None
    confidence: Mapping[str, float]


_RowT = TypeVar("_RowT", Segment, Identification)


class _Columns(_Frozen, Sequence[_RowT]):
    """An immutable sequence of turns stored by column; each turn is built as a named tuple on access.

    Columns follow the row's fields: labels in lists (equal labels share one string), start and
    end times in ``array('d')``, and the optional per-turn confidence in a list, or None when no
    turn has one (each a read-only copy). Equal to another sequence of the same type, or to a
    tuple, with equal turns.
    """

    __slots__ = ("_columns",)
    _row: ClassVar[type[tuple[Any, ...]]]

    _columns: tuple[Sequence[Any] | None, ...]

    def __init__(self, columns: tuple[Sequence[Any] | None, ...]) -> None:
        self._set(_columns=columns)

    @classmethod
    def of(cls, rows: Iterable[_RowT]) -> Self:
        """The table of *rows*, which may be named tuples or plain tuples in field order."""
        if isinstance(rows, cls):
            return rows
        make = cast(Callable[..., tuple[Any, ...]], cls._row)
        width = len(cls._row._fields)  # type: ignore[attr-defined]
        typed = [row if type(row) is cls._row else make(*row) for row in rows]
        columns: list[Sequence[Any] | None] = [list(column) for column in zip(*typed, strict=True)] or [
            [] for _ in range(width)
        ]
        columns[1] = array("d", columns[1] or ())
        columns[2] = array("d", columns[2] or ())
        confidence = columns[-1]
        if confidence is not None and confidence.count(None) == len(confidence):
            columns[-1] = None
        elif confidence is not None:
            columns[-1] = list(map(_read_only_or_none, confidence))
        return cls(tuple(columns))

    def _values(self, index: int) -> Iterable[Any]:
        values = self._columns[index]
        return repeat(None, len(self)) if values is None else values

    def __len__(self) -> int:
        return len(self._columns[1])  # type: ignore[arg-type]

    @overload
    def __getitem__(self, index: int) -> _RowT: ...
    @overload
    def __getitem__(self, index: slice) -> Self: ...
    def __getitem__(self, index: int | slice) -> _RowT | Self:
        if isinstance(index, slice):
            return type(self)(tuple(None if values is None else values[index] for values in self._columns))
        return cast(_RowT, tuple.__new__(self._row, [None if v is None else v[index] for v in self._columns]))

    def __iter__(self) -> Iterator[_RowT]:
        rows = zip(*(self._values(index) for index in range(len(self._columns))), strict=True)
        return cast(Iterator[_RowT], map(tuple.__new__, repeat(self._row), rows))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self) | tuple):
            return NotImplemented
        return len(self) == len(other) and all(map(eq, self, other))

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(row) for row in self[:2])
        more = f", … ({len(self)} in all)" if len(self) > 2 else ""
        return f"{type(self).__name__.lstrip('_')}([{shown}{more}])"


class _Segments(_Columns[Segment]):
    """Columns: speaker, start, end, confidence."""

    __slots__ = ()
    _row = Segment


class _Identifications(_Columns[Identification]):
    """Columns: speaker, start, end, diarization_speaker, match, confidence."""

    __slots__ = ()
    _row = Identification


def _segment_dict(segment: Segment) -> dict[str, Any]:
    data: dict[str, Any] = {"speaker": segment.speaker, "start": segment.start, "end": segment.end}
    if segment.confidence is not None:
        data["confidence"] = dict(segment.confidence)
    return data


def _turn_dict(turn: Identification) -> dict[str, Any]:
    data: dict[str, Any] = {
        "speaker": turn.speaker,
        "start": turn.start,
        "end": turn.end,
        "diarizationSpeaker": turn.diarization_speaker,
        "match": turn.match,
    }
    if turn.confidence is not None:
        data["confidence"] = dict(turn.confidence)
    return data
