"""Typed results: IdentifyResult helpers, JSON round-trips, and parse errors that name the field."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import respx
from clientkit import IDENTIFY_OUTPUT, JOB_ID, Api, job_body, job_response

from pyannoteai_identify import Identification, IdentifyResult, InvalidOutputError, InvalidResponseError

pytestmark = pytest.mark.anyio

RICH_OUTPUT: dict[str, Any] = {
    **copy.deepcopy(IDENTIFY_OUTPUT),
    "exclusiveDiarization": [{"speaker": "SPEAKER_00", "start": 0.0, "end": 4.0}],
    "confidence": {"score": [0.0, 12.5, 99.0, 100.0], "resolution": 0.02},
    "warning": "num_speakers could not be honoured",
    "transcription": [{"text": "hello"}],
}
RICH_OUTPUT["identification"][0]["confidence"] = {"John": 91.0, "Mary": 12.0}


def test_talk_time_sums_seconds_per_matched_label_longest_first() -> None:
    """talk_time() totals each label's turns and leaves unmatched turns out."""
    result = IdentifyResult.from_dict(IDENTIFY_OUTPUT)
    assert result.talk_time() == {"John": 5.5, "Mary": 2.0}
    assert list(result.talk_time()) == ["John", "Mary"]


def test_talk_time_orders_by_seconds_then_by_label_not_alphabetically() -> None:
    """The longest speaker comes first even when its label sorts last; equal times go alphabetically."""
    turn = IDENTIFY_OUTPUT["identification"][0]
    output = copy.deepcopy(IDENTIFY_OUTPUT)
    spans = [("Zoe", 0.0, 3.0), ("Adam", 3.0, 4.0), ("Mia", 4.0, 5.0), ("Bea", 5.0, 6.0)]
    output["identification"] = [turn | {"match": label, "start": start, "end": end} for label, start, end in spans]
    assert list(IdentifyResult.from_dict(output).talk_time()) == ["Zoe", "Adam", "Bea", "Mia"]


def test_segments_of_returns_a_labels_turns_in_time_order() -> None:
    """segments_of(label) gives every turn matched to it, and nothing for an unknown label."""
    result = IdentifyResult.from_dict(IDENTIFY_OUTPUT)
    turns = result.segments_of("John")
    assert [(t.start, t.end) for t in turns] == [(0.0, 4.0), (7.5, 9.0)]
    assert all(isinstance(t, Identification) and t.diarization_speaker == "SPEAKER_00" for t in turns)
    assert turns[0].duration == 4.0
    assert result.segments_of("Nobody") == []


def test_speakers_lists_matched_labels_in_order_of_appearance() -> None:
    """speakers names each matched label once, first appearance first."""
    assert IdentifyResult.from_dict(IDENTIFY_OUTPUT).speakers == ["John", "Mary"]


def _turn(label: str, start: float, end: float) -> dict[str, Any]:
    return {"speaker": label, "diarizationSpeaker": "SPEAKER_00", "match": label, "start": start, "end": end}


def test_speakers_are_ordered_by_first_start_when_the_output_is_not_in_time_order() -> None:
    """The output need not be in time order: a label whose first turn starts earlier comes first,
    even when a later turn of another label is listed before it."""
    output = {"identification": [_turn("Mary", 30.0, 31.0), _turn("John", 40.0, 41.0), _turn("John", 1.0, 2.0)]}
    assert IdentifyResult.from_dict(output).speakers == ["John", "Mary"]


def test_speakers_that_start_together_keep_the_order_of_their_first_turns_in_the_output() -> None:
    """Labels whose first turns start at the same time are listed as the output lists those turns;
    a later turn of one label at that same time does not move it behind the other."""
    output = {"identification": [_turn("John", 0.0, 1.0), _turn("Mary", 0.0, 1.0), _turn("John", 0.0, 2.0)]}
    assert IdentifyResult.from_dict(output).speakers == ["John", "Mary"]


