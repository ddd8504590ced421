"""Typed results: jobs, identify, voiceprint and diarization outputs, parsed from the API's JSON.

These are our own immutable classes, never the generated models: the generated parser raises on
an unknown status and picks the first ``anyOf`` shape that fits, and its attrs objects are too slow
and too large for a 24-hour output (about 30,000 segments and 4.32 million confidence scores).
Segments are stored by column (times in ``array('d')``, labels shared between turns) and handed
out as named tuples on access; frame scores are immutable bytes (one byte per whole score, or
eight per double) read through a read-only ``memoryview``. Columns are cut from the parsed JSON
with C-level ``map`` calls, so parsing costs a fraction of ``json.loads`` and the result stays much
smaller than its JSON.

Immutable means: attributes cannot be set or deleted, score maps are read-only copies (changing
the parsed JSON afterwards changes nothing), frame scores cannot be written, and results compare
by value (two parses of the same JSON are equal) and are unhashable, like the dicts they mirror.
Pickle (with every protocol) and copy keep working. ``extra`` is a read-only deep copy of the
unknown keys: their values are plain JSON values (dicts, lists), which this result alone holds.

Unknown keys from a newer API never cause an error: unknown output keys are kept in ``extra``,
unknown keys inside segments are ignored, and an unknown job status is kept as a plain string.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import (
    Any,
    cast,
)

from ._contract import SpecReader
from ._results_confidence import _NUMBER_TYPES as _NUMBER_TYPES
from ._results_confidence import _SNAP as _SNAP
from ._results_confidence import Confidence
from ._results_confidence import _all_finite as _all_finite
from ._results_confidence import _compact_scores as _compact_scores
from ._results_confidence import _packed_scores as _packed_scores
from ._results_confidence import _plain_score as _plain_score
from ._results_confidence import _restore_confidence as _restore_confidence
from ._results_export import _RTTM_EMPTY_LABEL as _RTTM_EMPTY_LABEL
from ._results_export import _RTTM_UNSAFE as _RTTM_UNSAFE
from ._results_export import _covered as _covered
from ._results_export import _rttm as _rttm
from ._results_export import _rttm_field as _rttm_field
from ._results_export import _talk_time as _talk_time
from ._results_export import logger as logger
from ._results_fields import _NUMBER as _NUMBER
from ._results_fields import _datetime as _datetime
from ._results_fields import _json_number as _json_number
from ._results_fields import _list as _list
from ._results_fields import _number as _number
from ._results_fields import _object as _object
from ._results_fields import _optional_text as _optional_text
from ._results_fields import _require_mapping as _require_mapping
from ._results_fields import _score_map as _score_map
from ._results_fields import _string as _string
from ._results_frozen import _extra_copy as _extra_copy
from ._results_frozen import _Frozen as _Frozen
from ._results_frozen import _json_copy as _json_copy
from ._results_frozen import _read_only as _read_only
from ._results_frozen import _read_only_or_none as _read_only_or_none
from ._results_frozen import _ReadOnlyDict as _ReadOnlyDict
from ._results_job import Job
from ._results_job import R as R
from ._results_kinds import _DIARIZATION_KEYS as _DIARIZATION_KEYS
from ._results_kinds import _IDENTIFY_KEYS as _IDENTIFY_KEYS
from ._results_kinds import _KIND_MARKERS as _KIND_MARKERS
from ._results_kinds import _OUTPUT_KEYS as _OUTPUT_KEYS
from ._results_kinds import _OWN_MARKERS as _OWN_MARKERS
from ._results_kinds import _SHARED_KEYS as _SHARED_KEYS
from ._results_kinds import _STATUS_BY_VALUE as _STATUS_BY_VALUE
from ._results_kinds import _TERMINAL as _TERMINAL
from ._results_kinds import _VOICEPRINT_KEYS as _VOICEPRINT_KEYS
from ._results_kinds import JobKind, JobStatus, infer_kind
from ._results_kinds import _an as _an
from ._results_kinds import _is_job_document as _is_job_document
from ._results_kinds import _kind_markers as _kind_markers
from ._results_kinds import coerce_status as coerce_status
from ._results_kinds import is_terminal as is_terminal
from ._results_outputs import _PARSERS as _PARSERS
from ._results_outputs import _START_OF_ROW as _START_OF_ROW
from ._results_outputs import DiarizationResult, IdentifyResult, Result, VoiceprintResult
from ._results_outputs import _Diarized as _Diarized
from ._results_outputs import _NotSucceededOutput as _NotSucceededOutput
from ._results_outputs import _Output as _Output
from ._results_outputs import _put_common as _put_common
from ._results_outputs import failed_output as failed_output
from ._results_rows import Identification, Segment, VoiceprintMatch
from ._results_rows import _Columns as _Columns
from ._results_rows import _Identifications as _Identifications
from ._results_rows import _RowT as _RowT
from ._results_rows import _segment_dict as _segment_dict
from ._results_rows import _Segments as _Segments
from ._results_rows import _turn_dict as _turn_dict
from ._results_shown import _MAX_FIELD_CHARS as _MAX_FIELD_CHARS
from ._results_shown import _PRINTABLE_INT_BITS as _PRINTABLE_INT_BITS
from ._results_shown import _REPR_ERROR_CHARS as _REPR_ERROR_CHARS
from ._results_shown import _SHOWN as _SHOWN
from ._results_shown import _bad as _bad
from ._results_shown import _error_shown as _error_shown
from ._results_shown import _short_repr as _short_repr
from ._results_shown import _ShortRepr as _ShortRepr
from ._results_shown import _shown as _shown

__all__ = [
    "Confidence",
    "DiarizationResult",
    "Identification",
    "IdentifyResult",
    "Job",
    "JobKind",
    "JobStatus",
    "Result",
    "Segment",
    "VoiceprintMatch",
    "VoiceprintResult",
    "infer_kind",
    "parse_job",
    "parse_output",
]


# A pickle names a class (and the function that rebuilds an object) by its module and name. These are
# defined in the ``_results_*.py`` modules, yet report this public module, as they did before it was
# split, so that a pickle written by any version loads in any other (a test keeps pickles written
# before the split).
for _pickled in (
    JobStatus,
    _ReadOnlyDict,
    Confidence,
    _restore_confidence,
    Segment,
    Identification,
    VoiceprintMatch,
    _Segments,
    _Identifications,
    DiarizationResult,
    _NotSucceededOutput,
    IdentifyResult,
    VoiceprintResult,
    Job,
):
    _pickled.__module__ = __name__
del _pickled


_SPEC = SpecReader(__name__)


# ---------------------------------------------------------------------------------------------
# Parsing. The fast path trusts the shape and lets Python raise; on any error the slow path walks
# the data again to name the offending field.


# The fast paths cut columns with C-level map() calls: a getter per field, then ``labels.setdefault``
# so that equal labels share one string. Types are checked in C too: the set of value types of a
# number column must be within {int, float} (JSON true is not a number), and labels are checked
# once per distinct label. Any failure sends the input to the slow walk, which names the offending
# field, or, finding none (a float subclass such as numpy.float64, an OrderedDict from an
# object_pairs_hook), gives plain dicts, strings and numbers that the fast path then takes: both
# paths accept exactly the same inputs.
_FAST_PATH_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError)
_MAP_TYPES = frozenset({dict, _ReadOnlyDict, type(None)})
_SPEAKER = itemgetter("speaker")
_START = itemgetter("start")
_END = itemgetter("end")
_DIARIZATION_SPEAKER = itemgetter("diarizationSpeaker")
_MATCH = itemgetter("match")
_get = dict.get


def _shared(values: list[Any], labels: dict[Any, Any]) -> list[Any]:
    """*values* with every label replaced by the first equal one seen."""
    return list(map(labels.setdefault, values, values))


def _labels_are_text(labels: dict[Any, Any]) -> bool:
    """True when every label is a string; a null match is taken out first (it is the only null allowed)."""
    labels.pop(None, None)
    return all(isinstance(label, str) for label in labels)


def _forget_bad_labels(labels: dict[Any, Any]) -> None:
    """Drop what a failed fast path put among the shared labels that is not a string, so that it
    does not fail every later list too."""
    for label in [label for label in labels if not isinstance(label, str)]:
        del labels[label]


def _floats(values: list[Any]) -> array[float]:
    """*values* as doubles; TypeError unless every one is a finite JSON number."""
    if not _NUMBER_TYPES.issuperset(map(type, values)):
        raise TypeError("not a number")
    doubles = array("d", values)
    if not _all_finite(doubles):
        raise ValueError("not finite")
    return doubles


def _turn_confidence(items: list[Any]) -> list[Any] | None:
    """Each turn's score map (``turnLevelConfidence``) as a read-only copy, or None when no turn has one."""
    values = list(map(_get, items, repeat("confidence")))
    if values.count(None) == len(values):
        return None
    if not _MAP_TYPES.issuperset(map(type, values)):
        raise TypeError("not a map of scores")
    scores = list(chain.from_iterable(map(dict.values, filter(None, values))))
    if not _NUMBER_TYPES.issuperset(map(type, scores)) or not _all_finite(scores):
        raise TypeError("not a map of finite scores")
    # Every turn has scores when turn-level confidence was asked for: then copy in one C-level map.
    if None in values:
        return list(map(_read_only_or_none, values))
    return list(map(_ReadOnlyDict, cast(list[dict[str, Any]], values)))


