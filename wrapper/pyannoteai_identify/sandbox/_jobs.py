"""What a sandbox job produces: audio and a validated request in, the job's final status and output out.

Pure functions over :mod:`._signal`: no I/O, no clock. The app resolves the audio and calls one
of these after answering the submission (on :mod:`._work`'s threads); the outcome is revealed
when the simulated processing time is over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .._validation import MAX_AUDIO_SECONDS, MAX_VOICEPRINT_AUDIO_BYTES, MAX_VOICEPRINT_AUDIO_SECONDS
from ._signal import Analysis, AudioError, analyse, decode_voiceprint, encode_voiceprint, similarity

__all__ = [
    "CANCELED",
    "CANNOT_LOAD",
    "MAX_VOICEPRINT_SECONDS",
    "Outcome",
    "failed",
    "identify_outcome",
    "voiceprint_outcome",
]

CANNOT_LOAD = "Could not load audio"
#: The documented limit on voiceprint audio, read from openapi.yaml (``x-max-duration-seconds``).
MAX_VOICEPRINT_SECONDS = MAX_VOICEPRINT_AUDIO_SECONDS


@dataclass(frozen=True)
class Outcome:
    """A job's terminal status and its output (``{"error": …}`` when it failed; none when canceled)."""

    status: Literal["succeeded", "failed", "canceled"]
    output: dict[str, Any]


def failed(message: str) -> Outcome:
    """A failed outcome whose output carries *message* as ``error``."""
    return Outcome("failed", {"error": message})


#: A canceled job: neither its body nor its webhook carries an output (api-reference §7.2).
CANCELED = Outcome("canceled", {})


def _analyse(audio: bytes | bytearray | memoryview | None, num_speakers: int | None = None) -> Analysis | Outcome:
    if audio is None:
        return failed(CANNOT_LOAD)
    try:
        return analyse(audio, num_speakers=num_speakers)
    except AudioError:
        return failed(CANNOT_LOAD)


def voiceprint_outcome(audio: bytes | bytearray | memoryview | None) -> Outcome:
    """A voiceprint job: the pitch of the speaker who talks most, as an opaque voiceprint string.

    Audio over the contract's limits for a voiceprint (``x-max-file-bytes``,
    ``x-max-duration-seconds``) fails the job, as the API documents them."""
    if audio is not None and len(audio) > MAX_VOICEPRINT_AUDIO_BYTES:
        return failed(f"Voiceprint audio must be at most {MAX_VOICEPRINT_AUDIO_BYTES} bytes")
    analysis = _analyse(audio)
    if isinstance(analysis, Outcome):
        return analysis
    if analysis.duration > MAX_VOICEPRINT_SECONDS:
        return failed(f"Voiceprint audio must be at most {MAX_VOICEPRINT_SECONDS:g} seconds long")
    if not analysis.speakers:
        return failed("No speech found in the audio")
    dominant = max(analysis.speakers, key=lambda speaker: speaker.seconds)
    output: dict[str, Any] = {"voiceprint": encode_voiceprint(dominant.hz)}
    if len(analysis.speakers) > 1:
        output["warning"] = (
            f"The audio has {len(analysis.speakers)} speakers; the voiceprint is of the one who speaks most"
        )
    return Outcome("succeeded", output)


def _best(row: Mapping[str, float], labels: Sequence[str]) -> str:
    """The label with the highest score (the first one on a tie)."""
    return max(labels, key=row.__getitem__)


def _assign(
    scores: Mapping[str, Mapping[str, float]], labels: Sequence[str], *, exclusive: bool, threshold: float
) -> dict[str, str | None]:
    """Each diarized speaker's matched label under the matching options (greedy, best pair first)."""
    matches: dict[str, str | None] = dict.fromkeys(scores)
    if not exclusive:
        for speaker, row in scores.items():
            best = _best(row, labels)
            matches[speaker] = best if row[best] >= threshold else None
        return matches
    order = {label: i for i, label in enumerate(labels)}
    speakers = list(scores)
    pairs = sorted(
        ((row[label], speaker, label) for speaker, row in scores.items() for label in labels),
        key=lambda pair: (-pair[0], speakers.index(pair[1]), order[pair[2]]),
    )
    taken: set[str] = set()
    for score, speaker, label in pairs:
        if matches[speaker] is None and label not in taken and score >= threshold:
            matches[speaker] = label
            taken.add(label)
    return matches


def identify_outcome(audio: bytes | bytearray | memoryview | None, request: Mapping[str, Any]) -> Outcome:
    """An identify job: diarize the tones, then match each speaker's pitch to the voiceprints.

    *request* is an ``IdentifyRequest`` that already passed schema validation.
    """
    pitches: dict[str, float] = {}
    for entry in request["voiceprints"]:
        try:
            hz = decode_voiceprint(entry["voiceprint"])
        except ValueError:
            return failed(f"Invalid voiceprint for label {entry['label']!r}")
        pitches.setdefault(entry["label"], hz)
    analysis = _analyse(audio, request.get("numSpeakers"))
    if isinstance(analysis, Outcome):
        return analysis
    if analysis.duration > MAX_AUDIO_SECONDS:
        return failed(f"Audio must be at most {MAX_AUDIO_SECONDS:g} seconds long")
    matching = request.get("matching") or {}
    exclusive = matching.get("exclusive")
    threshold = matching.get("threshold")
    labels = list(pitches)
    scores = {
        speaker.label: {label: similarity(speaker.hz, hz) for label, hz in pitches.items()}
        for speaker in analysis.speakers
    }
    matches = _assign(
        scores,
        labels,
        exclusive=True if exclusive is None else bool(exclusive),
        threshold=0.0 if threshold is None else float(threshold),
    )
    turn_level = bool(request.get("turnLevelConfidence"))
    diarization: list[dict[str, Any]] = []
    identification: list[dict[str, Any]] = []
    for segment in analysis.segments:
        turn: dict[str, Any] = {"speaker": segment.speaker, "start": segment.start, "end": segment.end}
        if turn_level:
            turn["confidence"] = {s.label: similarity(segment.hz, s.hz) for s in analysis.speakers}
        diarization.append(turn)
        match = matches[segment.speaker]
        identification.append(
            {**turn, "speaker": match or segment.speaker, "diarizationSpeaker": segment.speaker, "match": match}
        )
    voiceprints = [
        {
            "speaker": speaker,
            "match": _best(row, labels),
            "confidence": dict(row),
        }
        for speaker, row in scores.items()
    ]
    output: dict[str, Any] = {
        "diarization": diarization,
        "identification": identification,
        "voiceprints": voiceprints,
    }
    if request.get("exclusive"):
        # One speaker at a time in the tone model: the exclusive diarization is the diarization.
        output["exclusiveDiarization"] = [dict(turn) for turn in diarization]
    if request.get("confidence"):
        output["confidence"] = {"score": list(analysis.scores), "resolution": analysis.resolution}
    if analysis.warning:
        output["warning"] = analysis.warning
    return Outcome("succeeded", output)
