"""Builders of bodies that validate against openapi.yaml: plain dicts and bytes for tests.

Jobs (``make_job``), the outputs of each job kind, voiceprint strings, webhook delivery bodies and
signed deliveries (``make_delivery``, ``signed_delivery``); the mock API answers with the same.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeAlias

from . import webhooks
from ._contract import SpecReader
from ._numbers import real

__all__ = [
    "_FAILURE",
    "_TERMINAL",
    "_TEST_SECRET",
    "FinalStatus",
    "Kind",
    "_check_count",
    "_default_output",
    "_now",
    "make_delivery",
    "make_diarization_output",
    "make_identify_output",
    "make_job",
    "make_voiceprint",
    "make_voiceprint_output",
    "signed_delivery",
]

_SPEC = SpecReader(__name__)
_TEST_SECRET = "whsec_test_pyannoteai_identify"
Kind: TypeAlias = Literal["identify", "voiceprint", "diarization"]
#: The terminal statuses as a type; tests/contract/test_outputs_follow_spec.py checks that they are
#: the contract's ``JobStatus.x-terminal``, which ``_TERMINAL`` reads at run time.
FinalStatus: TypeAlias = Literal["succeeded", "failed", "canceled"]
_TERMINAL: frozenset[str] = frozenset(_SPEC.schema("JobStatus", "x-terminal"))


_RETRY_NUMS = _SPEC.delivery_header_values(webhooks.RETRY_NUM_HEADER)
_RETRY_REASONS = _SPEC.delivery_header_values(webhooks.RETRY_REASON_HEADER)
_FAILURE = "Could not load audio"


def _now(epoch: float | None = None) -> str:
    """*epoch* (default: now) as the API writes ``createdAt``."""
    moment = datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def make_voiceprint(seed: str = "speaker") -> str:
    """A deterministic stand-in for a voiceprint string (base64, like the API's), different per *seed*."""
    return base64.b64encode(hashlib.sha256(seed.encode("utf-8")).digest() * 4).decode("ascii")


def _turns(speakers: Sequence[str], turns_per_speaker: int, turn_seconds: float) -> list[tuple[str, float, float]]:
    """Alternating turns, half a second apart: A, B, A, B, ..."""
    seconds = real(turn_seconds)
    if seconds is None or not 0 < seconds < math.inf:
        raise ValueError(f"turn_seconds={turn_seconds!r}: must be a finite number of seconds > 0")
    turn_seconds = seconds
    _check_count("turns_per_speaker", turns_per_speaker)
    turns = []
    cursor = 0.5
    for _ in range(turns_per_speaker):
        for speaker in speakers:
            turns.append((speaker, round(cursor, 3), round(cursor + turn_seconds, 3)))
            cursor += turn_seconds + 0.5
    return turns


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name}={value!r}: must be a whole number ≥ 0")


def _frame_confidence(turns: Sequence[tuple[str, float, float]], resolution: float = 0.1) -> dict[str, Any]:
    end = turns[-1][2] if turns else 0.0
    frames = int(end / resolution) + 1
    return {"score": [90 - (index % 7) * 10 for index in range(frames)], "resolution": resolution}


def _segment(speaker: str, start: float, end: float, confidence: Mapping[str, float] | None) -> dict[str, Any]:
    segment: dict[str, Any] = {"speaker": speaker, "start": start, "end": end}
    if confidence is not None:
        segment["confidence"] = dict(confidence)
    return segment


