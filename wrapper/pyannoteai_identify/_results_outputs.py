"""The output classes: ``DiarizationResult``, ``IdentifyResult`` and ``VoiceprintResult`` (immutable,
equal by value, with ``from_dict``, ``to_dict``, talk time and RTTM), and the output of a job that
has not succeeded. Reading a mapping is the parsers' job (``_results_parse``), which register here.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeAlias, cast

from ._results_confidence import Confidence
from ._results_export import _rttm, _talk_time
from ._results_fields import _optional_text, _require_mapping
from ._results_frozen import _extra_copy, _Frozen, _read_only
from ._results_kinds import _OWN_MARKERS, _SHARED_KEYS, JobKind, _an, _is_job_document, infer_kind
from ._results_rows import (
    Identification,
    Segment,
    VoiceprintMatch,
    _Identifications,
    _segment_dict,
    _Segments,
    _turn_dict,
)
from ._results_shown import _bad, _error_shown

#: The parser of each kind of output, by kind: ``_results_parse`` fills it when it is imported
#: (``results`` imports it, and the package imports ``results``), as the parsers build these classes.
_PARSERS: dict[JobKind, Callable[[Any, str], Result]] = {}


#: What a parsed output left out that ``to_dict()`` would otherwise write: the optional list keys
#: (``diarization``, ``voiceprints``) it did not have (or had as null, read as absent), and the
#: index of each identification turn without its optional ``speaker`` (or with a null one), which
#: the result fills in. A plain tuple, so that a pickle
#: names no new class.
_Unsent: TypeAlias = tuple[frozenset[str], tuple[int, ...]]
_NOTHING_UNSENT: _Unsent = (frozenset(), ())


class _Output(_Frozen, ABC):
    """Behaviour shared by the three output types: immutable, equal when every field is equal."""

    __slots__ = ()

    _kind: ClassVar[JobKind]
    if TYPE_CHECKING:  # read-only fields (see _Frozen)

        @property
        def extra(self) -> Mapping[str, Any]: ...
        @property
        def warning(self) -> str | None: ...
        @property
        def error(self) -> str | None: ...

    @classmethod
    def from_dict(cls, output: Mapping[str, Any]) -> Self:
        """Parse the ``output`` mapping of a job of this type (from a poll, a webhook, or ``to_dict()``).

        Raises InvalidOutputError (a ValueError) naming the field when the mapping breaks the
        contract, when its keys show another type's output and none of this type's (which this type
        would read as an empty result), or when it is a whole job document (``jobId``, ``status`` and ``output``,
        and no key of any output: pass ``job["output"]``).
        """
        if isinstance(output, Mapping) and _is_job_document(output):
            raise _bad(
                "output", 'this is a whole job document (jobId, status, output), not an output: pass job["output"]'
            )
        kind = infer_kind(output) if isinstance(output, Mapping) else None
        if kind is not None and kind != cls._kind and _OWN_MARKERS[cls._kind].isdisjoint(output):
            # Read as this type, another type's output would give an empty result, not an error. One
            # that also has a key of this type is read as this type, the other's keys kept in `extra`:
            # that is what to_dict() writes for a result parsed as this type (a kind the caller
            # forced) from an output with those keys, which must read back.
            raise _bad("output", f"its keys make it {_an(kind)} output, not {_an(cls._kind)} one")
        return cast(Self, _PARSERS[cls._kind](output, "output."))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        # Every field of the concrete class, its bases' too: a subclass adding none (the output of
        # a job that did not succeed) declares empty slots, and an empty all() is True.
        # A private slot (``_unsent``: how to_dict() writes the output back) is not a field.
        names: Iterable[str] = (
            name for cls in type(self).__mro__ for name in vars(cls).get("__slots__", ()) if name[0] != "_"
        )
        return all(getattr(self, name) == getattr(other, name) for name in names)

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The output as the API would send it (camelCase keys); for a parsed result, the mapping it
        was parsed from: an optional key the output did not have (``diarization``, ``voiceprints``, a
        turn's ``speaker``) is left out, not written empty or filled in, and so is one that was null
        where the contract allows none (read as absent). Unknown keys inside a segment are not kept;
        a number comes back as a float."""

    def to_json(self, **kwargs: Any) -> str:
        """The output as JSON, in the API's own field names.

        Raises:
            ValueError: a number is not finite (in a result built directly, or in an unknown
                output field, kept as parsed: ``1e400`` reads as infinity): NaN and Infinity are
                not JSON.
        """
        kwargs.setdefault("allow_nan", False)
        return json.dumps(self.to_dict(), **kwargs)