def _segment_columns(items: list[Any], labels: dict[Any, Any]) -> _Segments:
    """The fast path: TypeError (or another of ``_FAST_PATH_ERRORS``) unless every turn is plain and valid."""
    columns = (
        _shared(list(map(_SPEAKER, items)), labels),
        _floats(list(map(_START, items))),
        _floats(list(map(_END, items))),
        _turn_confidence(items),
    )
    if None in labels or not _labels_are_text(labels):
        raise TypeError("a label is not a string")
    return _Segments(columns)


def _segments(items: list[Any], field: str, labels: dict[Any, Any]) -> _Segments:
    try:
        return _segment_columns(items, labels)
    except _FAST_PATH_ERRORS:
        _forget_bad_labels(labels)
    plain = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        item = _object(item, where, ("speaker", "start", "end"))
        confidence = item.get("confidence")
        plain.append(
            {
                "speaker": _string(item["speaker"], f"{where}.speaker"),
                "start": _number(item["start"], f"{where}.start"),
                "end": _number(item["end"], f"{where}.end"),
                "confidence": None if confidence is None else _score_map(confidence, f"{where}.confidence"),
            }
        )
    return _segment_columns(plain, labels)


def _identification_columns(items: list[Any], labels: dict[Any, Any]) -> _Identifications:
    """The fast path: TypeError (or another of ``_FAST_PATH_ERRORS``) unless every turn is plain and valid."""
    diarization_speakers = _shared(list(map(_DIARIZATION_SPEAKER, items)), labels)
    matches = _shared(list(map(_MATCH, items)), labels)
    # ``speaker`` is optional in the contract: "the matched label, or the diarization label when
    # unmatched". A null one is read as missing, as every other optional field's null is.
    speakers = list(map(_get, items, repeat("speaker"), repeat(None)))
    if None in speakers:
        speakers = [
            (match if match is not None else diarization) if speaker is None else speaker
            for speaker, match, diarization in zip(speakers, matches, diarization_speakers, strict=True)
        ]
    columns = (
        _shared(speakers, labels),
        _floats(list(map(_START, items))),
        _floats(list(map(_END, items))),
        diarization_speakers,
        matches,
        _turn_confidence(items),
    )
    if None in diarization_speakers or None in columns[0] or not _labels_are_text(labels):
        raise TypeError("a label is not a string")
    return _Identifications(columns)


