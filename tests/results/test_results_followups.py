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
