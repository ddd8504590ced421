"""Frame-level confidence: the ``Confidence`` class, its scores packed into immutable bytes (one byte
per whole score from 0 to 255, else doubles), and the C-level checks that the scores are finite
numbers, which the output parser uses too.
"""

from __future__ import annotations

import math
import numbers
import sys
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ._numbers import real
from ._results_frozen import _Frozen
from ._results_shown import _shown


class Confidence(_Frozen):
    """Frame-level diarization confidence: one score (0–100) every *resolution* seconds.

    Whole-number scores from 0 to 255 (what the API sends) are stored one byte each, and any
    other scores as doubles, in immutable bytes, exactly as parsed, so ``to_dict`` gives back the
    numbers the API sent: 4.32 million scores (24 hours at 20 ms) take 4.3 MB (35 MB as doubles)
    instead of about 35 MB for the list of Python ints alone. ``scores`` is a read-only
    ``memoryview`` of them (format ``"B"`` or ``"d"``): indexing, slicing, ``len``, ``tolist()``.
    """

    if TYPE_CHECKING:  # read-only fields (see _Frozen)
        _data: bytes
        _format: str

        @property
        def resolution(self) -> float: ...
    else:
        __slots__ = ("_data", "_format", "resolution")

    def __init__(self, scores: array[int] | array[float] | Sequence[float], resolution: float) -> None:
        """Keep a copy of *scores*; *resolution* is the frame length in seconds.

        Raises:
            ValueError: *resolution* is not a positive finite number, or a score is not finite
                (refused here rather than as a division by zero or overflow in ``at()``).
        """
        seconds = real(resolution)
        if seconds is None:
            raise ValueError(f"resolution must be a number of seconds, got {_shown(resolution)}")
        if not (math.isfinite(seconds) and seconds > 0):
            raise ValueError(f"resolution must be a positive, finite number of seconds, got {_shown(resolution)}")
        data, kind = _packed_scores(scores)
        self._set(_data=data, _format=kind, resolution=seconds)

    @property
    def scores(self) -> memoryview[int] | memoryview[float]:
        """The scores, read-only (format ``"B"`` for whole scores, ``"d"`` for doubles)."""
        view = memoryview(self._data)
        return view if self._format == "B" else view.cast("d")

    def __len__(self) -> int:
        return len(self._data) if self._format == "B" else len(self._data) // 8

    def at(self, seconds: float) -> float:
        """The score of the frame that contains *seconds* (the first or last frame outside them).

        A time within a trillionth of a frame of a frame start counts as that frame's start, so a
        time written as a frame start reads that frame: 0.58 / 0.02 is 28.999999999999996 in
        floating point, yet 0.58 s is the start of frame 29. Infinities clamp like any time outside.

        Raises:
            ValueError: there are no scores at all, or *seconds* is NaN.
        """
        if not self._data:
            raise ValueError("this confidence has no scores (the output's score list is empty)")
        number = real(seconds)  # numpy.int64, Decimal: read as the resolution is (a bool stays as given)
        if number is not None:
            seconds = number
        if seconds != seconds:  # NaN (math.isnan would overflow on an int past the float range)
            raise ValueError(f"seconds must be a time in seconds, got {seconds!r}")
        last = len(self) - 1
        try:
            position = seconds / self.resolution
        except OverflowError:  # an int too large for a float
            position = math.inf if seconds > 0 else -math.inf
        if math.isinf(position):
            index = last if position > 0 else 0
        else:
            nearest = round(position)
            if abs(position - nearest) <= _SNAP * abs(nearest):
                position = nearest
            index = min(max(math.floor(position), 0), last)
        return float(self.scores[index])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Confidence):
            return NotImplemented
        if self.resolution != other.resolution:
            return False
        if self._format == other._format == "B":
            return self._data == other._data
        return self.scores == other.scores

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore_confidence, (self._data, self._format, self.resolution))

    def __repr__(self) -> str:
        return f"Confidence(len={len(self)}, resolution={self.resolution})"

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.scores.tolist(), "resolution": self.resolution}


#: How close (relative to the frame number) a time must be to a frame start to count as it: far
#: above the error of one division of two decimal numbers (a few units in the last place).
# typing.get_type_hints (pydantic, cattrs, sphinx-autodoc-typehints) evaluates the annotations above,
# and array takes [...] at runtime only from Python 3.12, memoryview from 3.14: before, it reads the
# unparametrized types (type checkers read the annotations as written).
if sys.version_info < (3, 12):
    vars(Confidence)["__init__"].__annotations__["scores"] = array | Sequence[float]
if sys.version_info < (3, 14):
    vars(Confidence)["scores"].fget.__annotations__["return"] = memoryview

_SNAP = 1e-12


def _restore_confidence(data: bytes, kind: str, resolution: float) -> Confidence:
    """Rebuild a pickled Confidence without re-checking or copying its bytes."""
    confidence = Confidence.__new__(Confidence)
    confidence._set(_data=data, _format=kind, resolution=resolution)
    return confidence


def _packed_scores(scores: array[int] | array[float] | Sequence[float]) -> tuple[bytes, str]:
    """*scores* as immutable bytes and their format: arrays of bytes or doubles as they are, and
    anything else as one byte per whole score from 0 to 255, or doubles."""
    if isinstance(scores, array) and scores.typecode in ("B", "d"):
        if scores.typecode == "d" and not _all_finite(scores):
            raise ValueError("scores must be finite numbers")
        return scores.tobytes(), scores.typecode
    values = list(scores)
    try:
        return _compact_scores(values)
    except (TypeError, ValueError, OverflowError):  # ValueError: a NaN or an infinity
        pass
    try:  # number subclasses and numpy scalars, as plain ints and floats (as from_dict reads them)
        return _compact_scores([_plain_score(value) for value in values])
    except (TypeError, ValueError, OverflowError):
        raise ValueError("scores must be finite numbers") from None


def _plain_score(value: Any) -> int | float:
    """*value* as a plain ``int`` or ``float``; TypeError unless it is a real number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("not a number")
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _all_finite(values: Sequence[float]) -> bool:
    """Whether every number is finite: one C-level ``sum`` (NaN and infinities propagate), with an exact
    second look only when the sum itself overflowed (a sum of ints past the largest double raises
    OverflowError instead of giving an infinity)."""
    try:
        return math.isfinite(sum(values)) or all(map(math.isfinite, values))
    except OverflowError:
        return all(map(math.isfinite, values))


#: The exact types of a JSON number, for a C-level ``issuperset(map(type, values))`` (a bool is not one).
_NUMBER_TYPES = frozenset({int, float})


def _compact_scores(score: list[Any]) -> tuple[bytes, str]:
    """Whole scores from 0 to 255 as one byte each (``bytes()`` converts them in C), others as
    doubles; the bytes and their ``memoryview`` format.

    An infinity or a NaN is refused (an int too large for a double raises OverflowError).
    """
    if not _NUMBER_TYPES.issuperset(map(type, score)):
        raise TypeError("not a number")
    try:
        return bytes(score), "B"
    except (TypeError, ValueError):
        floats = array("d", score)
    if not _all_finite(floats):
        raise ValueError("not finite")
    return floats.tobytes(), "d"
