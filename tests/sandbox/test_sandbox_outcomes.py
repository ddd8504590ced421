"""Job outcomes (pure): identification follows the audio and honours the matching options."""

from __future__ import annotations

from typing import Any

import pytest

from pyannoteai_identify import _schema
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.sandbox import synthesize_speech, voice_sample, voiceprint_for
from pyannoteai_identify.sandbox._jobs import CANNOT_LOAD, identify_outcome, voiceprint_outcome
from pyannoteai_identify.sandbox._signal import decode_voiceprint, encode_voiceprint, tone_for

SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
CONVERSATION = synthesize_speech([("Alice", 0.5, 3.0), ("Bob", 3.4, 6.0), ("Alice", 6.5, 8.0)])


def _request(**fields: Any) -> dict[str, Any]:
    body = {
        "url": "media://x",
        "voiceprints": [{"label": n, "voiceprint": voiceprint_for(n)} for n in ("Alice", "Bob")],
    }
    body.update(fields)
    return body


def _valid_output(output: dict[str, Any]) -> None:
    errors = list(_schema.validator_for("component:IdentifyJobOutput").iter_errors(output))
    assert not errors, [e.message for e in errors]


def test_identify_names_each_turn_after_the_matching_voiceprint() -> None:
    """Each diarized turn gets the label whose voiceprint has its pitch, with its times."""
    outcome = identify_outcome(CONVERSATION, _request())
    assert outcome.status == "succeeded"
    _valid_output(outcome.output)
    assert [(s["speaker"], s["start"], s["end"]) for s in outcome.output["identification"]] == [
        ("Alice", 0.5, 3.0),
        ("Bob", 3.4, 6.0),
        ("Alice", 6.5, 8.0),
    ]
    assert [(v["speaker"], v["match"]) for v in outcome.output["voiceprints"]] == [
        ("SPEAKER_00", "Alice"),
        ("SPEAKER_01", "Bob"),
    ]
    assert outcome.output["voiceprints"][0]["confidence"]["Alice"] > 95
    assert outcome.output["voiceprints"][0]["confidence"]["Bob"] < 1


def test_voiceprint_labels_are_free_names_not_the_audio_labels() -> None:
    """Matching is by voice, not by name: Bob's tone enrolled as 'Robert' is found as Robert."""
    request = _request(voiceprints=[{"label": "Robert", "voiceprint": voiceprint_for("Bob")}])
    outcome = identify_outcome(CONVERSATION, request)
    matches = {s["diarizationSpeaker"]: s["match"] for s in outcome.output["identification"]}
    assert matches == {"SPEAKER_00": None, "SPEAKER_01": "Robert"}


def test_exclusive_matching_gives_a_voiceprint_to_one_speaker_only() -> None:
    """With exclusive matching (the default) a lone voiceprint matches only its best speaker."""
    request = _request(voiceprints=[{"label": "Alice", "voiceprint": voiceprint_for("Alice")}])
    outcome = identify_outcome(CONVERSATION, request)
    assert [s["match"] for s in outcome.output["identification"]] == ["Alice", None, "Alice"]
    assert outcome.output["identification"][1]["speaker"] == "SPEAKER_01"


def test_non_exclusive_matching_lets_every_speaker_take_its_best_voiceprint() -> None:
    """With exclusive=false and threshold 0, both speakers match the only voiceprint."""
    request = _request(
        voiceprints=[{"label": "Alice", "voiceprint": voiceprint_for("Alice")}], matching={"exclusive": False}
    )
    outcome = identify_outcome(CONVERSATION, request)
    assert [s["match"] for s in outcome.output["identification"]] == ["Alice", "Alice", "Alice"]


def test_threshold_refuses_matches_below_it() -> None:
    """A speaker whose best score is under the threshold stays unmatched; above it, it matches."""
    near_bob = encode_voiceprint(tone_for("Bob") * 2 ** (0.3 / 12))  # 0.3 semitone off: score about 57
    request = _request(voiceprints=[{"label": "Bob", "voiceprint": near_bob}], matching={"threshold": 80})
    assert [s["match"] for s in identify_outcome(CONVERSATION, request).output["identification"]] == [None] * 3
    request["matching"] = {"threshold": 40}
    assert [s["match"] for s in identify_outcome(CONVERSATION, request).output["identification"]] == [
        None,
        "Bob",
        None,
    ]


def test_null_matching_options_mean_the_documented_defaults() -> None:
    """matching: {exclusive: null, threshold: null} behaves as exclusive with threshold 0."""
    request = _request(matching={"exclusive": None, "threshold": None})
    assert identify_outcome(CONVERSATION, request) == identify_outcome(CONVERSATION, _request())


def test_num_speakers_one_merges_everyone_into_one_speaker() -> None:
    """numSpeakers=1 diarizes a conversation as a single speaker."""
    outcome = identify_outcome(CONVERSATION, _request(numSpeakers=1))
    assert {s["speaker"] for s in outcome.output["diarization"]} == {"SPEAKER_00"}
    assert len(outcome.output["voiceprints"]) == 1


