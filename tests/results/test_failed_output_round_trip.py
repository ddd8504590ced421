"""A failed or canceled job's output gives back, in ``to_dict()``, what the API sent: its known keys
(``diarization``, ``identification``, ...) were kept in ``extra``, then ``to_dict()`` wrote its own
empty ``diarization`` over the one sent (or added one the API never sent)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

from pyannoteai_identify.results import parse_job

_TURN = {"speaker": "SPEAKER_00", "start": 0.0, "end": 1.5}
_FAILED_OUTPUTS: dict[str, dict[str, Any]] = {
    "error only": {"error": "Could not decode the audio"},
    "error and warning": {"error": "Could not decode the audio", "warning": "short file"},
    "with diarization": {"error": "identification failed", "diarization": [_TURN]},
    "with an empty diarization": {"error": "identification failed", "diarization": []},
    "with identification": {
        "error": "identification failed",
        "identification": [{"speaker": "x", "diarizationSpeaker": "SPEAKER_00", "match": None, "start": 0, "end": 1}],
        "voiceprints": [],
        "diarization": [_TURN],
        "errorCode": "E42",
    },
    "with unknown keys": {"error": "boom", "details": {"at": [1, 2]}},
}


@pytest.mark.parametrize("status", ["failed", "canceled"])
@pytest.mark.parametrize("sent", list(_FAILED_OUTPUTS), ids=str)
def test_a_failed_jobs_output_to_dict_is_what_the_api_sent(status: str, sent: str) -> None:
    output = _FAILED_OUTPUTS[sent]
    job = parse_job({"jobId": "job-1", "status": status, "output": copy.deepcopy(output)})
    assert job.output is not None and job.result is None
    assert job.output.to_dict() == output
    # Read back by its own type (from_dict), and through pickle and copy, it stays the same output.
    assert type(job.output).from_dict(job.output.to_dict()) == job.output
    assert type(job.output).from_dict(output).to_dict() == output
    assert pickle.loads(pickle.dumps(job.output)).to_dict() == output
    assert copy.deepcopy(job.output).to_dict() == output


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_failed_jobs_outputs_that_differ_are_not_equal(status: str) -> None:
    """The not-succeeded output's class declares no slots of its own, and equality compared only the
    concrete class's slots: every two failed outputs were equal (an empty ``all()``), whatever their
    error, warning or other keys, and so were two failed jobs of one id with different errors."""
    outputs = list(_FAILED_OUTPUTS.values())
    jobs = [parse_job({"jobId": "job-1", "status": status, "output": copy.deepcopy(output)}) for output in outputs]
    for i, job in enumerate(jobs):
        for j, other in enumerate(jobs):
            assert (job.output == other.output) is (i == j), (outputs[i], outputs[j])
            assert (job == other) is (i == j), (outputs[i], outputs[j])
    same = parse_job({"jobId": "job-1", "status": status, "output": copy.deepcopy(outputs[0])})
    assert same.output == jobs[0].output and same == jobs[0]