def _identifications(items: list[Any], field: str, labels: dict[Any, Any]) -> _Identifications:
    try:
        return _identification_columns(items, labels)
    except _FAST_PATH_ERRORS:
        _forget_bad_labels(labels)
    plain = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        item = _object(item, where, ("diarizationSpeaker", "match", "start", "end"))
        turn = {
            "diarizationSpeaker": _string(item["diarizationSpeaker"], f"{where}.diarizationSpeaker"),
            "match": _string(item["match"], f"{where}.match", nullable=True),
        }
        if item.get("speaker") is not None:
            turn["speaker"] = _string(item["speaker"], f"{where}.speaker")
        turn["start"] = _number(item["start"], f"{where}.start")
        turn["end"] = _number(item["end"], f"{where}.end")
        confidence = item.get("confidence")
        turn["confidence"] = None if confidence is None else _score_map(confidence, f"{where}.confidence")
        plain.append(turn)
    return _identification_columns(plain, labels)


def _voiceprint_matches(items: list[Any], field: str) -> tuple[VoiceprintMatch, ...]:
    result = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        item = _object(item, where, ("speaker", "match", "confidence"))
        result.append(
            VoiceprintMatch(
                _string(item["speaker"], f"{where}.speaker"),
                _string(item["match"], f"{where}.match", nullable=True),
                _score_map(item["confidence"], f"{where}.confidence"),
            )
        )
    return tuple(result)


