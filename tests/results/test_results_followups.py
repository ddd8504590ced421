"""Follow-ups of a review of results.py: a failed job's unknown output keys, a whole job document given
to ``from_dict``, the repr of a failed job's output, and the round trip of a result parsed with a
forced kind."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pyannoteai_identify import IdentifyResult, InvalidOutputError
from pyannoteai_identify.results import DiarizationResult, JobKind, VoiceprintResult, parse_job

_TURN = {"speaker": "SPEAKER_00", "start": 0.0, "end": 1.5}
_IDENTIFY: dict[str, Any] = {
    "identification": [{"speaker": "John", "diarizationSpeaker": "SPEAKER_00", "match": "John", "start": 0, "end": 1}],
    "voiceprints": [{"speaker": "SPEAKER_00", "match": "John", "confidence": {"John": 90}}],
    "diarization": [_TURN],
}
_OUTPUTS: dict[str, dict[str, Any]] = {
    "identify": _IDENTIFY,
    "voiceprint": {"voiceprint": "dm9pY2U="},
    "diarization": {"diarization": [_TURN]},
}
_CLASSES: dict[str, type[Any]] = {
    "identify": IdentifyResult,
    "voiceprint": VoiceprintResult,
    "diarization": DiarizationResult,
}


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_failed_jobs_unknown_output_keys_are_kept_in_extra(status: str) -> None:
    """A failed job's output kept only ``error`` and ``warning``: a newer API's ``errorCode`` was
    dropped, while the docs say unknown output keys are kept in ``extra``."""
    job = parse_job(
        {
            "jobId": "job-1",
            "status": status,
            "output": {"error": "Could not decode the audio", "errorCode": "AUDIO_DECODE", "details": {"at": 3}},
        }
    )
    assert job.output is not None and job.error == "Could not decode the audio"
    assert dict(job.output.extra) == {"errorCode": "AUDIO_DECODE", "details": {"at": 3}}


@pytest.mark.parametrize("kind", ["identify", "voiceprint", "diarization"])
def test_from_dict_refuses_a_whole_job_document_saying_to_pass_its_output(kind: str) -> None:
    """DiarizationResult.from_dict of ``{jobId, status, output}`` (the CLI's ``job --format json``)
    gave an empty result; IdentifyResult.from_dict named a missing field. Every one now says what was
    passed and what to pass instead."""
    document = {"jobId": "job-1", "status": "succeeded", "output": _OUTPUTS[kind]}
    cls = _CLASSES[kind]
    with pytest.raises(InvalidOutputError, match=r"a whole job document .*pass job\[\"output\"\]"):
        cls.from_dict(document)
    assert cls.from_dict(document["output"]) == cls.from_dict(json.loads(json.dumps(_OUTPUTS[kind])))


@pytest.mark.parametrize("kind", ["identify", "voiceprint", "diarization"])
def test_from_dict_keeps_reading_an_output_whose_unknown_keys_are_those_of_a_job_document(kind: str) -> None:
    """An output that has its own keys is an output, whatever unknown keys it also carries."""
    output = {**_OUTPUTS[kind], "jobId": "job-1", "status": "done", "output": {}}
    result = _CLASSES[kind].from_dict(output)
    assert dict(result.extra) == {"jobId": "job-1", "status": "done", "output": {}}


def test_the_repr_of_a_failed_jobs_output_shows_its_error_cut_short() -> None:
    """repr(job.output) of a failed job was ``DiarizationResult(segments=0, speakers=[])``: the error,
    which is all that output holds, was hidden."""
    job = parse_job({"jobId": "job-1", "status": "failed", "output": {"error": "Could not decode the audio"}})
    assert "error='Could not decode the audio'" in repr(job.output)
    long = parse_job({"jobId": "job-1", "status": "failed", "output": {"error": "x" * 100_000}})
    assert "error='xxx" in repr(long.output) and len(repr(long.output)) < 200


@pytest.mark.parametrize("forced", ["identify", "voiceprint", "diarization"])
@pytest.mark.parametrize("sent", ["identify", "voiceprint", "diarization"])
def test_a_result_parsed_with_a_forced_kind_reads_back_its_own_dict(forced: JobKind, sent: str) -> None:
    """``get_job(kind="diarization")`` on an output with ``voiceprint`` kept it in ``extra``, and
    ``DiarizationResult.from_dict(result.to_dict())`` then refused it as a voiceprint output."""
    output = {**_OUTPUTS[forced], **{key: value for key, value in _OUTPUTS[sent].items() if key != "diarization"}}
    job = parse_job({"jobId": "job-1", "status": "succeeded", "output": output}, kind=forced)
    result = job.output
    assert type(result) is _CLASSES[forced]
    assert type(result).from_dict(result.to_dict()) == result
    assert type(result).from_dict(json.loads(result.to_json())) == result


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_a_failed_jobs_output_reads_back_its_own_dict(status: str) -> None:
    """A failed job's output, with keys of any output type, reads back from its own dict (by its own
    type's from_dict: its dict is the output as sent, which DiarizationResult.from_dict refuses as an
    identify output, as it refuses any output with those keys and no diarization key)."""
    output = {"error": "boom", "errorCode": "E1", "voiceprint": "partial", "identification": []}
    result = parse_job({"jobId": "job-1", "status": status, "output": output}).output
    assert isinstance(result, DiarizationResult)
    assert result.to_dict() == output
    assert type(result).from_dict(result.to_dict()) == result
