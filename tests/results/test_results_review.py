"""Fixes from a review of results.py: RTTM a scorer accepts, frame lookup, parse paths that agree,
the contract's speaker default, immutability, value equality, time order and the contract's text."""

from __future__ import annotations

import copy
import json
import logging
import pickle
from array import array
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from resultskit import dscore_refusal

from pyannoteai_identify import Confidence, IdentifyResult, InvalidOutputError, InvalidResponseError, Segment
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.results import DiarizationResult, Job, VoiceprintResult, parse_job, parse_output
from pyannoteai_identify.testing import make_identify_output

ROOT = Path(__file__).resolve().parents[2]

OUTPUT: dict[str, Any] = {
    "identification": [
        {
            "speaker": "John",
            "diarizationSpeaker": "SPEAKER_00",
            "match": "John",
            "start": 10,
            "end": 12,
            "confidence": {"SPEAKER_00": 90},
        },
        {
            "speaker": "John",
            "diarizationSpeaker": "SPEAKER_00",
            "match": "John",
            "start": 0,
            "end": 2,
            "confidence": {"SPEAKER_00": 80},
        },
        {"speaker": "SPEAKER_01", "diarizationSpeaker": "SPEAKER_01", "match": None, "start": 3, "end": 4},
    ],
    "voiceprints": [{"speaker": "SPEAKER_00", "match": "John", "confidence": {"John": 87}}],
    "diarization": [{"speaker": "SPEAKER_00", "start": 0, "end": 2, "confidence": {"SPEAKER_00": 80}}],
    "exclusiveDiarization": [{"speaker": "SPEAKER_00", "start": 0, "end": 2}],
    "confidence": {"score": [1, 2, 3], "resolution": 0.5},
    "futureKey": {"nested": [1, 2]},
}


def _fresh() -> dict[str, Any]:
    """A deep copy made through JSON, as a response body would be."""
    result: dict[str, Any] = json.loads(json.dumps(OUTPUT))
    return result


# --- 1. RTTM ---------------------------------------------------------------------------------------


def test_rttm_writes_an_empty_label_as_a_lone_percent_sign_that_no_other_label_can_produce() -> None:
    """An empty label (the schema allows one) is written as a bare %, so the line keeps ten fields;
    a literal % is written %25, so no other label gives the same field."""
    diarization = parse_output(
        "diarization", {"diarization": [{"speaker": "", "start": 0, "end": 1}, {"speaker": "%", "start": 1, "end": 2}]}
    )
    lines = diarization.to_rttm().splitlines()
    assert [line.split()[7] for line in lines] == ["%", "%25"]
    assert all(dscore_refusal(line) is None for line in lines)
    turn = {"diarizationSpeaker": "SPEAKER_00", "match": "", "start": 0, "end": 1}
    identified = IdentifyResult.from_dict({"identification": [turn], "voiceprints": []})
    assert identified.to_rttm().split()[7] == "%"


def test_rttm_skips_turns_whose_rounded_duration_is_not_positive() -> None:
    """Zero, negative and sub-millisecond turns (rounding to 0.000) are left out: a scorer refuses the
    whole file for one of them."""
    turns = [
        {"speaker": "A", "start": 0, "end": 1},
        {"speaker": "A", "start": 2, "end": 2},
        {"speaker": "A", "start": 3, "end": 3.0004},
        {"speaker": "A", "start": 5, "end": 4},
        {"speaker": "B", "start": 6, "end": 6.0006},
    ]
    lines = parse_output("diarization", {"diarization": turns}).to_rttm().splitlines()
    assert [(line.split()[3], line.split()[4]) for line in lines] == [("0.000", "1.000"), ("6.000", "0.001")]
    assert all(dscore_refusal(line) is None for line in lines)
    turn = {"diarizationSpeaker": "S", "match": None, "start": 1, "end": 1}
    assert IdentifyResult.from_dict({"identification": [turn], "voiceprints": []}).to_rttm() == ""