def _confidence(value: Any, field: str) -> Confidence:
    value = _object(value, field, ("score", "resolution"))
    resolution = _number(value["resolution"], f"{field}.resolution")
    if resolution <= 0:
        raise _bad(f"{field}.resolution", f"expected a positive number, got {_shown(resolution)}")
    score = value["score"]
    if not isinstance(score, list):
        raise _bad(f"{field}.score", "expected an array of numbers")
    try:
        data, kind = _compact_scores(score)
    except (TypeError, ValueError, OverflowError):
        plain = [_json_number(item, f"{field}.score[{index}]") for index, item in enumerate(score)]
        data, kind = _compact_scores(plain)
    return _restore_confidence(data, kind, resolution)


def _common(output: Mapping[str, Any], prefix: str, labels: dict[Any, Any]) -> dict[str, Any]:
    exclusive = None
    if output.get("exclusiveDiarization") is not None:
        exclusive = _segments(_list(output, "exclusiveDiarization", prefix), f"{prefix}exclusiveDiarization", labels)
    confidence = None
    if output.get("confidence") is not None:
        confidence = _confidence(output["confidence"], f"{prefix}confidence")
    diarization: Sequence[Segment] = ()
    if output.get("diarization") is not None:
        diarization = _segments(_list(output, "diarization", prefix), f"{prefix}diarization", labels)
    return {
        "diarization": diarization,
        "exclusive_diarization": exclusive,
        "confidence": confidence,
        "warning": _optional_text(output, "warning", prefix),
        "error": _optional_text(output, "error", prefix),
    }


def _parse_identify(output: Any, prefix: str = "output.") -> IdentifyResult:
    output = _require_mapping(output, prefix)
    labels: dict[Any, Any] = {}  # one string per distinct label, shared by every segment list
    if "identification" not in output:
        raise _bad(f"{prefix}identification", "missing required field")
    # Without `voiceprints` (upstream does not promise it), or with null there, the result keeps its
    # turns, with no scores.
    voiceprints = _list(output, "voiceprints", prefix) if output.get("voiceprints") is not None else []
    return IdentifyResult(
        identification=_identifications(_list(output, "identification", prefix), f"{prefix}identification", labels),
        voiceprints=_voiceprint_matches(voiceprints, f"{prefix}voiceprints"),
        extra={k: v for k, v in output.items() if k not in _IDENTIFY_KEYS},
        **_common(output, prefix, labels),
    )


