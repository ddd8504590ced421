"""Exports of typed results as a data team uses them: RTTM a scorer accepts, JSON that reads back,
frame scores built from numbers of any numeric type, and speakers in the order they first speak."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from resultskit import dscore_refusal

from pyannoteai_identify import Confidence, Identification, IdentifyResult, Segment
from pyannoteai_identify.results import DiarizationResult, VoiceprintMatch


class _Float(float):
    """A float subclass, as numpy.float64 is."""


class _Int(int):
    """An int subclass that is not bool."""


def test_rttm_never_writes_a_negative_onset_that_a_scorer_refuses() -> None:
    """from_dict accepts a turn that starts before 0 s (the contract's ``minimum: 0`` is not
    checked), and to_rttm wrote its onset as -1.500: dscore refuses the whole file ("onset < 0"),
    the very outcome to_rttm leaves out zero-length turns to avoid."""
    identified = IdentifyResult.from_dict(
        {
            "identification": [
                {"diarizationSpeaker": "SPEAKER_00", "match": "John", "start": -1.5, "end": 2},
                {"diarizationSpeaker": "SPEAKER_01", "match": None, "start": 3, "end": 4},
            ]
        }
    )
    diarized = DiarizationResult.from_dict({"diarization": [{"speaker": "SPEAKER_00", "start": -1.5, "end": 2}]})
    for rttm in (identified.to_rttm("meeting"), diarized.to_rttm("meeting")):
        lines = rttm.splitlines()
        assert lines, "the turn that runs into the audio must not vanish"
        assert [dscore_refusal(line) for line in lines] == [None] * len(lines), rttm


@pytest.mark.parametrize(
    "build",
    [
        lambda: IdentifyResult([Identification("John", math.nan, 1.0, "SPEAKER_00", "John")]),
        lambda: DiarizationResult([Segment("SPEAKER_00", 0.0, math.inf)]),
        lambda: IdentifyResult(voiceprints=[VoiceprintMatch("SPEAKER_00", "John", {"John": math.nan})]),
    ],
    ids=["nan-start", "inf-end", "nan-voiceprint-score"],
)
def test_a_non_finite_number_is_refused_not_exported_as_nan(build: Callable[[], Any]) -> None:
    """A result built directly (the constructors are public and check nothing, unlike Confidence's)
    was exported with ``NaN``/``Infinity``: not JSON (RFC 8259), refused by strict readers and by
    from_dict itself, so the export does not read back. A ValueError, from the constructor or from
    to_json (as json.dumps(allow_nan=False) gives), is the expected outcome."""
    try:
        text = build().to_json()
    except ValueError:
        return
    assert "NaN" not in text and "Infinity" not in text, text


def test_confidence_built_from_number_subclasses_equals_one_built_from_plain_numbers() -> None:
    """from_dict reads float and int subclasses (numpy.float64, numpy.int64 via their values) as
    numbers, but Confidence() refused them with "scores must be finite numbers", which they are:
    Confidence(np.array([57.5, 3.0]), 0.02) fails the same way."""
    assert Confidence([_Float(57.5), _Float(3.0)], 0.02) == Confidence([57.5, 3.0], 0.02)
    whole = Confidence([_Int(0), _Int(57), _Int(100)], 0.02)
    assert whole == Confidence([0, 57, 100], 0.02)
    assert whole.to_dict() == {"score": [0, 57, 100], "resolution": 0.02}


def test_speakers_are_listed_in_the_order_they_first_speak_even_when_the_output_is_not() -> None:
    """``speakers`` is "the matched labels, in order of first appearance", but followed the
    output's order: Mary, who speaks at 0 s, came after John, who first speaks at 10 s.
    segments_of already sorts by time because the output need not be sorted."""
    result = IdentifyResult.from_dict(
        {
            "identification": [
                {"diarizationSpeaker": "SPEAKER_00", "match": "John", "start": 10, "end": 12},
                {"diarizationSpeaker": "SPEAKER_01", "match": "Mary", "start": 0, "end": 2},
            ]
        }
    )
    assert result.speakers == ["Mary", "John"]


def test_turns_with_per_turn_confidence_are_hashable_like_turns_without() -> None:
    """A row is a tuple, so a set of turns deduplicates them; a per-turn score map (turnLevelConfidence)
    is read-only and hashes by its items, so asking for confidence does not make set() raise."""
    output = {
        "diarization": [
            {"speaker": "SPEAKER_00", "start": 0.0, "end": 1.0, "confidence": {"SPEAKER_00": 91}},
            {"speaker": "SPEAKER_00", "start": 0.0, "end": 1.0, "confidence": {"SPEAKER_00": 91}},
            {"speaker": "SPEAKER_01", "start": 1.0, "end": 2.0, "confidence": {"SPEAKER_01": 80}},
        ],
        "identification": [],
    }
    turns = IdentifyResult.from_dict(output).diarization
    assert len(set(turns)) == 2
    assert hash(turns[0].confidence) == hash(turns[1].confidence)
    with pytest.raises(TypeError, match="read-only"):
        turns[0].confidence["SPEAKER_00"] = 1  # type: ignore[index]


def test_speakers_who_start_together_keep_the_order_of_those_turns_in_the_output() -> None:
    """Mary's turn at 0 s comes before John's turn at 0 s in the output, so Mary is listed first,
    as the docstring says ("turns that start together keep the output's order"). The one-pass
    rewrite ordered tied labels by where each label was first seen anywhere in the output: John,
    whose turn at 10 s comes first, was listed before Mary."""
    result = IdentifyResult.from_dict(
        {
            "identification": [
                {"diarizationSpeaker": "SPEAKER_00", "match": "John", "start": 10, "end": 12},
                {"diarizationSpeaker": "SPEAKER_01", "match": "Mary", "start": 0, "end": 2},
                {"diarizationSpeaker": "SPEAKER_00", "match": "John", "start": 0, "end": 1},
            ]
        }
    )
    assert result.speakers == ["Mary", "John"]