def test_num_speakers_two_on_a_monologue_warns() -> None:
    """numSpeakers=2 on one voice keeps one speaker and adds a warning to the output."""
    outcome = identify_outcome(voice_sample("Bob", 3.0), _request(numSpeakers=2))
    assert "fewer" in outcome.output["warning"]
    _valid_output(outcome.output)


def test_optional_outputs_appear_only_when_asked() -> None:
    """exclusive, confidence and turnLevelConfidence add their outputs; without them they are absent."""
    plain = identify_outcome(CONVERSATION, _request()).output
    assert not {"exclusiveDiarization", "confidence"} & set(plain)
    assert all("confidence" not in s for s in plain["diarization"])
    full = identify_outcome(CONVERSATION, _request(exclusive=True, confidence=True, turnLevelConfidence=True)).output
    _valid_output(full)
    assert full["exclusiveDiarization"] == full["diarization"]
    assert full["confidence"]["resolution"] == 0.02
    assert len(full["confidence"]["score"]) == 400  # 8 s of audio at 20 ms
    assert full["diarization"][0]["confidence"]["SPEAKER_00"] > 95
    assert full["identification"][0]["confidence"] == full["diarization"][0]["confidence"]


def test_missing_or_unreadable_audio_fails_with_could_not_load_audio() -> None:
    """No audio, or bytes that are not a WAV, fail the job with the API's message."""
    for audio in (None, b"ID3 not a wav"):
        assert identify_outcome(audio, _request()).output == {"error": CANNOT_LOAD}
        assert voiceprint_outcome(audio).output == {"error": CANNOT_LOAD}


def test_foreign_voiceprints_fail_the_job_naming_the_label() -> None:
    """A voiceprint the sandbox did not make fails the identify job, naming its label."""
    request = _request(voiceprints=[{"label": "John Doe", "voiceprint": "U29tZUJhc2U2NERhdGE"}])
    outcome = identify_outcome(CONVERSATION, request)
    assert outcome.status == "failed" and "'John Doe'" in outcome.output["error"]


def test_voiceprint_job_encodes_the_dominant_speaker() -> None:
    """A voiceprint job returns the pitch of whoever talks most, warning when there are several."""
    solo = voiceprint_outcome(voice_sample("Sam", 4.0))
    assert solo.status == "succeeded" and "warning" not in solo.output
    assert abs(decode_voiceprint(solo.output["voiceprint"]) - tone_for("Sam")) < 2
    duo = voiceprint_outcome(synthesize_speech([("Sam", 0, 1), ("Rick", 1.5, 5)]))
    assert abs(decode_voiceprint(duo.output["voiceprint"]) - tone_for("Rick")) < 5
    assert "2 speakers" in duo.output["warning"]


def test_voiceprint_job_refuses_long_or_silent_audio() -> None:
    """Over 30 s, or without any speech, a voiceprint job fails with a message saying why."""
    assert "30 seconds" in voiceprint_outcome(voice_sample("Sam", 31.0)).output["error"]
    assert "No speech" in voiceprint_outcome(synthesize_speech([], duration=2.0)).output["error"]


def test_audio_over_the_contracts_other_limits_fails_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract's limit on a voiceprint's file size and on an identify job's duration were not
    enforced (only the voiceprint's 30 s was). The limits are the contract's (too large to build
    here: 100 MiB, 24 h), so the test lowers them where the sandbox reads them."""
    from pyannoteai_identify.sandbox import _jobs

    sample = voice_sample("Sam", 4.0)
    monkeypatch.setattr(_jobs, "MAX_VOICEPRINT_AUDIO_BYTES", len(sample) - 1)
    assert voiceprint_outcome(sample).output == {"error": f"Voiceprint audio must be at most {len(sample) - 1} bytes"}
    monkeypatch.setattr(_jobs, "MAX_AUDIO_SECONDS", 7.5)
    assert identify_outcome(CONVERSATION, _request()).output == {"error": "Audio must be at most 7.5 seconds long"}


def test_the_sandbox_limits_are_the_contracts() -> None:
    from pyannoteai_identify.sandbox import _defaults, _jobs

    voiceprint_url = SCHEMAS["VoiceprintRequest"]["properties"]["url"]
    identify_url = SCHEMAS["IdentifyRequest"]["properties"]["url"]
    assert (
        voiceprint_url["x-max-file-bytes"],
        identify_url["x-max-duration-seconds"],
        identify_url["x-max-file-bytes"],
    ) == (_jobs.MAX_VOICEPRINT_AUDIO_BYTES, _jobs.MAX_AUDIO_SECONDS, _defaults.MAX_UPLOAD_BYTES)


def test_same_request_same_audio_same_outcome() -> None:
    """Outcomes are deterministic: the sandbox computes results, it does not sample them."""
    assert identify_outcome(CONVERSATION, _request(confidence=True)) == identify_outcome(
        CONVERSATION, _request(confidence=True)
    )