def test_rttm_says_when_it_leaves_out_a_turn_that_ends_before_it_starts(caplog: pytest.LogCaptureFixture) -> None:
    """A 4-second turn given as start 5, end 1 was left out silently (the docstring said each turn
    left out held under a millisecond): it is logged as a WARNING; a zero-length one is not."""
    turns = [{"speaker": "A", "start": 0, "end": 1}, {"speaker": "A", "start": 5, "end": 1}]
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"):
        rttm = parse_output("diarization", {"diarization": turns}).to_rttm("meeting")
        parse_output("diarization", {"diarization": [{"speaker": "A", "start": 2, "end": 2}]}).to_rttm("other")
    assert rttm.count("\n") == 1
    assert [record.getMessage() for record in caplog.records] == [
        "RTTM of meeting: left out 1 turn(s) that end before they start"
    ]


# --- 2. Confidence.at -------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", ["0.01", "0.02", "0.016", "0.1", "0.25", "0.3", "1"])
def test_confidence_at_every_exact_frame_time_gives_that_frame(resolution: str) -> None:
    """A time written as a decimal frame start (0.58 at 0.02 is frame 29) reads that frame, not the one
    before it, although 0.58 / 0.02 is 28.999999999999996 in floating point; every frame is checked,
    as about 9% of them fail at 0.02 without the fix."""
    frames = 20_000
    scores = Confidence(array("d", range(frames)), float(resolution))
    step = Decimal(resolution)
    wrong = [frame for frame in range(frames) if scores.at(float(frame * step)) != frame]
    assert wrong == []
    assert scores.at(float(3 * step) + float(step) / 2) == 3.0


def test_confidence_at_refuses_nan_naming_the_argument_and_clamps_infinities() -> None:
    """NaN is no time: ValueError naming *seconds*; infinities clamp to the first and last frames."""
    scores = Confidence(array("B", [7, 8, 9]), 0.02)
    with pytest.raises(ValueError, match="seconds"):
        scores.at(float("nan"))
    assert scores.at(float("inf")) == 9.0 and scores.at(float("-inf")) == 7.0
    assert scores.at(0.58) == 9.0 and scores.at(0.02) == 8.0


def test_confidence_with_the_smallest_resolution_clamps_instead_of_overflowing() -> None:
    """A resolution of 5e-324 makes seconds / resolution infinite: the last frame, no OverflowError."""
    tiny = parse_output("diarization", {"confidence": {"score": [1, 2, 3], "resolution": 5e-324}}).confidence
    assert tiny is not None and tiny.at(1.0) == 3.0 and tiny.at(0.0) == 1.0


@pytest.mark.parametrize("resolution", [0.0, -0.02, float("nan"), float("inf")])
def test_confidence_refuses_a_resolution_that_is_not_positive_and_finite(resolution: float) -> None:
    """Confidence(scores, 0) fails when built, with a message naming the resolution, not later in at()."""
    with pytest.raises(ValueError, match="resolution"):
        Confidence(array("B", [1]), resolution)


# --- 3. fast and slow paths agree ------------------------------------------------------------------


class _Float(float):
    """A float subclass, as numpy.float64 is."""


class _Int(int):
    """An int subclass that is not bool."""


def test_json_objects_as_ordered_dicts_parse_like_plain_dicts() -> None:
    """object_pairs_hook=OrderedDict (a dict subclass everywhere) gives the same result as plain dicts."""
    text = json.dumps(OUTPUT)
    ordered = json.loads(text, object_pairs_hook=OrderedDict)
    assert IdentifyResult.from_dict(ordered).to_dict() == IdentifyResult.from_dict(json.loads(text)).to_dict()
    diarization = parse_output("diarization", ordered)
    assert diarization.to_dict()["diarization"] == OUTPUT["diarization"]


def test_number_subclasses_parse_like_plain_numbers() -> None:
    """A float or int subclass in times and scores is a number in both parse paths."""
    plain = parse_output("identify", _fresh())
    output = _fresh()
    output["diarization"][0]["start"] = _Float(0.0)
    output["identification"][0]["end"] = _Int(12)
    output["identification"][1]["confidence"]["SPEAKER_00"] = _Float(80.0)
    output["confidence"]["score"][1] = _Int(2)
    parsed = parse_output("identify", output)
    assert parsed.to_dict() == plain.to_dict()
    assert type(parsed.diarization[0].start) is float
    assert parsed.confidence is not None and parsed.confidence.to_dict() == {"score": [1, 2, 3], "resolution": 0.5}


_leaf = st.sampled_from(["float", "Float", "Int", "int"])