class _Diarized(_Output):
    """The fields a diarization and an identify output share, and how they are set."""

    __slots__ = ()

    if TYPE_CHECKING:  # read-only fields (see _Frozen)

        @property
        def diarization(self) -> Sequence[Segment]: ...
        @property
        def exclusive_diarization(self) -> Sequence[Segment] | None: ...
        @property
        def confidence(self) -> Confidence | None: ...

    def _unsent_parts(self) -> _Unsent:
        """What the parsed output left out (nothing for a result built directly, or unpickled from a
        version before this slot): its top-level keys, and the turns whose ``speaker`` it did not send."""
        unsent: _Unsent = getattr(self, "_unsent", _NOTHING_UNSENT)
        return unsent

    def _as_sent(self, unsent: _Unsent) -> Self:
        """This new result, remembering what its output left out (set only when something was, so a
        pickle of a complete output has no new slot, and loads in a version without it)."""
        if unsent != _NOTHING_UNSENT:
            self._set(_unsent=unsent)
        return self

    def _set_diarization(
        self,
        diarization: Iterable[Segment],
        exclusive_diarization: Iterable[Segment] | None,
        confidence: Confidence | None,
        warning: str | None,
        error: str | None,
        extra: Mapping[str, Any] | None,
        **more: Any,
    ) -> None:
        """Set the fields a diarization and an identify output share (read-only copies), and *more*."""
        self._set(
            **more,
            diarization=_Segments.of(diarization),
            exclusive_diarization=None if exclusive_diarization is None else _Segments.of(exclusive_diarization),
            confidence=confidence,
            warning=warning,
            error=error,
            extra=_extra_copy(extra),
        )