@pytest.mark.parametrize("resolution", [0, 0.0, -0.02])
def test_a_confidence_resolution_that_is_not_positive_is_an_invalid_output_naming_the_field(
    resolution: float,
) -> None:
    """A resolution of 0 is refused while parsing, as InvalidOutputError naming the field (what
    get_job turns into InvalidResponseError), not as a bare ValueError from Confidence."""
    output = copy.deepcopy(IDENTIFY_OUTPUT) | {"confidence": {"score": [1, 2], "resolution": resolution}}
    with pytest.raises(InvalidOutputError, match=r"confidence\.resolution"):
        IdentifyResult.from_dict(output)


def test_to_rttm_writes_one_line_per_turn_with_the_match_or_the_diarization_label() -> None:
    """to_rttm() uses the matched label, or the diarization label for an unmatched turn."""
    rttm = IdentifyResult.from_dict(IDENTIFY_OUTPUT).to_rttm("meeting")
    assert rttm.splitlines() == [
        "SPEAKER meeting 1 0.000 4.000 <NA> <NA> John <NA> <NA>",
        "SPEAKER meeting 1 4.000 1.500 <NA> <NA> SPEAKER_01 <NA> <NA>",
        "SPEAKER meeting 1 5.500 2.000 <NA> <NA> Mary <NA> <NA>",
        "SPEAKER meeting 1 7.500 1.500 <NA> <NA> John <NA> <NA>",
    ]


def _matched(*labels: str) -> IdentifyResult:
    turn = IDENTIFY_OUTPUT["identification"][0]
    output = copy.deepcopy(IDENTIFY_OUTPUT)
    output["identification"] = [
        turn | {"match": label, "start": float(i), "end": i + 0.5} for i, label in enumerate(labels)
    ]
    return IdentifyResult.from_dict(output)


def test_to_rttm_keeps_ten_fields_per_line_whatever_the_labels_and_file_id_hold() -> None:
    """Spaces, tabs, no-break spaces and newlines in a label or the file id are percent-encoded:
    every line keeps its ten fields and no label can forge a line of its own."""
    labels = ("John Smith", "Ann\tLee", "Zoë\u00a0K", "Eve\nSPEAKER x 1 0 99 <NA> <NA> Mallory <NA> <NA>")
    lines = _matched(*labels).to_rttm("team meeting").splitlines()
    assert [len(line.split()) for line in lines] == [10, 10, 10, 10]
    assert [line.split()[1] for line in lines] == ["team%20meeting"] * 4
    assert [line.split()[7] for line in lines] == [
        "John%20Smith",
        "Ann%09Lee",
        "Zoë%C2%A0K",
        "Eve%0ASPEAKER%20x%201%200%2099%20<NA>%20<NA>%20Mallory%20<NA>%20<NA>",
    ]


def test_to_rttm_keeps_distinct_labels_distinct() -> None:
    """ "John Doe", "John_Doe" and "John%20Doe" are three people, and stay three names in RTTM."""
    names = {line.split()[7] for line in _matched("John Doe", "John_Doe", "John%20Doe").to_rttm().splitlines()}
    assert names == {"John%20Doe", "John_Doe", "John%2520Doe"}


def test_to_rttm_refuses_an_empty_file_id() -> None:
    """An empty file id would leave its field out of every line."""
    with pytest.raises(ValueError, match="file_id"):
        IdentifyResult.from_dict(IDENTIFY_OUTPUT).to_rttm("")


def test_talk_time_counts_overlapping_turns_of_one_label_once() -> None:
    """Two diarized speakers matched to one voiceprint (non-exclusive matching) may overlap: the
    person spoke for the union of their turns, not the sum."""
    turn = IDENTIFY_OUTPUT["identification"][0]
    output = copy.deepcopy(IDENTIFY_OUTPUT)
    output["identification"] = [
        turn | {"match": "John", "start": 0.0, "end": 10.0, "diarizationSpeaker": "SPEAKER_00"},
        turn | {"match": "John", "start": 5.0, "end": 12.0, "diarizationSpeaker": "SPEAKER_01"},
        turn | {"match": "John", "start": 20.0, "end": 21.0, "diarizationSpeaker": "SPEAKER_00"},
        turn | {"match": "Mary", "start": 6.0, "end": 8.0, "diarizationSpeaker": "SPEAKER_02"},
    ]
    assert IdentifyResult.from_dict(output).talk_time() == {"John": 13.0, "Mary": 2.0}