def make_diarization_output(
    speakers: int = 2,
    *,
    turns_per_speaker: int = 2,
    turn_seconds: float = 2.0,
    confidence: bool = False,
    exclusive: bool = False,
    turn_level_confidence: bool = False,
) -> dict[str, Any]:
    """The ``output`` of a succeeded diarization job: *speakers* (SPEAKER_00, ...) taking turns."""
    _check_count("speakers", speakers)
    labels = [f"SPEAKER_{index:02d}" for index in range(speakers)]
    turns = _turns(labels, turns_per_speaker, turn_seconds)
    scores = {label: 90.0 if index == 0 else 5.0 for index, label in enumerate(labels)}
    segments = [_segment(s, a, b, scores if turn_level_confidence else None) for s, a, b in turns]
    output: dict[str, Any] = {"diarization": segments}
    if exclusive:
        output["exclusiveDiarization"] = [_segment(s, a, b, None) for s, a, b in turns]
    if confidence:
        output["confidence"] = _frame_confidence(turns)
    return output


def make_identify_output(
    labels: Sequence[str] = ("Alice", "Bob"),
    *,
    unmatched: int = 0,
    turns_per_speaker: int = 2,
    turn_seconds: float = 2.0,
    confidence: bool = False,
    exclusive: bool = False,
    turn_level_confidence: bool = False,
) -> dict[str, Any]:
    """The ``output`` of a succeeded identify job.

    Diarized speaker *i* (SPEAKER_00, ...) is matched to ``labels[i]`` with a high score; the
    *unmatched* extra speakers match no voiceprint (their turns' ``match`` is null), though their
    ``voiceprints`` entry names the best-scoring label, with a low score, as the API and the
    sandbox do (null only when there are no labels). Each speaker takes
    *turns_per_speaker* turns of *turn_seconds*. The flags add what the request flags of the same
    names add: frame-level confidence, exclusive diarization and per-turn confidence maps.
    """
    _check_count("unmatched", unmatched)
    speakers = [f"SPEAKER_{index:02d}" for index in range(len(labels) + unmatched)]
    match = {speaker: (labels[index] if index < len(labels) else None) for index, speaker in enumerate(speakers)}
    scores = {speaker: {label: (87.0 if match[speaker] == label else 12.0) for label in labels} for speaker in speakers}
    turns = _turns(speakers, turns_per_speaker, turn_seconds)
    # A turn's confidence map is keyed by diarized speaker (the API reference's example:
    # {"SPEAKER_00": 16, "SPEAKER_01": 93}), as the sandbox does; voiceprint scores are in `voiceprints`.
    turn_scores = {speaker: {other: (93.0 if other == speaker else 16.0) for other in speakers} for speaker in speakers}
    per_turn = (lambda speaker: turn_scores[speaker]) if turn_level_confidence else (lambda speaker: None)
    output: dict[str, Any] = {
        "diarization": [_segment(s, a, b, per_turn(s)) for s, a, b in turns],
        "identification": [
            {
                "speaker": match[s] or s,
                "start": a,
                "end": b,
                "diarizationSpeaker": s,
                "match": match[s],
                **({"confidence": dict(turn_scores[s])} if turn_level_confidence else {}),
            }
            for s, a, b in turns
        ],
        "voiceprints": [
            {
                "speaker": speaker,
                "match": max(labels, key=scores[speaker].__getitem__, default=None),
                "confidence": dict(scores[speaker]),
            }
            for speaker in speakers
        ],
    }
    if exclusive:
        output["exclusiveDiarization"] = [_segment(s, a, b, None) for s, a, b in turns]
    if confidence:
        output["confidence"] = _frame_confidence(turns)
    return output


def make_voiceprint_output(voiceprint: str | None = None, *, warning: str | None = None) -> dict[str, Any]:
    """The ``output`` of a succeeded voiceprint job (a :func:`make_voiceprint` string by default)."""
    output: dict[str, Any] = {"voiceprint": make_voiceprint() if voiceprint is None else voiceprint}
    if warning is not None:
        output["warning"] = warning
    return output


def _default_output(kind: Kind) -> dict[str, Any]:
    if kind == "identify":
        return make_identify_output()
    if kind == "voiceprint":
        return make_voiceprint_output()
    return make_diarization_output()


def _check_kind(kind: str) -> None:
    if kind not in ("identify", "voiceprint", "diarization"):
        raise ValueError(f"kind={kind!r}: must be 'identify', 'voiceprint' or 'diarization'")