def _parse_voiceprint(output: Any, prefix: str = "output.") -> VoiceprintResult:
    output = _require_mapping(output, prefix)
    if "voiceprint" not in output:
        raise _bad(f"{prefix}voiceprint", "missing required field")
    return VoiceprintResult(
        voiceprint=_string(output["voiceprint"], f"{prefix}voiceprint"),
        warning=_optional_text(output, "warning", prefix),
        error=_optional_text(output, "error", prefix),
        extra={k: v for k, v in output.items() if k not in _VOICEPRINT_KEYS},
    )


def _parse_diarization(output: Any, prefix: str = "output.") -> DiarizationResult:
    output = _require_mapping(output, prefix)
    return DiarizationResult(
        extra={k: v for k, v in output.items() if k not in _DIARIZATION_KEYS},
        **_common(output, prefix, {}),
    )


# Registered with the output classes, whose ``from_dict`` looks the parser up by kind.
_PARSERS.update(
    {
        "identify": _parse_identify,
        "voiceprint": _parse_voiceprint,
        "diarization": _parse_diarization,
    }
)


def parse_output(kind: JobKind | None, output: Mapping[str, Any], prefix: str = "output.") -> Result:
    """Parse an output mapping as *kind*, or as whatever its keys show when *kind* is None."""
    resolved = kind or infer_kind(output) or "diarization"
    return _PARSERS[resolved](output, prefix)


#: The shortest job id (openapi.yaml: 1, as for the ``jobId`` path parameter that every id must fill).
JOB_ID_MIN_LENGTH: int = _SPEC.prop("JobCreated", "jobId", "minLength")


def empty_job_id(job_id: str) -> str | None:
    """Why *job_id*, from a response, cannot name a job in ``GET /v1/jobs/{jobId}``, or None.

    Refused as a broken contract, rather than handed back as a job that nobody can look up again:
    for a job just created, the id of a billed job, kept only to fail at the first poll.
    """
    if len(job_id) < JOB_ID_MIN_LENGTH:
        return f"expected a job id of {JOB_ID_MIN_LENGTH} or more characters, got {_shown(job_id)}"
    return None


def parse_job(data: Any, kind: JobKind | None = None) -> Job[Result]:
    """Parse a ``GET /v1/jobs/{id}`` body (or a webhook body) into a Job.

    *kind* is what the caller knows about the job (the client remembers what it submitted); it wins
    over the output keys, so an identify job always comes back as an identify job. Output is parsed
    only for a succeeded job; the output of a job that has not succeeded (a failed job's
    ``output.error``) is a ``DiarizationResult`` whatever its kind, holding its ``error`` and
    ``warning``, and every other key it has in ``extra`` (as sent: its ``to_dict()`` gives the
    output back as the API sent it).
    """
    if not isinstance(data, Mapping):
        raise _bad("body", f"expected a JSON object, got {type(data).__name__}")
    for key in ("jobId", "status"):
        if key not in data:
            raise _bad(key, "missing required field")
    job_id = _string(data["jobId"], "jobId")
    problem = empty_job_id(job_id)
    if problem is not None:
        raise _bad("jobId", problem)
    status = coerce_status(_string(data["status"], "status"))
    raw_output = data.get("output")
    output: Result | None = None
    if raw_output is not None:
        raw_output = _require_mapping(raw_output, "output.")
        kind = kind or infer_kind(raw_output)
        if status == JobStatus.SUCCEEDED:
            output = parse_output(kind, raw_output)
        else:
            output = _NotSucceededOutput.from_dict(raw_output)
    # Job(...), not Job[Result](...): calling the subscripted alias only adds an attempt to set
    # __orig_class__, which a _Frozen object refuses (AttributeError, swallowed by typing), so the
    # job is the same; the refusal cost about 3 µs of every get_job.
    return Job(
        job_id,
        status,
        kind,
        output=output,
        created_at=_datetime(data.get("createdAt"), "createdAt"),
        updated_at=_datetime(data.get("updatedAt"), "updatedAt"),
        warning=None if data.get("warning") is None else _string(data["warning"], "warning"),
    )