@pytest.mark.parametrize("output", [IDENTIFY_OUTPUT, RICH_OUTPUT], ids=["plain", "rich"])
def test_to_dict_and_to_json_round_trip_through_from_dict(output: dict[str, Any]) -> None:
    """to_dict() gives back the API's JSON, unknown keys included, and from_dict() reads it again unchanged."""
    result = IdentifyResult.from_dict(output)
    assert result.to_dict() == output
    again = IdentifyResult.from_dict(json.loads(result.to_json()))
    assert again.to_dict() == output
    assert again.identification == result.identification


def test_unknown_output_keys_are_kept_in_extra() -> None:
    """A key from a newer API is neither an error nor lost."""
    result = IdentifyResult.from_dict(RICH_OUTPUT)
    assert result.extra == {"transcription": [{"text": "hello"}]}
    assert result.warning == "num_speakers could not be honoured"
    assert result.confidence is not None and len(result.confidence) == 4


BAD_OUTPUTS = [
    pytest.param(["identification", 0, "start"], "zero", "output.identification[0].start", id="start-text"),
    pytest.param(["identification", 1, "end"], None, "output.identification[1].end", id="end-null"),
    pytest.param(["identification", 2, "match"], 7, "output.identification[2].match", id="match-number"),
    pytest.param(["identification", 3], "turn", "output.identification[3]", id="turn-not-object"),
    pytest.param(["identification"], {"a": 1}, "output.identification", id="identification-object"),
    pytest.param(["voiceprints", 1, "confidence"], [3.0], "output.voiceprints[1].confidence", id="scores-list"),
    pytest.param(
        ["voiceprints", 0, "confidence", "John"], "high", "output.voiceprints[0].confidence.John", id="score-text"
    ),
    pytest.param(["diarization", 2, "speaker"], 2, "output.diarization[2].speaker", id="diarization-speaker"),
]


def _broken(path: list[Any], value: Any) -> dict[str, Any]:
    output = copy.deepcopy(IDENTIFY_OUTPUT)
    target: Any = output
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return output


@pytest.mark.parametrize(("path", "value", "field"), BAD_OUTPUTS)
def test_from_dict_names_the_field_that_breaks_the_contract(path: list[Any], value: Any, field: str) -> None:
    """A wrong value raises InvalidResponseError whose message names its exact place."""
    with pytest.raises(InvalidResponseError) as caught:
        IdentifyResult.from_dict(_broken(path, value))
    assert f"at {field}:" in str(caught.value)


def test_from_dict_names_a_missing_required_field() -> None:
    """identification is required in an identify output (it is what tells an identify job apart)."""
    output = {k: v for k, v in IDENTIFY_OUTPUT.items() if k != "identification"}
    with pytest.raises(InvalidResponseError, match=r"output\.identification: missing required field"):
        IdentifyResult.from_dict(output)


async def test_an_identify_output_without_voiceprints_keeps_its_turns(api: Api, router: respx.Router) -> None:
    """Upstream does not promise `voiceprints`: an output without it was refused and the billed result
    lost (wait() polled three times, then raised); it now parses with its turns and no scores."""
    output = {k: v for k, v in IDENTIFY_OUTPUT.items() if k != "voiceprints"}
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=job_body("succeeded", output))
    result = await api.wait(JOB_ID, kind="identify")
    assert result.voiceprints == ()
    assert list(result.identification) == list(IdentifyResult.from_dict(IDENTIFY_OUTPUT).identification)


@pytest.mark.parametrize(("path", "value", "field"), BAD_OUTPUTS[:3])
async def test_a_malformed_job_output_from_the_api_names_the_field(
    api: Api, router: respx.Router, path: list[Any], value: Any, field: str
) -> None:
    """get_job() and wait() raise InvalidResponseError naming the field, with the response's status."""
    router.get(f"/v1/jobs/{JOB_ID}").mock(side_effect=lambda request: job_response("succeeded", _broken(path, value)))
    for method in (api.get_job, api.wait):
        with pytest.raises(InvalidResponseError) as caught:
            await method(JOB_ID, kind="identify")
        assert f"at {field}:" in str(caught.value)
        assert caught.value.status_code == 200