class DiarizationResult(_Diarized):
    """The output of a diarization job (also what a failed or unknown job's output parses to)."""

    _kind = "diarization"

    if not TYPE_CHECKING:  # type checkers see the fields as the bases' read-only properties
        __slots__ = ("_unsent", "confidence", "diarization", "error", "exclusive_diarization", "extra", "warning")

    def __init__(
        self,
        diarization: Iterable[Segment] = (),
        exclusive_diarization: Iterable[Segment] | None = None,
        confidence: Confidence | None = None,
        warning: str | None = None,
        error: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._set_diarization(diarization, exclusive_diarization, confidence, warning, error, extra)

    def talk_time(self) -> dict[str, float]:
        """Seconds of speech per diarization speaker, longest first."""
        table = _Segments.of(self.diarization)
        return _talk_time(table._values(0), table._values(1), table._values(2))

    def to_rttm(self, file_id: str = "audio") -> str:
        """The diarization as RTTM lines (whitespace, control characters and '%' in the file id
        and labels are percent-encoded, an empty label is a lone '%', so each line keeps its ten
        fields). Turns whose duration rounds to 0.000 s or less are left out: a scorer would
        refuse the whole file for one of them (one that ends before it starts is logged as a
        WARNING)."""
        table = _Segments.of(self.diarization)
        return _rttm(zip(table._values(0), table._values(1), table._values(2), strict=True), file_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        if "diarization" not in self._unsent_parts()[0]:
            data["diarization"] = [_segment_dict(s) for s in self.diarization]
        _put_common(data, self)
        return data

    def __repr__(self) -> str:
        shown = f"segments={len(self.diarization)}, speakers={sorted(self.talk_time())}"
        return f"DiarizationResult({shown}{_error_shown(self.error)})"


class _NotSucceededOutput(DiarizationResult):
    """The output of a job that has not succeeded (failed, canceled): ``error``, ``warning`` and every
    other key the API sent, in ``extra`` as sent, known keys (``diarization``, ``identification``)
    included, unparsed. A ``DiarizationResult`` with no segments, whose ``to_dict()`` gives back
    what the API sent, adding no empty ``diarization`` (``from_dict`` reads that back)."""

    __slots__ = ()

    @classmethod
    def from_dict(cls, output: Mapping[str, Any]) -> Self:
        output = _require_mapping(output, "output.")
        return cls(
            warning=_optional_text(output, "warning", "output."),
            error=_optional_text(output, "error", "output."),
            extra={k: v for k, v in output.items() if k not in _SHARED_KEYS},
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        if self.warning is not None:
            data["warning"] = self.warning
        if self.error is not None:
            data["error"] = self.error
        return data


def failed_output(error: str | None, warning: str | None = None) -> DiarizationResult:
    """The output of a job that has not succeeded, holding only *error* and *warning* (what a webhook
    delivery says of it): the type ``parse_job`` gives such a job's output, so both compare equal."""
    return _NotSucceededOutput(warning=warning, error=error)


class IdentifyResult(_Diarized):
    """The output of an identify job: who spoke when, and how each speaker matched the voiceprints.

    Attributes:
        identification: speech turns with the matched label (``match`` is None when unmatched).
        voiceprints: for each diarized speaker, the best match and its score for every label.
        diarization: the plain diarization (labels such as SPEAKER_00).
        exclusive_diarization: non-overlapping diarization, when requested.
        confidence: frame-level diarization confidence, when requested.
        warning: the API's warning, if any.
        error: the API's error text, when the output carries one.
        extra: output keys this version does not know, kept as sent (a deep copy).
    """

    _kind = "identify"

    if TYPE_CHECKING:  # read-only fields (see _Frozen)

        @property
        def identification(self) -> Sequence[Identification]: ...
        @property
        def voiceprints(self) -> tuple[VoiceprintMatch, ...]: ...
    else:
        __slots__ = (
            "_unsent",
            "confidence",
            "diarization",
            "error",
            "exclusive_diarization",
            "extra",
            "identification",
            "voiceprints",
            "warning",
        )

    def __init__(
        self,
        identification: Iterable[Identification] = (),
        voiceprints: Iterable[VoiceprintMatch] = (),
        diarization: Iterable[Segment] = (),
        exclusive_diarization: Iterable[Segment] | None = None,
        confidence: Confidence | None = None,
        warning: str | None = None,
        error: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._set_diarization(
            diarization,
            exclusive_diarization,
            confidence,
            warning,
            error,
            extra,
            identification=_Identifications.of(identification),
            voiceprints=tuple(
                VoiceprintMatch(speaker, match, _read_only(scores)) for speaker, match, scores in voiceprints
            ),
        )

    @property
    def speakers(self) -> list[str]:
        """The matched labels, in the order they first speak (by start time; turns that start
        together keep the output's order), as the output need not be in time order."""
        table = _Identifications.of(self.identification)
        first: dict[str, tuple[float, int]] = {}  # each label's earliest start, and that turn's index
        for index, (match, start) in enumerate(zip(table._values(4), table._values(1), strict=True)):
            if match is not None and (match not in first or start < first[match][0]):
                first[match] = (start, index)
        return sorted(first, key=first.__getitem__)  # labels that start together: in their turns' output order

    def talk_time(self) -> dict[str, float]:
        """Seconds of speech per matched label, longest first (unmatched turns are left out;
        overlapping turns of one label count once)."""
        table = _Identifications.of(self.identification)
        return _talk_time(table._values(4), table._values(1), table._values(2))

    def segments_of(self, label: str) -> list[Identification]:
        """Every turn matched to *label*, in time order (by start; turns starting together keep
        the output's order)."""
        table = _Identifications.of(self.identification)
        turns = [table[index] for index, match in enumerate(table._values(4)) if match == label]
        return sorted(turns, key=_START_OF_ROW)

    def to_rttm(self, file_id: str = "audio") -> str:
        """Turns as RTTM lines; a turn with no match keeps its diarization label. Whitespace,
        control characters and '%' in the file id and labels are percent-encoded and an empty
        label is a lone '%', so each line keeps its ten fields and distinct labels stay distinct.
        Turns whose duration rounds to 0.000 s or less are left out: a scorer would refuse the
        whole file for one of them (one that ends before it starts is logged as a WARNING)."""
        table = _Identifications.of(self.identification)
        labels = (
            match if match is not None else speaker
            for match, speaker in zip(table._values(4), table._values(3), strict=True)
        )
        return _rttm(zip(labels, table._values(1), table._values(2), strict=True), file_id)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        keys, speakers = self._unsent_parts()
        turns = [_turn_dict(turn) for turn in self.identification]
        for index in speakers:
            del turns[index]["speaker"]
        data["identification"] = turns
        if "voiceprints" not in keys:
            data["voiceprints"] = [
                {"speaker": v.speaker, "match": v.match, "confidence": dict(v.confidence)} for v in self.voiceprints
            ]
        if "diarization" not in keys:
            data["diarization"] = [_segment_dict(s) for s in self.diarization]
        _put_common(data, self)
        return data

    def __repr__(self) -> str:
        return f"IdentifyResult(turns={len(self.identification)}, speakers={self.speakers}{_error_shown(self.error)})"


class VoiceprintResult(_Output):
    """The output of a voiceprint job: the voiceprint string to pass to identify."""

    _kind = "voiceprint"

    if TYPE_CHECKING:  # read-only fields (see _Frozen)

        @property
        def voiceprint(self) -> str: ...
    else:
        __slots__ = ("error", "extra", "voiceprint", "warning")

    def __init__(
        self,
        voiceprint: str,
        warning: str | None = None,
        error: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._set(voiceprint=voiceprint, warning=warning, error=error, extra=_extra_copy(extra))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data["voiceprint"] = self.voiceprint
        if self.warning is not None:
            data["warning"] = self.warning
        if self.error is not None:
            data["error"] = self.error
        return data

    def __repr__(self) -> str:
        return f"VoiceprintResult(voiceprint=<{len(self.voiceprint)} chars>{_error_shown(self.error)})"


Result: TypeAlias = IdentifyResult | VoiceprintResult | DiarizationResult


def _put_common(data: dict[str, Any], output: DiarizationResult | IdentifyResult) -> None:
    if output.exclusive_diarization is not None:
        data["exclusiveDiarization"] = [_segment_dict(s) for s in output.exclusive_diarization]
    if output.confidence is not None:
        data["confidence"] = output.confidence.to_dict()
    if output.warning is not None:
        data["warning"] = output.warning
    if output.error is not None:
        data["error"] = output.error


#: A turn's start time (the second field of a row), the key that sorts turns by time.
_START_OF_ROW = itemgetter(1)