@given(kinds=st.lists(_leaf, min_size=6, max_size=6), ordered=st.booleans())
def test_valid_turns_in_any_json_number_and_object_types_are_never_refused(kinds: list[str], ordered: bool) -> None:
    """Whatever mix of subclasses the values come in, a valid output parses (never the nameless error)."""
    make = {"float": float, "Float": _Float, "Int": _Int, "int": int}
    output = json.loads(json.dumps(OUTPUT), object_pairs_hook=OrderedDict if ordered else None)
    values = [make[kind](value) for kind, value in zip(kinds, (0, 2, 10, 12, 90, 80), strict=True)]
    output["diarization"][0]["start"], output["diarization"][0]["end"] = values[0], values[1]
    output["identification"][0]["start"], output["identification"][0]["end"] = values[2], values[3]
    output["identification"][0]["confidence"]["SPEAKER_00"] = values[4]
    output["diarization"][0]["confidence"]["SPEAKER_00"] = values[5]
    assert parse_output("identify", output).to_dict() == parse_output("identify", _fresh()).to_dict()


def test_an_invalid_value_next_to_a_subclass_is_still_refused_naming_its_field() -> None:
    """Normalising subclasses does not let a real error through: the field is still named."""
    output = _fresh()
    output["identification"][0]["start"] = _Float(1.0)
    output["identification"][2]["end"] = "late"
    with pytest.raises(InvalidResponseError, match=r"at output\.identification\[2\]\.end:"):
        parse_output("identify", output)


# --- 4. the speaker of a turn without one -----------------------------------------------------------


def test_a_turn_without_a_speaker_is_labelled_by_its_match_then_by_its_diarization_speaker() -> None:
    """The contract: speaker is the matched label, or the diarization label when unmatched."""
    turns = [
        {"diarizationSpeaker": "SPEAKER_00", "match": "John", "start": 0, "end": 1},
        {"diarizationSpeaker": "SPEAKER_01", "match": None, "start": 1, "end": 2},
    ]
    result = IdentifyResult.from_dict({"identification": turns, "voiceprints": []})
    assert [turn.speaker for turn in result.identification] == ["John", "SPEAKER_01"]


# --- 5. immutability --------------------------------------------------------------------------------


def test_changing_the_input_after_parsing_does_not_change_the_result() -> None:
    """Score maps are copied: the caller's dicts are not kept."""
    output = _fresh()
    result = IdentifyResult.from_dict(output)
    before = result.to_dict()
    output["identification"][0]["confidence"]["SPEAKER_00"] = -999
    output["voiceprints"][0]["confidence"]["John"] = -999
    output["diarization"][0]["confidence"]["SPEAKER_00"] = -999
    output["futureKey"] = "changed"
    assert result.to_dict() == before


