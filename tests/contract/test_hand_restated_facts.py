"""Contract facts restated by hand: an edit of openapi.yaml, regenerated, must reach them too.

design.md §4: enum values, bounds and field names are read from openapi.yaml, never retyped. Each
test below edits the contract as a maintainer would and regenerates ``_spec.py`` (with the renderer
``nox -s generate`` uses) in a copy of the package, then checks in a fresh interpreter that the part
that restated the fact follows. Before these tests, each such edit passed the whole suite except
the pins of ``test_spec.py``, which say nothing of the places below.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyannoteai_identify
from pyannoteai_identify._spec import SPEC
from tools.generate import render_spec_module

GENERATED = Path(__file__).resolve().parents[2] / "generated"
Edit = Callable[[dict[str, Any]], None]


def _regenerated(tmp_path: Path, edit: Edit, script: str) -> Any:
    """Run *script* against a copy of the package whose ``_spec.py`` is regenerated from the edited contract."""
    package = tmp_path / "pyannoteai_identify"
    shutil.copytree(Path(pyannoteai_identify.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    spec = copy.deepcopy(SPEC)
    edit(spec)
    (package / "_spec.py").write_text(render_spec_module(spec), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(GENERATED)])}
    found = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert found.returncode == 0, found.stderr
    return json.loads(found.stdout.strip().splitlines()[-1])


def _default_page_size_3(spec: dict[str, Any]) -> None:
    """GET /v2/jobs `limit` now defaults to 3 (was 10)."""
    for parameter in spec["paths"]["/v2/jobs"]["get"]["parameters"]:
        if parameter["name"] == "limit":
            parameter["schema"]["default"] = 3


def _terminal_status_expired(spec: dict[str, Any]) -> None:
    """The API gains a terminal status, `expired`."""
    status = spec["components"]["schemas"]["JobStatus"]
    status["enum"].append("expired")
    status["x-terminal"].append("expired")


def _narrower_voiceprints_wider_speakers(spec: dict[str, Any]) -> None:
    request = spec["components"]["schemas"]["IdentifyRequest"]["properties"]
    request["voiceprints"]["maxItems"] = 20
    request["numSpeakers"]["enum"] = [1, 2, 3]


def test_the_sandbox_lists_a_page_of_the_contracts_default_size_when_no_limit_is_given(tmp_path: Path) -> None:
    """sandbox/_app.py read ``data.get("limit", 10)``: the contract's default, retyped, so a new default
    left the sandbox answering pages of 10."""
    found = _regenerated(
        tmp_path,
        _default_page_size_3,
        """
        import json, warnings
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        from pyannoteai_identify.sandbox import Sandbox

        sandbox = Sandbox(rate_limit=0)
        with TestClient(sandbox.app, base_url="http://127.0.0.1") as http:
            headers = {"Authorization": f"Bearer {sandbox.api_key}"}
            for _ in range(5):
                assert http.post("/v1/voiceprint", json={"url": "media://a.wav"}, headers=headers).status_code == 200
            print(json.dumps({"page": len(http.get("/v2/jobs", headers=headers).json()["items"])}))
        """,
    )
    assert found == {"page": 3}


def test_the_mock_api_lists_a_page_of_the_contracts_default_size_when_no_limit_is_given(tmp_path: Path) -> None:
    """testing.MockAPI read ``values.get("limit", 10)``: the same default, retyped a second time."""
    found = _regenerated(
        tmp_path,
        _default_page_size_3,
        """
        import json
        import httpx
        from pyannoteai_identify.testing import MockAPI

        mock = MockAPI()
        for _ in range(5):
            mock.add_job("diarization")
        auth = {"Authorization": f"Bearer {mock.api_key}"}
        answer = mock.handle(httpx.Request("GET", f"{mock.base_url}/v2/jobs", headers=auth))
        print(json.dumps({"page": len(answer.json()["items"])}))
        """,
    )
    assert found == {"page": 3}


def test_a_terminal_status_the_contract_gains_is_not_reported_as_a_cancelation(tmp_path: Path) -> None:
    """The contract gains a terminal status (``expired`` in ``enum`` and ``x-terminal``): wait() raised
    ``JobCanceledError("job … was canceled")`` for it, as ``_flows_wait._finish`` took every terminal
    status other than succeeded and failed for canceled; and once the maintainer adds the
    ``JobStatus`` member test_spec.py asks for, no test fails."""
    found = _regenerated(
        tmp_path,
        _terminal_status_expired,
        """
        import json
        import httpx
        from pyannoteai_identify import Client, JobCanceledError, JobError

        def answer(request):
            return httpx.Response(200, json={"jobId": "j1", "status": "expired", "output": {"error": "gone"}})

        with Client(api_key="k", transport=httpx.MockTransport(answer)) as client:
            try:
                client.wait("j1", kind="identify", timeout=5)
            except JobError as error:
                print(json.dumps({
                    "canceled": isinstance(error, JobCanceledError),
                    "says_status": "expired" in str(error),
                    "status": error.status,
                }))
        """,
    )
    assert found == {"canceled": False, "says_status": True, "status": "expired"}


def test_docstrings_do_not_quote_voiceprint_and_speaker_limits_the_contract_no_longer_has(tmp_path: Path) -> None:
    """Client.identify and identify_batch quoted "1 to 50" voiceprints and numSpeakers "(1 or 2)" by hand:
    with maxItems 20 and numSpeakers [1, 2, 3] regenerated, help() still showed the old limits
    (the validation itself follows the contract; only what users read of it did not)."""
    found = _regenerated(
        tmp_path,
        _narrower_voiceprints_wider_speakers,
        """
        import inspect, json
        from pyannoteai_identify import AsyncClient, Client
        from pyannoteai_identify._validation import MAX_VOICEPRINTS, NUM_SPEAKERS_VALUES
        from pyannoteai_identify.batch import _api

        assert (MAX_VOICEPRINTS, NUM_SPEAKERS_VALUES) == (20, (1, 2, 3))  # the regenerated contract is read
        docs = {
            "Client.identify": inspect.getdoc(Client.identify) or "",
            "AsyncClient.identify": inspect.getdoc(AsyncClient.identify) or "",
            "identify_batch": inspect.getdoc(_api.identify_batch) or "",
            "aidentify_batch": inspect.getdoc(_api.aidentify_batch) or "",
        }
        print(json.dumps(sorted(
            f"{where}: {stale!r}" for where, text in docs.items() for stale in ("1 to 50", "(1 or 2)") if stale in text
        )))
        """,
    )
    assert found == []


def test_an_enrollment_that_ends_in_a_terminal_status_the_contract_gains_names_its_voiceprint(tmp_path: Path) -> None:
    """The CLI's enrollment catches JobFailedError and JobCanceledError to add a note naming the
    --voiceprint to record again (and to drop the enrollment from the "save their voiceprints"
    hint). A new terminal status raised JobCanceledError and got that note; it now raises a plain
    JobError, which the enrollment lets through without it."""
    found = _regenerated(
        tmp_path,
        _terminal_status_expired,
        """
        import json
        from pathlib import Path
        import httpx
        from pyannoteai_identify import Client, JobError, cli

        def answer(request):
            return httpx.Response(200, json={"jobId": "j1", "status": "expired", "output": {"error": "gone"}})

        with Client(api_key="k", transport=httpx.MockTransport(answer)) as client:
            try:
                cli.enrolled_voiceprint(client, "j1", "John", Path("john.wav"), timeout=5)
            except JobError as error:
                print(json.dumps({"notes": getattr(error, "__notes__", [])}))
        """,
    )
    assert any("--voiceprint John=john.wav" in note for note in found["notes"]), found


def _rate_limit_7(spec: dict[str, Any]) -> None:
    """The documented rate limit is now 7 requests per minute (was 100)."""
    spec["components"]["headers"]["X-RateLimit-Limit"]["x-default"] = 7


def test_the_documented_rate_limit_reaches_the_sandbox_the_mock_the_batch_limiter_and_the_polling_guess(
    tmp_path: Path,
) -> None:
    """100 requests a minute was typed by hand in five places (the sandbox's and its command's default,
    the mock's headers, the batch limiter's budget, the spacing guessed without X-RateLimit-Limit);
    they all read the contract's ``x-default`` on the X-RateLimit-Limit header now."""
    found = _regenerated(
        tmp_path,
        _rate_limit_7,
        """
        import json, warnings
        warnings.simplefilter("ignore")
        import httpx
        from starlette.testclient import TestClient
        from pyannoteai_identify._polling import rate_limit_gap
        from pyannoteai_identify.batch._limiter import DEFAULT_PER_MINUTE
        from pyannoteai_identify.sandbox import Sandbox
        from pyannoteai_identify.sandbox._cli import parser
        from pyannoteai_identify.testing import MockAPI

        sandbox = Sandbox()
        with TestClient(sandbox.app, base_url="http://127.0.0.1") as http:
            sandbox_limit = http.get("/v1/test", headers={"Authorization": f"Bearer {sandbox.api_key}"}).headers[
                "X-RateLimit-Limit"
            ]
        mock = MockAPI()
        auth = {"Authorization": f"Bearer {mock.api_key}"}
        mock_limit = mock.handle(httpx.Request("GET", f"{mock.base_url}/v1/test", headers=auth)).headers[
            "X-RateLimit-Limit"
        ]
        print(json.dumps({
            "sandbox": int(sandbox_limit),
            "command": parser().parse_args([]).rate_limit,
            "mock": int(mock_limit),
            "batch": DEFAULT_PER_MINUTE,
            "guessed gap": rate_limit_gap({"x-ratelimit-remaining": "0"}, now=0.0),
        }))
        """,
    )
    assert found == {"sandbox": 7, "command": 7, "mock": 7, "batch": 7, "guessed gap": 60 / 7}


