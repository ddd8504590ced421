"""Parsing the API's JSON into results and jobs: ``parse_output`` and ``parse_job``, and the parsers of
each output kind, which register with the output classes (their ``from_dict``).

The fast path trusts the shape and lets Python raise; on any error the slow path walks the data
again to name the offending field (``_results_fields``).
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping, Sequence
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, cast

from ._contract import SpecReader
from ._results_confidence import _NUMBER_TYPES, Confidence, _all_finite, _compact_scores, _restore_confidence
from ._results_fields import (
    _datetime,
    _json_number,
    _list,
    _number,
    _object,
    _optional_text,
    _require_mapping,
    _score_map,
    _string,
)
from ._results_frozen import _read_only_or_none, _ReadOnlyDict
from ._results_job import Job
from ._results_kinds import (
    _DIARIZATION_KEYS,
    _IDENTIFY_KEYS,
    _VOICEPRINT_KEYS,
    JobKind,
    JobStatus,
    coerce_status,
    infer_kind,
)
from ._results_outputs import _PARSERS, DiarizationResult, IdentifyResult, Result, VoiceprintResult, _NotSucceededOutput
from ._results_rows import Segment, VoiceprintMatch, _Identifications, _Segments
from ._results_shown import _bad, _shown

_SPEC = SpecReader(__name__)

# The optional lists to_dict() writes (empty) when the output did not have them, unless told it did not.
_DIARIZATION_LISTS = frozenset({"diarization"})
_IDENTIFY_LISTS = frozenset({"diarization", "voiceprints"})


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


def _identification_columns(items: list[Any], labels: dict[Any, Any]) -> tuple[_Identifications, tuple[int, ...]]:
    """The fast path: TypeError (or another of ``_FAST_PATH_ERRORS``) unless every turn is plain and
    valid. With the table, the index of each turn that has no ``speaker`` (filled in here)."""
    diarization_speakers = _shared(list(map(_DIARIZATION_SPEAKER, items)), labels)
    matches = _shared(list(map(_MATCH, items)), labels)
    # ``speaker`` is optional in the contract: "the matched label, or the diarization label when
    # unmatched". A null one is read as missing, as every other optional field's null is.
    speakers = list(map(_get, items, repeat("speaker"), repeat(None)))
    unsent: tuple[int, ...] = ()
    if None in speakers:
        unsent = tuple(index for index, speaker in enumerate(speakers) if speaker is None)
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
    return _Identifications(columns), unsent


def _identifications(items: list[Any], field: str, labels: dict[Any, Any]) -> tuple[_Identifications, tuple[int, ...]]:
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


def _unsent_lists(lists: frozenset[str], output: Mapping[str, Any]) -> frozenset[str]:
    """The optional lists among *lists* that *output* did not send: absent, or null (read as absent)."""
    return frozenset(key for key in lists if output.get(key) is None)


def _parse_identify(output: Any, prefix: str = "output.") -> IdentifyResult:
    output = _require_mapping(output, prefix)
    labels: dict[Any, Any] = {}  # one string per distinct label, shared by every segment list
    if "identification" not in output:
        raise _bad(f"{prefix}identification", "missing required field")
    # Without `voiceprints` (upstream does not promise it), or with null there, the result keeps its
    # turns, with no scores.
    voiceprints = _list(output, "voiceprints", prefix) if output.get("voiceprints") is not None else []
    turns, unsent_speakers = _identifications(
        _list(output, "identification", prefix), f"{prefix}identification", labels
    )
    result = IdentifyResult(
        identification=turns,
        voiceprints=_voiceprint_matches(voiceprints, f"{prefix}voiceprints"),
        extra={k: v for k, v in output.items() if k not in _IDENTIFY_KEYS},
        **_common(output, prefix, labels),
    )
    # to_dict() gives back what was sent: no list the output did not have, no speaker a turn did not
    # have; a null one (which the contract does not allow) was read as absent, and is written so.
    return result._as_sent((_unsent_lists(_IDENTIFY_LISTS, output), unsent_speakers))


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
    result = DiarizationResult(
        extra={k: v for k, v in output.items() if k not in _DIARIZATION_KEYS},
        **_common(output, prefix, {}),
    )
    return result._as_sent((_unsent_lists(_DIARIZATION_LISTS, output), ()))


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