def make_job(
    kind: Kind,
    status: str = "succeeded",
    *,
    job_id: str | None = None,
    output: Mapping[str, Any] | None = None,
    error: str | None = None,
    created_at: str | None = None,
    updated_at: str | None = None,
) -> dict[str, Any]:
    """A ``GET /v1/jobs/{id}`` body: output only when succeeded (default: the kind's builder) or failed.

    A failed job carries ``output.error`` (*error*, or a default message); other statuses, any
    string from a newer API included, carry no output unless *output* is given.
    """
    _check_kind(kind)
    stamp = _now()
    job: dict[str, Any] = {
        "jobId": job_id or str(uuid.uuid4()),
        "status": status,
        "createdAt": created_at or stamp,
        "updatedAt": updated_at or created_at or stamp,
    }
    if output is not None:
        job["output"] = dict(output)
    elif status == "succeeded":
        job["output"] = _default_output(kind)
    elif status == "failed":
        job["output"] = {"error": error or _FAILURE}
    return job


def make_delivery(
    kind: Kind,
    status: FinalStatus = "succeeded",
    *,
    job_id: str | None = None,
    output: Mapping[str, Any] | None = None,
    status_only: bool = False,
) -> dict[str, Any]:
    """A webhook delivery body: ``{jobId, status, output}``.

    A succeeded job's output is *output*, or a default one of its kind; a failed or canceled job has
    no output unless one is given (``{"error": ...}``, which the API may send); *status_only* has
    none, and refuses an *output*.
    """
    _check_kind(kind)
    if status not in _TERMINAL:
        ended = ", ".join(sorted(_TERMINAL))
        raise ValueError(f"status={status!r}: webhooks are sent only for jobs in a terminal status ({ended})")
    if status_only and output is not None:
        raise ValueError("output= with status_only=True: a status-only delivery carries no output")
    payload: dict[str, Any] = {"jobId": job_id or str(uuid.uuid4()), "status": status}
    if output is not None:
        payload["output"] = dict(output)
    elif status == "succeeded" and not status_only:
        payload["output"] = _default_output(kind)
    return payload


def signed_delivery(
    payload: Mapping[str, Any],
    secret: str = _TEST_SECRET,
    *,
    timestamp: int | None = None,
    encoding: webhooks.Encoding = "hex",
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook delivery as pyannoteAI would send it: the raw body and its signed headers."""
    retry = _retry_headers(retry_num, retry_reason)
    body = json.dumps(dict(payload), separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json", **webhooks.sign(body, secret, timestamp, encoding)}
    return body, {**headers, **retry}


def _retry_headers(retry_num: int | None, retry_reason: str | None) -> dict[str, str]:
    """The unsigned headers that make a delivery the API's retry number *retry_num* (one of ``x-retry-num``'s, for
    *retry_reason*, default ``http_error``; openapi.yaml lists both); none for a first attempt.

    Raises:
        ValueError: a number or reason the API never sends, or a reason without a number.
    """
    if retry_reason is not None and retry_num is None:
        raise ValueError(
            f"retry_reason={retry_reason!r} without retry_num: a first attempt has no retry headers; "
            f"pass retry_num, one of {', '.join(_RETRY_NUMS)}, for a retry"
        )
    if retry_num is None:
        return {}
    if str(retry_num) not in _RETRY_NUMS or isinstance(retry_num, bool):
        raise ValueError(f"retry_num={retry_num!r}: must be one of {', '.join(_RETRY_NUMS)} (the API's x-retry-num)")
    reason = retry_reason or "http_error"
    if reason not in _RETRY_REASONS:
        raise ValueError(f"retry_reason={reason!r}: must be one of {', '.join(_RETRY_REASONS)}")
    return {webhooks.RETRY_NUM_HEADER: str(retry_num), webhooks.RETRY_REASON_HEADER: str(reason)}