def _four_webhook_retries_4_s_timeout(spec: dict[str, Any]) -> None:
    """The API now retries a delivery 4 times (at once, after 30 s, 2 min, 10 min) and waits 4 s."""
    delivery = spec["webhooks"]["jobCompleted"]["post"]
    delivery["x-timeout-seconds"] = 4
    delivery["x-retry-delays-seconds"] = [0, 30, 120, 600]
    for parameter in delivery["parameters"]:
        if parameter["name"] == "x-retry-num":
            parameter["schema"]["enum"] = ["1", "2", "3", "4"]


def test_the_webhook_retry_schedule_and_timeout_reach_the_sandbox(tmp_path: Path) -> None:
    """The sandbox typed the retry schedule (0, 60, 300 s) and the receiver's 10 s by hand (the latter
    twice: the Sandbox's and the dispatcher's default); they read the contract's ``x-retry-delays-seconds``
    and ``x-timeout-seconds`` on the jobCompleted webhook now."""
    found = _regenerated(
        tmp_path,
        _four_webhook_retries_4_s_timeout,
        """
        import inspect, json
        from pyannoteai_identify.sandbox import Sandbox
        from pyannoteai_identify.sandbox._dispatch import RETRY_DELAYS, WebhookDispatcher

        def default(function, name):
            return inspect.signature(function).parameters[name].default

        print(json.dumps({
            "delays": list(RETRY_DELAYS),
            "sandbox timeout": default(Sandbox, "webhook_timeout"),
            "dispatcher timeout": default(WebhookDispatcher, "timeout"),
        }))
        """,
    )
    assert found == {"delays": [0, 30, 120, 600], "sandbox timeout": 4, "dispatcher timeout": 4}


