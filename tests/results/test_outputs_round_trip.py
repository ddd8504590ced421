"""``from_dict(d).to_dict() == d`` for every output the contract allows: what the API sent comes
back as sent, with its optional keys absent where it left them out, null where the contract allows
null (a ``match``), and its unknown top-level keys kept (``extra``; unknown keys inside a segment
are ignored, as the README says, so the generated segments have none).

The outputs are generated from openapi.yaml (``tests/strategies.py``): the output schema of each
job kind (``IdentifyJob``, ``VoiceprintJob``, ``DiarizationJob``), and the same shapes as the
output of a job that failed or was canceled (``parse_job``).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import JOB_SCHEMAS, resolve, schema_strategy

from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.results import DiarizationResult, IdentifyResult, VoiceprintResult, parse_job

_CLASSES = {"identify": IdentifyResult, "voiceprint": VoiceprintResult, "diarization": DiarizationResult}
_SCHEMAS = SPEC["components"]["schemas"]
#: Every key any output schema declares, or refuses: an unknown key is none of these.
_KNOWN = frozenset(
    key
    for name in ("IdentifyJobOutput", "VoiceprintJobOutput", "DiarizationJobOutput")
    for key in _SCHEMAS[name]["properties"]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=5,
)
_UNKNOWN = st.dictionaries(st.text(max_size=12).filter(lambda key: key not in _KNOWN), _JSON, max_size=3).filter(
    lambda keys: not {"jobId", "status", "output"} <= keys.keys()
)  # not a whole job document


def _output_schema(kind: str) -> Any:
    return resolve(_SCHEMAS[JOB_SCHEMAS[kind]], SPEC)["properties"]["output"]


def _exact_numbers(value: Any) -> bool:
    """No integer a double cannot hold (times and scores are kept as doubles: a JSON integer past
    2**53 comes back rounded, as from any JSON reader that reads numbers as doubles)."""
    if isinstance(value, dict):
        return all(map(_exact_numbers, value.values()))
    if isinstance(value, list):
        return all(map(_exact_numbers, value))
    return not isinstance(value, int) or isinstance(value, bool) or abs(value) <= 2**53


def _with_unknown(known: dict[str, Any], unknown: dict[str, Any] | None) -> dict[str, Any]:
    return {**(unknown or {}), **known}


def kinds_and_outputs() -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
    """A job kind and an output of that kind from the contract, with up to three unknown top-level keys."""
    return st.sampled_from(sorted(_CLASSES)).flatmap(
        lambda kind: st.tuples(
            st.just(kind),
            st.builds(
                _with_unknown,
                schema_strategy(_output_schema(kind), SPEC, max_items=4).filter(_exact_numbers),
                st.none() | _UNKNOWN,
            ),
        )
    )


_TURN = {"speaker": "SPEAKER_00", "start": 0.5, "end": 1.5}
_ID_TURN = {"diarizationSpeaker": "SPEAKER_00", "match": "Ann", "start": 0.5, "end": 1.5}
#: Outputs the contract allows whose optional keys to_dict() wrote although the API left them out.
_SENT: dict[str, tuple[str, dict[str, Any]]] = {
    "diarization: no diarization": ("diarization", {"warning": "w"}),
    "diarization: empty": ("diarization", {}),
    "identify: no diarization": ("identify", {"identification": [_ID_TURN], "voiceprints": []}),
    "identify: no voiceprints": ("identify", {"identification": [_ID_TURN], "diarization": [_TURN]}),
    "identify: a turn without speaker": (
        "identify",
        {
            "identification": [{**_ID_TURN, "speaker": "Ann"}, _ID_TURN, {**_ID_TURN, "match": None}],
            "voiceprints": [],
            "diarization": [_TURN],
        },
    ),
}


@pytest.mark.parametrize("name", list(_SENT))
def test_to_dict_leaves_out_the_optional_keys_the_api_left_out(name: str) -> None:
    kind, output = _SENT[name]
    result = _CLASSES[kind].from_dict(copy.deepcopy(output))
    assert result.to_dict() == output
    assert _CLASSES[kind].from_dict(result.to_dict()) == result
    assert pickle.loads(pickle.dumps(result)).to_dict() == output
    assert copy.deepcopy(result).to_dict() == output


@given(kinds_and_outputs())
def test_an_outputs_to_dict_is_what_the_api_sent(case: tuple[str, dict[str, Any]]) -> None:
    kind, output = case
    sent = copy.deepcopy(output)
    result = _CLASSES[kind].from_dict(output)
    assert result.to_dict() == sent
    assert output == sent  # parsing left the mapping alone
    again = _CLASSES[kind].from_dict(result.to_dict())
    assert again == result
    assert again.to_dict() == sent


@given(kinds_and_outputs(), st.sampled_from(["failed", "canceled"]))
def test_a_not_succeeded_jobs_output_to_dict_is_what_the_api_sent(
    case: tuple[str, dict[str, Any]], status: str
) -> None:
    kind, output = case
    job = parse_job({"jobId": "job-1", "status": status, "output": copy.deepcopy(output)}, kind)  # type: ignore[arg-type]
    assert job.output is not None
    assert job.output.to_dict() == output
    assert type(job.output).from_dict(job.output.to_dict()) == job.output


@given(kinds_and_outputs())
def test_a_succeeded_jobs_output_to_dict_is_what_the_api_sent(case: tuple[str, dict[str, Any]]) -> None:
    kind, output = case
    job = parse_job({"jobId": "job-1", "status": "succeeded", "output": copy.deepcopy(output)}, kind)  # type: ignore[arg-type]
    assert job.output is not None
    assert job.output.to_dict() == output


#: Outputs with a null where the contract allows none (an optional list, a turn's ``speaker``, a
#: ``warning``): each is read as absent, as README's "What the contract cannot express" says.
_NULLS = {
    "identify: null voiceprints": (
        "identify",
        {"identification": [{**_ID_TURN, "speaker": "Ann"}], "voiceprints": None, "diarization": [_TURN]},
    ),
    "identify: null diarization": ("identify", {"identification": [_ID_TURN], "voiceprints": [], "diarization": None}),
    "identify: a null turn speaker": (
        "identify",
        {"identification": [{**_ID_TURN, "speaker": None}], "voiceprints": []},
    ),
    "identify: null warning": ("identify", {"identification": [_ID_TURN], "voiceprints": [], "warning": None}),
    "diarization: null diarization": ("diarization", {"diarization": None}),
}


def _without_nulls(output: dict[str, Any]) -> dict[str, Any]:
    def clean(value: Any) -> Any:
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items() if item is not None or key == "match"}
        return value

    return {key: clean(value) for key, value in output.items() if value is not None}


@pytest.mark.parametrize("name", list(_NULLS))
def test_a_null_the_contract_does_not_allow_is_written_back_as_absent_wherever_it_is(name: str) -> None:
    """``"voiceprints": null`` (or ``"diarization": null``) came back from ``to_dict()`` as ``[]``,
    while a turn's ``"speaker": null`` and a ``"warning": null`` were left out: two answers to one
    question. Every null where the contract allows none is read as absent, and written back as
    absent: ``to_dict()`` leaves the key out, and a second round trip gives the same."""
    kind, output = _NULLS[name]
    result = _CLASSES[kind].from_dict(copy.deepcopy(output))
    assert result.to_dict() == _without_nulls(output)
    assert _CLASSES[kind].from_dict(result.to_dict()) == result
    assert pickle.loads(pickle.dumps(result)).to_dict() == _without_nulls(output)