def test_score_maps_frame_scores_and_attributes_cannot_be_changed() -> None:
    """Every way a review found to change a parsed result raises instead."""
    result = IdentifyResult.from_dict(_fresh())
    before = result.to_dict()
    turn_scores = result.identification[1].confidence
    assert turn_scores is not None
    with pytest.raises(TypeError):
        turn_scores["SPEAKER_00"] = 1.0  # type: ignore[index]
    with pytest.raises(TypeError):
        result.voiceprints[0].confidence["X"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        result.diarization[0].confidence.update({"X": 1})  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        result.extra["futureKey"] = 1  # type: ignore[index]
    assert result.confidence is not None
    with pytest.raises(TypeError):
        result.confidence.scores[0] = 200
    for owner, name in [
        (result, "diarization"),
        (result, "warning"),
        (result.confidence, "resolution"),
        (result.confidence, "scores"),
        (result.identification, "_columns"),
        (VoiceprintResult("vp"), "voiceprint"),
        (DiarizationResult(), "error"),
        (Job("j", "running"), "status"),
    ]:
        with pytest.raises(AttributeError):
            setattr(owner, name, "garbage")
        with pytest.raises(AttributeError):
            delattr(owner, name)
    assert result.to_dict() == before


def test_turns_built_from_named_tuples_keep_a_copy_of_their_scores() -> None:
    """A result built by hand does not share the caller's score dicts either."""
    scores = {"SPEAKER_00": 50.0}
    result = DiarizationResult(diarization=[Segment("SPEAKER_00", 0.0, 1.0, scores)])
    scores["SPEAKER_00"] = 0.0
    assert result.diarization[0].confidence == {"SPEAKER_00": 50.0}


@pytest.mark.parametrize("clone", [pickle.loads, copy.copy, copy.deepcopy], ids=["pickle", "copy", "deepcopy"])
def test_results_survive_pickle_and_copy_equal_and_still_read_only(clone: Any) -> None:
    """Freezing keeps pickle and copy working, and the clone is as read-only as the original."""
    result = IdentifyResult.from_dict(_fresh())
    job = parse_job({"jobId": "j", "status": "succeeded", "output": _fresh()})
    for original in (result, result.confidence, result.identification, result.voiceprints[0], job):
        cloned = clone(pickle.dumps(original)) if clone is pickle.loads else clone(original)
        assert cloned == original
    cloned_result = clone(pickle.dumps(result)) if clone is pickle.loads else clone(result)
    with pytest.raises(TypeError):
        cloned_result.voiceprints[0].confidence["X"] = 1
    with pytest.raises(AttributeError):
        cloned_result.warning = "x"


# --- 6. equality ----------------------------------------------------------------------------------------


def test_results_compare_by_value_and_are_unhashable() -> None:
    """Two parses of the same JSON are equal; a different output is not; equal but mutable-looking
    results do not pretend to be hashable."""
    assert IdentifyResult.from_dict(_fresh()) == IdentifyResult.from_dict(_fresh())
    other = _fresh()
    other["identification"][0]["confidence"]["SPEAKER_00"] = 91
    assert IdentifyResult.from_dict(other) != IdentifyResult.from_dict(_fresh())
    diarization = {"diarization": [{"speaker": "A", "start": 0, "end": 1}]}
    assert parse_output("diarization", diarization) == parse_output("diarization", json.loads(json.dumps(diarization)))
    assert parse_output("diarization", diarization) != parse_output("diarization", {"diarization": []})
    assert VoiceprintResult("vp") == VoiceprintResult("vp") != VoiceprintResult("vp", warning="w")
    assert DiarizationResult() != VoiceprintResult("vp")
    for value in (IdentifyResult(), DiarizationResult(), VoiceprintResult("vp"), Job("j", "running")):
        with pytest.raises(TypeError):
            hash(value)


def test_jobs_with_different_outputs_are_not_equal() -> None:
    """Job equality includes the output (and the rest of what the API reported)."""
    first = parse_job(
        {"jobId": "x", "status": "succeeded", "output": {"diarization": [{"speaker": "A", "start": 0, "end": 1}]}}
    )
    second = parse_job(
        {"jobId": "x", "status": "succeeded", "output": {"diarization": [{"speaker": "B", "start": 5, "end": 9}]}}
    )
    again = parse_job(
        {"jobId": "x", "status": "succeeded", "output": {"diarization": [{"speaker": "A", "start": 0, "end": 1}]}}
    )
    assert first != second and first == again
    assert Job("x", "running", "identify") == Job("x", "running", "identify")


# --- 7. time order --------------------------------------------------------------------------------------


def test_segments_of_returns_turns_in_time_order_even_when_the_output_is_not() -> None:
    """segments_of sorts by start (stably), as its docstring promises."""
    result = IdentifyResult.from_dict(_fresh())
    assert [(turn.start, turn.end) for turn in result.segments_of("John")] == [(0.0, 2.0), (10.0, 12.0)]


# --- 8. the contract's text ---------------------------------------------------------------------------


def test_the_match_description_of_an_identification_turn_is_one_whole_string() -> None:
    """openapi.yaml's flow mapping had an unquoted comma: the description was cut and a stray key appeared."""
    expected = {"type": ["string", "null"], "description": "The matched voiceprint label, null when none matched."}
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert spec["components"]["schemas"]["IdentificationSegment"]["properties"]["match"] == expected
    assert SPEC["components"]["schemas"]["IdentificationSegment"]["properties"]["match"] == expected


def test_scores_whose_sum_passes_the_largest_double_still_parse() -> None:
    """Two valid integer scores near the largest double overflow a sum check; they are still numbers."""
    output = _fresh()
    output["identification"][0]["confidence"] = {"SPEAKER_00": 10**308, "SPEAKER_01": 10**308}
    turn = parse_output("identify", output).identification[0]
    assert turn.confidence == {"SPEAKER_00": 10**308, "SPEAKER_01": 10**308}


# --- gap tests from the mutation review ----------------------------------------------------------------


def test_confidence_refuses_a_boolean_resolution() -> None:
    """True is an int to Python but not a number of seconds."""
    with pytest.raises(ValueError, match="resolution"):
        Confidence(array("B", [1]), True)  # type: ignore[arg-type]


def test_confidence_at_a_time_just_before_a_late_frame_start_reads_the_earlier_frame() -> None:
    """Snapping to a frame start is for floating-point noise only, not for a time 0.4 frames early."""
    confidence = Confidence([i % 256 for i in range(2000)], 1.0)
    assert confidence.at(999.6) == 999 % 256
    assert confidence.at(1000.0) == 1000 % 256


def test_confidence_equality_is_by_value_and_symmetric_across_storage_formats() -> None:
    """Whole scores stored as bytes equal the same scores stored as doubles, both ways round."""
    as_bytes = Confidence(array("B", [1, 2]), 0.02)
    as_doubles = Confidence(array("d", [1.0, 2.0]), 0.02)
    assert as_bytes == as_doubles and as_doubles == as_bytes


def test_confidences_with_other_resolutions_are_not_equal() -> None:
    assert Confidence([1, 2], 0.02) != Confidence([1, 2], 0.01)


def test_results_that_differ_only_in_unknown_keys_are_not_equal() -> None:
    """extra is a field like any other: equality covers it."""
    plain = parse_output("diarization", {"diarization": []})
    newer = parse_output("diarization", {"diarization": [], "newField": 1})
    assert plain != newer


def test_jobs_that_differ_only_in_timestamps_or_warning_are_not_equal() -> None:
    base = {"jobId": "x", "status": "running", "createdAt": "2024-01-01T00:00:00Z", "updatedAt": "2024-01-01T00:00:00Z"}
    later = {**base, "updatedAt": "2024-01-01T00:05:00Z"}
    created = {**base, "createdAt": "2023-12-31T00:00:00Z"}
    assert parse_job(base) == parse_job(dict(base))
    assert parse_job(base) != parse_job(later)
    assert parse_job(base) != parse_job(created)
    assert Job("x", "running", "identify") != Job("x", "running", "identify", warning="slow")


def test_rttm_writes_a_negative_zero_start_as_0_000() -> None:
    """JSON -0.0 (or a computed -0.0) must not give a '-0.000' field that scorers read as negative."""
    rttm = DiarizationResult([Segment("A", -0.0, 1.0)]).to_rttm("f")
    assert rttm == "SPEAKER f 1 0.000 1.000 <NA> <NA> A <NA> <NA>\n"


def test_a_turn_score_too_large_for_a_double_is_refused() -> None:
    """An integer score past the largest double (401 digits of JSON) is not a finite number."""
    output = {"diarization": [{"speaker": "A", "start": 0, "end": 1, "confidence": {"A": 10**400}}]}
    with pytest.raises(InvalidResponseError, match="confidence"):
        parse_output("diarization", output)


def test_score_maps_given_as_any_mapping_are_read() -> None:
    """A voiceprint's confidence may be any Mapping (as every other object of the output may)."""
    from types import MappingProxyType

    output = {
        "identification": [],
        "voiceprints": [{"speaker": "SPEAKER_00", "match": "Alice", "confidence": MappingProxyType({"Alice": 90})}],
    }
    result = parse_output("identify", output)
    assert isinstance(result, IdentifyResult) and result.voiceprints[0].confidence == {"Alice": 90}


def test_confidence_refuses_non_finite_doubles_given_as_an_array() -> None:
    with pytest.raises(ValueError, match="finite"):
        Confidence(array("d", [1.0, float("inf")]), 0.02)


def test_a_voiceprint_results_extra_is_a_read_only_copy() -> None:
    given = {"newField": 1}
    result = VoiceprintResult("vp", extra=given)
    given["newField"] = 2
    assert result.extra == {"newField": 1}
    with pytest.raises(TypeError):
        result.extra["newField"] = 3  # type: ignore[index]


def test_voiceprint_matches_built_directly_keep_a_read_only_copy_of_their_scores() -> None:
    from pyannoteai_identify.results import VoiceprintMatch

    scores = {"Alice": 90}
    result = IdentifyResult(voiceprints=[VoiceprintMatch("SPEAKER_00", "Alice", scores)])
    scores["Alice"] = 10
    assert result.voiceprints[0].confidence == {"Alice": 90}
    with pytest.raises(TypeError):
        result.voiceprints[0].confidence["Alice"] = 0  # type: ignore[index]


def test_confidence_at_a_huge_integer_time_clamps_to_the_first_or_last_frame() -> None:
    """An int too large for a float clamps by its sign, as an infinity does (it raised OverflowError)."""
    confidence = Confidence([1, 2, 3], 0.02)
    assert confidence.at(10**400) == 3.0
    assert confidence.at(-(10**400)) == 1.0


# --- second review: nulls, deep copies, bounded messages, from_dict on every type ----------------


def test_a_null_speaker_is_read_as_missing_on_both_parse_paths() -> None:
    """``speaker`` is optional; null was refused ("expected a string, got None") although a missing
    one defaults to the match, then the diarization label, and every other optional null is read as
    absent. The slow path (a turn that is not a plain dict) agrees with the fast one."""
    data = _fresh()
    data["identification"][0]["speaker"] = None
    data["identification"][2]["speaker"] = None
    fast = IdentifyResult.from_dict(data)
    data["identification"][1] = OrderedDict(data["identification"][1])  # not a plain dict: the slow path
    slow = IdentifyResult.from_dict(data)
    for result in (fast, slow):
        assert [turn.speaker for turn in result.identification] == ["John", "John", "SPEAKER_01"]
    assert fast == slow


def test_null_voiceprints_keep_the_turns_as_missing_ones_do() -> None:
    data = _fresh()
    data["voiceprints"] = None
    result = IdentifyResult.from_dict(data)
    assert result.voiceprints == ()
    assert len(result.identification) == 3


def test_extra_is_a_deep_copy_the_source_json_cannot_change() -> None:
    """``futureKey`` holds a nested list: a shallow copy shared it with the parsed JSON."""
    data = _fresh()
    result = IdentifyResult.from_dict(data)
    data["futureKey"]["nested"].append(99)
    assert result.extra == {"futureKey": {"nested": [1, 2]}}
    assert result == IdentifyResult.from_dict(_fresh())


def test_a_huge_bad_value_is_shown_shortened_in_the_error() -> None:
    """A million-element list where a number belongs gave a 3 MB message (and a 3 MB log line)."""
    data = _fresh()
    data["identification"][0]["start"] = list(range(1_000_000))
    with pytest.raises(InvalidResponseError) as caught:
        IdentifyResult.from_dict(data)
    message = str(caught.value)
    assert "output.identification[0].start" in message and "[0, 1, 2, 3, ...]" in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("cls", "output"),
    [
        (IdentifyResult, OUTPUT),
        (DiarizationResult, {"diarization": OUTPUT["diarization"], "warning": "short audio", "new": [1]}),
        (VoiceprintResult, {"voiceprint": "dm9pY2U=", "warning": "noisy"}),
    ],
)
def test_every_result_type_reads_back_its_own_json(cls: type[Any], output: dict[str, Any]) -> None:
    """``from_dict`` existed on IdentifyResult only: the other two could be written with to_json()
    but not read back without a private-looking parse_output."""
    result = cls.from_dict(output)
    assert type(result) is cls
    assert cls.from_dict(json.loads(result.to_json())) == result