def _three_webhook_redirects(spec: dict[str, Any]) -> None:
    """The API now follows 3 redirects of a delivery (was 2: "redirected more than twice" failed it)."""
    spec["webhooks"]["jobCompleted"]["post"]["x-max-redirects"] = 3


def test_the_webhook_redirect_limit_reaches_the_sandbox(tmp_path: Path) -> None:
    """The sandbox's delivery client followed a hand-typed 2 redirects (api-reference §7.3: "redirected
    more than twice" is ``too_many_redirects``); it reads the contract's ``x-max-redirects`` on the
    jobCompleted webhook now, while the audio fetch keeps its own limit (the API documents none)."""
    found = _regenerated(
        tmp_path,
        _three_webhook_redirects,
        """
        import json
        from pyannoteai_identify.sandbox._dispatch import MAX_REDIRECTS
        from pyannoteai_identify.sandbox._fetch import FETCH_MAX_REDIRECTS

        print(json.dumps({"delivery": MAX_REDIRECTS, "audio fetch": FETCH_MAX_REDIRECTS}))
        """,
    )
    assert found == {"delivery": 3, "audio fetch": 2}


def _threshold_0_to_1(spec: dict[str, Any]) -> None:
    """Matching scores are now fractions: ``matching.threshold`` runs from 0 to 1 (was 0 to 100)."""
    spec["components"]["schemas"]["Matching"]["properties"]["threshold"]["maximum"] = 1


