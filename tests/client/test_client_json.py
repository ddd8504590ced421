"""The JSON decoder of responses: orjson when installed, and exactly what the standard library accepts.

orjson is a dependency on CPython, so ``loads_json`` takes the orjson path here and is compared with
the strict standard-library path it falls back to (and that decodes everything on other Pythons).
"""

from __future__ import annotations

import json
import math
from typing import Any

import httpx
import orjson
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify import Client, InvalidResponseError, _json
from pyannoteai_identify._json import loads_json, loads_stdlib
from tests.strategies import job

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5)
)

BASE = "https://api.pyannote.ai"
JOB_ID = "0b8e4f27-93c6-4e0a-b2d5-7a61c9e4f318"


def _outcome(decode: Any, data: bytes | str) -> tuple[str, Any]:
    try:
        return "value", decode(data)
    except ValueError as error:
        return "error", type(error)


def _same(left: Any, right: Any) -> bool:
    """Equal, with NaN equal to itself and int/float kept apart (1 and 1.0 are different JSON)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


def test_the_test_session_decodes_with_orjson() -> None:
    """orjson is installed with the package on CPython, so the fast path is the one under test."""
    assert _json.decoder() == "orjson"


@given(JSON_VALUES | st.sampled_from(["identify", "voiceprint", "diarization"]).flatmap(job))
def test_documents_decode_to_the_same_values_with_orjson_as_with_the_standard_library(value: Any) -> None:
    """Any JSON document with integers within 64 bits, and every job body the spec allows, decodes to equal
    values, types included, in bytes or text, escaped or not."""
    for data in (json.dumps(value).encode(), json.dumps(value, ensure_ascii=False).encode(), json.dumps(value)):
        assert _same(loads_json(data), loads_stdlib(data))


@pytest.mark.parametrize(
    "data",
    [
        b"NaN",
        b"[Infinity]",
        b'{"score": -Infinity}',
        b"1e400",
        b"[-1e400]",
        b'"\\ud800"',
        b'{"speaker": "\\udfff"}',
        b"\xef\xbb\xbf{}",
        b'{"a": "\xff"}',
        b'{"a": 1, "a": 2}',
        b"",
        b"{",
        b"[1,]",
        b"  [1.5e-324, -0.0]  ",
        b'"\\u0000"',
    ],
)
def test_edge_cases_decode_or_fail_as_the_standard_library_does(data: bytes) -> None:
    """What orjson refuses falls back to the strict standard-library decoder: same values, same errors."""
    fast, slow = _outcome(loads_json, data), _outcome(loads_stdlib, data)
    assert fast[0] == slow[0]
    if fast[0] == "value":
        assert _same(fast[1], slow[1])
    else:
        assert fast[1] is slow[1]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_python_json_extensions_are_refused_on_both_paths(constant: str) -> None:
    """NaN and the infinities are not JSON: refused with a ValueError that names them."""
    with pytest.raises(ValueError, match=constant.lstrip("-")):
        loads_json(f'{{"score": {constant}}}')
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(f'{{"score": {constant}}}')


def test_an_integer_beyond_64_bits_is_the_one_documented_difference() -> None:
    """orjson reads it as a float, the standard library as an int: the module docstring says so."""
    big = str(2**70)
    assert loads_json(big) == float(2**70) and isinstance(loads_json(big), float)
    assert loads_stdlib(big) == 2**70 and isinstance(loads_stdlib(big), int)


INFINITE_START = (
    '{"jobId": "x", "status": "succeeded", "output": {"diarization": [], "voiceprints": [], "identification": '
    '[{"speaker": "Alice", "diarizationSpeaker": "SPEAKER_00", "match": "Alice", "start": 1e400, "end": 2}]}}'
)


@pytest.mark.parametrize("use_orjson", [True, False], ids=["orjson", "json"])
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{", "not valid JSON"),
        ('{"jobId": NaN}', "NaN is not a JSON number"),
        (INFINITE_START, r"output\.identification\[0\]\.start"),
    ],
    ids=["truncated", "nan", "infinite-start"],
)
def test_get_job_reports_a_broken_body_the_same_way_on_either_path(
    use_orjson: bool, body: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A malformed body, NaN, or a number too large for a float is an InvalidResponseError saying so (and
    naming the field when the JSON itself is well formed), whichever decoder ran."""
    if not use_orjson:
        monkeypatch.setattr(_json, "_orjson", None)
    with (
        respx.mock(base_url=BASE, assert_all_called=True) as mock,
        Client(api_key="k", base_url=BASE, max_retries=0) as client,
    ):
        mock.get(f"/v1/jobs/{JOB_ID}").mock(
            return_value=httpx.Response(200, content=body, headers={"content-type": "application/json"})
        )
        with pytest.raises(InvalidResponseError, match=message):
            client.get_job(JOB_ID)