def test_from_dict_names_the_field_a_voiceprint_output_lacks() -> None:
    with pytest.raises(InvalidResponseError, match=r"output\.voiceprint: missing required field"):
        VoiceprintResult.from_dict({"warning": "x"})


def test_extra_copies_containers_of_any_depth_and_shares_everything_else() -> None:
    """copy.deepcopy refused a caller's object that does not pickle (a lock), was three times slower
    than parsing on a large unknown field, and recursed: JSON nested 5,000 deep is copied here."""
    import threading

    lock = threading.Lock()
    assert VoiceprintResult("vp", extra={"lock": lock}).extra["lock"] is lock
    deep: list[Any] = []
    innermost = deep
    for _ in range(5_000):
        innermost.append([])
        innermost = innermost[0]
    result = VoiceprintResult("vp", extra={"deep": deep})
    innermost.append("changed after parsing")
    copied = result.extra["deep"]
    for _ in range(5_000):
        assert copied is not deep
        copied, deep = copied[0], deep[0]
    assert copied == [] and deep == ["changed after parsing"]


def test_a_huge_key_or_int_in_a_response_gives_a_short_invalid_response_error() -> None:
    """The field path quoted a 3-million-character score label whole; an int over Python's
    4,300-digit limit raised ValueError from repr() instead of InvalidResponseError."""
    data = _fresh()
    data["voiceprints"][0]["confidence"] = {"K" * 3_000_000: "high"}
    with pytest.raises(InvalidResponseError) as caught:
        IdentifyResult.from_dict(data)
    assert len(str(caught.value)) < 400
    data = _fresh()
    data["identification"][0]["start"] = 10**5000
    with pytest.raises(InvalidResponseError, match=r"got <int of 16610 bits>$"):
        IdentifyResult.from_dict(data)
    # Inside a container too, and alike on every Python: 3.14's reprlib showed "<int instance with
    # roughly 5001 digits (limit at 4300) at 0x7f…>" (a memory address in an error message), 3.11's
    # refused the whole list.
    data["identification"][0]["start"] = [1, 10**5000]
    with pytest.raises(InvalidResponseError, match=r"got \[1, <int of 16610 bits>\]$"):
        IdentifyResult.from_dict(data)