def test_the_matching_docstring_does_not_quote_threshold_bounds_the_contract_no_longer_has(tmp_path: Path) -> None:
    """``Matching``'s docstring (what help(Matching) and an IDE show) quoted "0–100" by hand: with the
    threshold's maximum regenerated as 1, check_threshold refused 50 while the docstring still
    offered 0 to 100, and no test failed (test_spec.py pins no threshold bound)."""
    found = _regenerated(
        tmp_path,
        _threshold_0_to_1,
        """
        import inspect, json
        from pyannoteai_identify import Matching
        from pyannoteai_identify._validation import THRESHOLD_MAX

        assert THRESHOLD_MAX == 1  # the regenerated contract is read
        print(json.dumps({"doc": inspect.getdoc(Matching) or ""}))
        """,
    )
    assert "100" not in found["doc"], found["doc"]


def _media_keys_take_equals(spec: dict[str, Any]) -> None:
    """Media keys may now hold ``=`` too (a key-value folder name such as ``date=2024-01-15``)."""
    url = spec["components"]["schemas"]["MediaUploadRequest"]["properties"]["url"]
    url["pattern"] = url["pattern"].replace("./]", "./=]")


def test_a_refused_media_key_is_told_the_characters_the_contract_allows(tmp_path: Path) -> None:
    """check_media_url's error listed the allowed characters by hand ("letters, digits, '-', '_', '.'
    and '/' only"): with ``=`` added to the contract's pattern, a refused key was told that ``=``
    is not allowed either, and no test failed."""
    found = _regenerated(
        tmp_path,
        _media_keys_take_equals,
        """
        import json
        from pyannoteai_identify import ValidationError
        from pyannoteai_identify._validation import check_media_url

        assert check_media_url("key", "media://calls/date=2024-01-15/a.wav")  # the regenerated contract is read
        try:
            check_media_url("key", "media://calls/a b.wav")
        except ValidationError as error:
            print(json.dumps({"rule": error.rule}))
        """,
    )
    assert "'='" in found["rule"], found["rule"]


def _identify_audio_up_to_4_gib(spec: dict[str, Any]) -> None:
    """The API now takes identify audio up to 4 GiB (was 1 GiB)."""
    spec["components"]["schemas"]["IdentifyRequest"]["properties"]["url"]["x-max-file-bytes"] = 4 << 30


