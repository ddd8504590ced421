"""The column-backed turn sequences and frame scores of results.py behave like the tuples they replace."""

from __future__ import annotations

import json
from array import array
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify import Confidence, Identification, IdentifyResult, InvalidResponseError, Segment
from pyannoteai_identify.results import DiarizationResult, parse_output

TURNS = [
    {"speaker": "Alice", "start": 0, "end": 2.5, "diarizationSpeaker": "SPEAKER_00", "match": "Alice"},
    {"speaker": "SPEAKER_01", "start": 2.5, "end": 4.25, "diarizationSpeaker": "SPEAKER_01", "match": None},
    {"speaker": "Alice", "start": 4.25, "end": 7.0, "diarizationSpeaker": "SPEAKER_00", "match": "Alice"},
]
OUTPUT: dict[str, Any] = {
    "identification": TURNS,
    "voiceprints": [{"speaker": "SPEAKER_00", "match": "Alice", "confidence": {"Alice": 91}}],
    "diarization": [{"speaker": t["diarizationSpeaker"], "start": t["start"], "end": t["end"]} for t in TURNS],
}


def _parsed(output: dict[str, Any] = OUTPUT) -> IdentifyResult:
    """Parse a copy made through JSON, as a response body would be."""
    return IdentifyResult.from_dict(json.loads(json.dumps(output)))


def _reference(turn: dict[str, Any]) -> Identification:
    """The turn as the plain one-object-per-turn parser built it."""
    # The contract: "The matched label, or the diarization label when unmatched."
    speaker = turn.get("speaker", turn["diarizationSpeaker"] if turn["match"] is None else turn["match"])
    return Identification(
        speaker,
        float(turn["start"]),
        float(turn["end"]),
        turn["diarizationSpeaker"],
        turn["match"],
        turn.get("confidence"),
    )


def test_turns_index_slice_and_iterate_like_a_tuple_of_named_tuples() -> None:
    """Indexing (also negative), slicing, len and iteration give the same turns as a tuple would."""
    expected = tuple(_reference(turn) for turn in TURNS)
    turns = _parsed().identification
    assert len(turns) == 3
    assert turns == expected and tuple(turns) == expected
    assert turns[0] == expected[0] and turns[-1] == expected[-1]
    assert type(turns[1]) is Identification and turns[1].match is None and turns[1].duration == 1.75
    assert turns[1:] == expected[1:] and len(turns[::2]) == 2
    with pytest.raises(IndexError):
        turns[3]


def test_turns_compare_unequal_to_other_turns_and_to_lists() -> None:
    """Equality holds only for equal turns in a tuple or the same kind of sequence, as for a tuple."""
    turns = _parsed().identification
    assert turns != tuple(_reference(turn) for turn in TURNS[:2])
    assert turns != [_reference(turn) for turn in TURNS]
    assert _parsed().diarization != turns


def test_results_built_from_named_tuples_hold_the_same_turns() -> None:
    """IdentifyResult and DiarizationResult accept turns as named tuples, as before."""
    turns = [_reference(turn) for turn in TURNS]
    built = IdentifyResult(identification=turns, diarization=[Segment("SPEAKER_00", 0.0, 2.5)])
    assert built.identification == tuple(turns)
    assert built.to_dict()["identification"] == _parsed().to_dict()["identification"]
    assert DiarizationResult(diarization=()).diarization == ()


def test_a_repeated_label_is_one_string_object_across_every_turn_list() -> None:
    """Equal labels share one string, so a 30,000-turn output keeps a handful of label strings."""
    result = _parsed()
    first, third = result.identification[0], result.identification[2]
    assert first.diarization_speaker is third.diarization_speaker is result.diarization[0].speaker
    assert first.speaker is first.match