@pytest.mark.parametrize(
    ("cls", "output", "kind"),
    [
        (VoiceprintResult, {"identification": []}, "identify"),
        (DiarizationResult, {"identification": [], "voiceprints": []}, "identify"),
        (DiarizationResult, {"voiceprint": "vp"}, "voiceprint"),
        (IdentifyResult, {"voiceprint": "vp"}, "voiceprint"),
    ],
)
def test_from_dict_refuses_another_types_output(cls: type[Any], output: dict[str, Any], kind: str) -> None:
    """An identify output given to DiarizationResult.from_dict gave an empty result, not an error."""
    with pytest.raises(InvalidResponseError, match=rf"at output: its keys make it an? {kind} output"):
        cls.from_dict(output)


@pytest.mark.parametrize("scores", [[float("nan")], [1.0, float("inf")], ["x"]], ids=["nan", "inf", "text"])
def test_confidence_refuses_scores_that_are_not_finite_numbers_with_one_message(scores: list[Any]) -> None:
    """A NaN gave the internal "not finite" (no field, no rule) while text gave the message below."""
    with pytest.raises(ValueError, match=r"^scores must be finite numbers$"):
        Confidence(scores, 0.02)


@pytest.mark.parametrize(
    ("cls", "output", "said"),
    [
        (VoiceprintResult, OUTPUT, "its keys make it an identify output, not a voiceprint one"),
        (IdentifyResult, {"voiceprint": "vp"}, "its keys make it a voiceprint output, not an identify one"),
    ],
)
def test_another_types_output_is_named_with_its_article(cls: type[Any], output: dict[str, Any], said: str) -> None:
    """ "its keys make it an identify output": the article follows the type's name."""
    with pytest.raises(InvalidResponseError, match=said):
        cls.from_dict(output)