def test_the_sandbox_starts_when_the_contract_raises_the_audio_size_limit(tmp_path: Path) -> None:
    """The sandbox's largest upload is the contract's ``x-max-file-bytes``, but its media store's
    capacity was typed by hand (2 GiB) and must hold one largest upload: with the limit raised to
    4 GiB, ``Sandbox()`` raised ValueError ("max_upload_bytes=…: must be at most max_media_bytes"),
    so every sandbox, the demo and the pytest fixture failed until a hand edit of sandbox/_defaults.py."""
    found = _regenerated(
        tmp_path,
        _identify_audio_up_to_4_gib,
        """
        import json
        from pyannoteai_identify.sandbox import Sandbox
        from pyannoteai_identify.sandbox._defaults import MAX_MEDIA_BYTES, MAX_UPLOAD_BYTES

        assert MAX_UPLOAD_BYTES == 4 << 30  # the regenerated contract is read
        try:
            Sandbox()
        except ValueError as error:
            print(json.dumps({"error": str(error)}))
        else:
            print(json.dumps({"holds_one_largest_upload": MAX_MEDIA_BYTES >= MAX_UPLOAD_BYTES}))
        """,
    )
    assert found == {"holds_one_largest_upload": True}


def _identify_conflict_and_reworded_bad_request(spec: dict[str, Any]) -> None:
    """POST /v1/identify now declares a 409 whose body names the job already running (no ``ApiError``),
    a 423 of that shape with no example, and the contract's example of a 400 says "Unreadable URL"
    (was "Invalid URL")."""
    spec["components"]["schemas"]["Conflict"] = {
        "type": "object",
        "required": ["message", "jobId"],
        "properties": {"message": {"type": "string"}, "jobId": {"type": "string", "minLength": 1}},
    }
    spec["paths"]["/v1/identify"]["post"]["responses"]["409"] = {
        "description": "The same audio is already being identified.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Conflict"},
                "examples": {"running": {"value": {"message": "Already running", "jobId": "j0"}}},
            }
        },
    }
    spec["paths"]["/v1/identify"]["post"]["responses"]["423"] = {
        "description": "The team is locked (a body of the same shape, with no example).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Conflict"}}},
    }
    example = spec["components"]["responses"]["BadRequest"]["content"]["application/json"]["examples"]
    example["invalid_url"]["value"]["errors"][0]["message"] = "Unreadable URL"


def test_the_mock_s_default_bodies_are_the_ones_the_contract_declares(tmp_path: Path) -> None:
    """``MockAPI.respond_with`` without a body answered a 400 with the contract's example retyped by
    hand, and every other status with an ``ApiError``: a 409 the contract gains with a body of its
    own was answered with a body that breaks the contract, and a reworded example was not followed.
    Such a status with no example in the contract is refused where it is scripted, asking for ``json=``."""
    found = _regenerated(
        tmp_path,
        _identify_conflict_and_reworded_bad_request,
        """
        import json
        import httpx
        from pyannoteai_identify.testing import MockAPI, check_response

        mock = MockAPI()
        answers = {}
        for status in (409, 400):
            mock.respond_with("identify", status)
            request = httpx.Request(
                "POST", f"{mock.base_url}/v1/identify", headers={"Authorization": f"Bearer {mock.api_key}"}
            )
            response = mock.handle(request)
            response.request = request
            answers[status] = {"problems": check_response(response), "body": response.json()}
        try:
            mock.respond_with("identify", 423)
        except ValueError as error:
            answers[423] = str(error)
        print(json.dumps({
            "423 refused": answers.get(423, ""),
            "409 problems": answers[409]["problems"],
            "400 problems": answers[400]["problems"],
            "400 field message": answers[400]["body"]["errors"][0]["message"],
        }))
        """,
    )
    assert found.pop("423 refused").startswith("status_code=423: openapi.yaml declares a body"), found
    assert found == {"409 problems": [], "400 problems": [], "400 field message": "Unreadable URL"}
