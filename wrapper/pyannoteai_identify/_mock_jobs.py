"""The jobs of ``MockAPI``: the statuses a job may take, the record the mock keeps of each job, and
the output a succeeded job answers with (the mock's own, or one derived from the request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from ._contract import SpecReader
from ._mock_builders import Kind, _default_output, make_identify_output, make_voiceprint, make_voiceprint_output

__all__ = ["Status"]

_SPEC = SpecReader(__name__)
#: Every status of the contract's ``JobStatus`` enum as a type: what ``MockAPI.outcome`` may be (a final
#: one ends a job, another keeps it there); the same test checks it against the enum.
Status: TypeAlias = Literal["pending", "created", "running", "succeeded", "failed", "canceled"]
#: Every status the API answers (the contract's ``JobStatus`` enum): what ``MockAPI.outcome`` may be.
_STATUSES: tuple[str, ...] = tuple(_SPEC.schema("JobStatus", "enum"))

#: An output of ``MockAPI``: a dict, a function of the request body, or None for the default one.
_BodyFactory: TypeAlias = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]] | None


@dataclass
class _Job:
    kind: Kind
    job_id: str
    seq: int  # position in submission order: what list cursors encode
    created_at: str
    updated_at: str  # the time of the last status change
    request: Mapping[str, Any]
    pending_polls: int
    outcome: str
    output: Mapping[str, Any] | None
    error: str | None = None  # output.error if it fails, instead of failure_message
    ended: float | None = None  # virtual time it reached a final status: retention counts from here
    polls: int = 0
    status: str = "created"


def _unmatched_below(threshold: float | None, output: dict[str, Any]) -> dict[str, Any]:
    """*output* with the turns of each speaker whose best score is below *threshold* left unmatched,
    as the API's ``matching.threshold`` does (its ``voiceprints`` entry still names the best label)."""
    if threshold is None:
        return output
    below = {
        entry["speaker"]
        for entry in output["voiceprints"]
        if entry["match"] is not None and entry["confidence"][entry["match"]] < threshold
    }
    for turn in output["identification"]:
        if turn["diarizationSpeaker"] in below:
            turn["match"], turn["speaker"] = None, turn["diarizationSpeaker"]
    return output


def _job_output(job: _Job, identify_output: _BodyFactory, voiceprint_output: _BodyFactory) -> Mapping[str, Any]:
    """The output *job* succeeds with: the mock's ``identify_output``/``voiceprint_output``, else one
    derived from its request (the kind's default for a job added with ``add_job``)."""
    if not job.request:  # added with add_job: no request to answer, the kind's default as make_job's
        return _default_output(job.kind)
    factory = identify_output if job.kind == "identify" else voiceprint_output
    if callable(factory):
        return factory(job.request)
    if factory is not None:
        return factory
    if job.kind == "voiceprint":
        return make_voiceprint_output(make_voiceprint(str(job.request.get("url", job.job_id))))
    labels = [voiceprint["label"] for voiceprint in job.request.get("voiceprints", [])]
    # numSpeakers is the exact number of diarized speakers: those beyond the voiceprints match none.
    # A JSON number (2.0 is the integer 2 to the contract's schema, and the API types it `number`).
    speakers = int(job.request.get("numSpeakers") or len(labels))
    output = make_identify_output(
        labels[:speakers],
        unmatched=max(0, speakers - len(labels)),
        confidence=bool(job.request.get("confidence")),
        exclusive=bool(job.request.get("exclusive")),
        turn_level_confidence=bool(job.request.get("turnLevelConfidence")),
    )
    return _unmatched_below((job.request.get("matching") or {}).get("threshold"), output)