@pytest.mark.parametrize("cls", [IdentifyResult, DiarizationResult, VoiceprintResult])
def test_from_dict_on_a_callers_mapping_raises_a_value_error_that_claims_no_http_response(cls: type[Any]) -> None:
    """from_dict on a mapping the caller stored (a database row, a saved webhook body) said
    "HTTP 200: the response breaks the contract", as if a request had been made, and was not a
    ValueError, which is what ``except ValueError`` around any parser expects."""
    with pytest.raises(InvalidOutputError) as caught:
        cls.from_dict({"identification": "x", "diarization": "x", "voiceprint": 7})
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, InvalidResponseError)
    assert error.status_code == 0 and error.request_id is None
    message = str(error)
    assert "HTTP" not in message and "response" not in message
    assert message.startswith("the output breaks the contract at output")


def test_an_output_broken_in_a_response_keeps_the_responses_status_and_request_id() -> None:
    """The same error raised from a poll's answer still says which answer: status and request id."""
    import httpx

    from pyannoteai_identify._core import parse_job_response

    body = {"jobId": "j1", "status": "succeeded", "output": {"identification": "x"}, "requestId": "r-9"}
    response = httpx.Response(
        200, json=body, headers={"X-Request-Id": "r-9"}, request=httpx.Request("GET", "https://x/v1/jobs/j1")
    )
    with pytest.raises(InvalidOutputError) as caught:
        parse_job_response(response, "identify", "j1")
    assert caught.value.status_code == 200
    assert str(caught.value).startswith("HTTP 200: the output breaks the contract at output.identification:")