def test_confidence_at_reads_the_frame_of_a_time_and_refuses_when_there_are_no_scores() -> None:
    """at() clamps to the first and last frames; an empty score list (the contract allows one) has no
    frame to give, and says so instead of an IndexError."""
    scores = _parsed({**OUTPUT, "confidence": {"score": [10, 20, 30], "resolution": 0.5}}).confidence
    assert scores is not None
    assert [scores.at(t) for t in (-1.0, 0.0, 0.6, 1.2, 99.0)] == [10.0, 10.0, 20.0, 30.0, 30.0]
    empty = _parsed({**OUTPUT, "confidence": {"score": [], "resolution": 0.02}}).confidence
    assert empty is not None and len(empty) == 0
    with pytest.raises(ValueError, match="no scores"):
        empty.at(0.0)


def test_whole_number_scores_are_kept_as_bytes_and_fractional_ones_as_exact_doubles() -> None:
    """Integer scores (the API's) take one byte each and round-trip as integers; others are kept
    as doubles, so the export gives back exactly the numbers that were parsed."""
    whole = _parsed({**OUTPUT, "confidence": {"score": [0, 57, 100], "resolution": 0.02}}).confidence
    assert whole is not None and whole.scores.format == "B"
    assert whole.at(0.03) == 57.0 and isinstance(whole.at(0.03), float)
    assert whole.to_dict() == {"score": [0, 57, 100], "resolution": 0.02}
    fractional = _parsed({**OUTPUT, "confidence": {"score": [0.5, 300, 1], "resolution": 0.02}}).confidence
    assert fractional is not None and fractional.scores.format == "d"
    assert fractional == Confidence(array("d", [0.5, 300.0, 1.0]), 0.02)
    tenths = _parsed({**OUTPUT, "confidence": {"score": [95.5, 0.1, 33.3], "resolution": 0.02}}).confidence
    assert tenths is not None and tenths.to_dict()["score"] == [95.5, 0.1, 33.3]


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("identification", 0, "start"), True, "output.identification[0].start"),
        (("diarization", 1, "end"), False, "output.diarization[1].end"),
        (("diarization", 0, "start"), 10**400, "output.diarization[0].start"),
        (("confidence", "score", 2), True, "output.confidence.score[2]"),
        (("identification", 1, "confidence"), {"Alice": True}, "output.identification[1].confidence.Alice"),
        (("diarization", 2, "confidence"), "high", "output.diarization[2].confidence"),
    ],
    ids=["true-start", "false-end", "huge-integer", "true-score", "true-turn-score", "text-turn-scores"],
)
def test_a_value_that_is_not_a_json_number_is_refused_naming_its_field(
    path: tuple[Any, ...], value: Any, field: str
) -> None:
    """JSON true, a huge integer or a non-map where scores belong raise InvalidResponseError naming the field."""
    output = json.loads(json.dumps({**OUTPUT, "confidence": {"score": [1, 2, 3], "resolution": 0.02}}))
    parent = output
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    with pytest.raises(InvalidResponseError) as caught:
        parse_output("identify", output)
    assert f"at {field}:" in str(caught.value)


_labels = st.sampled_from(["SPEAKER_00", "SPEAKER_01", "Alice", "Bob"])
_times = st.one_of(st.integers(0, 10**6), st.floats(0, 1e6, allow_nan=False))
_turn = st.fixed_dictionaries(
    {"diarizationSpeaker": _labels, "match": st.none() | _labels, "start": _times, "end": _times},
    optional={"speaker": _labels, "confidence": st.dictionaries(_labels, st.integers(0, 100) | st.floats(0, 100))},
)


@given(turns=st.lists(_turn, max_size=30))
def test_column_parsing_gives_the_turns_a_plain_per_turn_parser_gives(turns: list[dict[str, Any]]) -> None:
    """For any valid turns, the columns hold exactly what one named tuple per turn would, and to_dict restores them."""
    result = _parsed({"identification": turns, "voiceprints": []})
    assert list(result.identification) == [_reference(turn) for turn in turns]
    assert _parsed(result.to_dict()).identification == result.identification