INF = float("inf")
NAN = float("nan")
NON_FINITE = [
    pytest.param(["identification", 0, "start"], INF, "output.identification[0].start", id="start-inf"),
    pytest.param(["identification", 1, "end"], NAN, "output.identification[1].end", id="end-nan"),
    pytest.param(["diarization", 0, "end"], -INF, "output.diarization[0].end", id="diarization-end-minus-inf"),
    pytest.param(
        ["exclusiveDiarization", 0, "start"], NAN, "output.exclusiveDiarization[0].start", id="exclusive-start-nan"
    ),
    pytest.param(
        ["identification", 0, "confidence", "John"], INF, "output.identification[0].confidence.John", id="turn-inf"
    ),
    pytest.param(["confidence", "score", 2], INF, "output.confidence.score[2]", id="frame-score-inf"),
    pytest.param(["confidence", "score", 1], NAN, "output.confidence.score[1]", id="frame-score-nan"),
    pytest.param(["confidence", "score", 3], 10**400, "output.confidence.score[3]", id="frame-score-beyond-a-double"),
]


@pytest.mark.parametrize(("path", "value", "field"), NON_FINITE)
def test_from_dict_refuses_a_non_finite_time_or_score_naming_the_field(path: list[Any], value: Any, field: str) -> None:
    """NaN, infinities and numbers too large for a double raise InvalidResponseError naming their place."""
    output = copy.deepcopy(RICH_OUTPUT)
    target: Any = output
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidResponseError) as caught:
        IdentifyResult.from_dict(output)
    assert f"at {field}:" in str(caught.value)


def test_whole_number_frame_scores_with_an_infinity_among_them_are_refused() -> None:
    """An infinity among whole-number scores (stored one byte each otherwise) is refused, not stored."""
    output = copy.deepcopy(IDENTIFY_OUTPUT) | {"confidence": {"score": [95, 89, INF, 67], "resolution": 0.02}}
    with pytest.raises(InvalidResponseError, match=r"at output\.confidence\.score\[2\]:"):
        IdentifyResult.from_dict(output)


#: A succeeded job's body as sent, with START where the first turn's start time goes.
_WIRE_BODY = (
    '{"jobId":"' + JOB_ID + '","status":"succeeded","output":{"identification":[{"speaker":"John","start":START,'
    '"end":4.0,"diarizationSpeaker":"SPEAKER_00","match":"John"}],'
    '"voiceprints":[{"speaker":"SPEAKER_00","match":"John","confidence":{"John":91.0}}]}}'
)


@pytest.mark.parametrize(
    ("literal", "says"),
    [
        ("NaN", "NaN is not a JSON number"),
        ("Infinity", "Infinity is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
        ("1e400", "at output.identification[0].start: expected a finite number, got inf"),
    ],
)
async def test_a_polled_body_with_a_non_standard_or_overflowing_number_is_an_invalid_response(
    api: Api, router: respx.Router, literal: str, says: str
) -> None:
    """NaN/Infinity literals (not JSON) and 1e400 (an infinity once parsed) in a job body raise InvalidResponseError."""
    body = _WIRE_BODY.replace("START", literal).encode()
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, content=body, headers={"Content-Type": "application/json"})
    with pytest.raises(InvalidResponseError) as caught:
        await api.get_job(JOB_ID, kind="identify")
    assert says in str(caught.value)
    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "running"}, "jobId"), ({"jobId": JOB_ID}, "status"), ({"jobId": JOB_ID, "status": 3}, "status")],
)
async def test_a_job_body_without_id_or_status_names_the_field(
    api: Api, router: respx.Router, body: dict[str, Any], field: str
) -> None:
    """jobId and status are required in every job body."""
    router.get(f"/v1/jobs/{JOB_ID}").respond(200, json=body)
    with pytest.raises(InvalidResponseError, match=f"at {field}"):
        await api.get_job(JOB_ID)