# --- review of the results as a data team consumes them ---------------------------------------------


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_results_and_jobs_pickle_with_every_protocol(protocol: int) -> None:
    """results.py promises that pickle and copy keep working: with every protocol, as an old cache, a
    shelf or a queue set to protocol 0 or 1 uses them. Protocols 0 and 1 raised "a class that defines
    __slots__ without defining __getstate__ cannot be pickled" for every result and job."""
    result = IdentifyResult.from_dict(_fresh())
    values = (
        result,
        DiarizationResult.from_dict({"diarization": _fresh()["diarization"], "futureKey": [1]}),
        VoiceprintResult("vp", warning="w", extra={"futureKey": {"a": 1}}),
        parse_job({"jobId": "j", "status": "succeeded", "output": _fresh()}, "identify"),
        result.identification,
        result.diarization,
        result.confidence,
    )
    for value in values:
        cloned = pickle.loads(pickle.dumps(value, protocol))
        assert type(cloned) is type(value)
        assert cloned == value
    cloned_result = pickle.loads(pickle.dumps(result, protocol))
    with pytest.raises(AttributeError):
        cloned_result.warning = "x"


def test_talk_time_counts_overlapping_turns_of_one_label_once_in_any_order() -> None:
    """IdentifyResult.talk_time's docstring: unmatched turns are left out, overlapping turns of one
    label (two diarized speakers matched to one voiceprint) count once; the output need not be sorted,
    and a zero-length turn adds nothing."""
    turns = [
        {"diarizationSpeaker": "SPEAKER_01", "match": "Ann Lee", "start": 5, "end": 15},
        {"diarizationSpeaker": "SPEAKER_02", "match": None, "start": 0, "end": 30},
        {"diarizationSpeaker": "SPEAKER_00", "match": "Ann Lee", "start": 0, "end": 10},
        {"diarizationSpeaker": "SPEAKER_03", "match": "Bo", "start": 20, "end": 20},
        {"diarizationSpeaker": "SPEAKER_03", "match": "Bo", "start": 16, "end": 18},
    ]
    result = IdentifyResult.from_dict({"identification": turns})
    assert result.talk_time() == {"Ann Lee": 15.0, "Bo": 2.0}
    assert list(result.talk_time()) == ["Ann Lee", "Bo"]  # longest first
    assert [(t.start, t.end) for t in result.segments_of("Bo")] == [(16.0, 18.0), (20.0, 20.0)]


def test_rttm_keeps_ten_fields_for_labels_with_spaces_and_keeps_non_ascii_labels() -> None:
    """RTTM fields are separated by whitespace: a label with a space (or a no-break space) is written
    percent-encoded, so that "Ann Lee" and "Ann_Lee" stay distinct; non-ASCII letters are kept."""
    turns = [
        {"diarizationSpeaker": "SPEAKER_00", "match": "Ann Lee", "start": 0, "end": 1},
        {"diarizationSpeaker": "SPEAKER_01", "match": "Ann_Lee", "start": 1, "end": 2},
        {"diarizationSpeaker": "SPEAKER_02", "match": "José\u00a0Núñez", "start": 2, "end": 3},
    ]
    lines = IdentifyResult.from_dict({"identification": turns}).to_rttm("my meeting").splitlines()
    assert [dscore_refusal(line) for line in lines] == [None, None, None]
    assert [line.split()[1] for line in lines] == ["my%20meeting"] * 3
    assert [line.split()[7] for line in lines] == ["Ann%20Lee", "Ann_Lee", "José%C2%A0Núñez"]


def test_the_repr_of_a_24_hour_result_is_short() -> None:
    """A 30,000-turn result (24 hours) in a log line or a debugger: a short summary, not megabytes."""
    output = make_identify_output([f"Label {i}" for i in range(10)], turns_per_speaker=3_000, confidence=True)
    result = IdentifyResult.from_dict(output)
    assert len(result.identification) == 30_000
    for value in (result, result.identification, result.diarization, result.confidence):
        assert len(repr(value)) < 1_000, type(value)
    assert "30000" in repr(result.identification)
