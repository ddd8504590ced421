"""The command line names itself in the User-Agent (``app_info``), so that pyannoteAI's support can
tell its requests from those of an application using the library."""

from __future__ import annotations

import pytest
from clikit import run_cli

from pyannoteai_identify import __version__
from pyannoteai_identify.cli import OK
from pyannoteai_identify.testing import MockAPI


def test_the_cli_sends_its_own_product_token_after_the_sdks_user_agent(
    pyannoteai_mock: MockAPI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobs` (as every command talking to the API) sends the SDK's User-Agent, then
    ``pyannoteai-identify-cli/<version>``."""
    monkeypatch.setenv("PYANNOTEAI_BASE_URL", pyannoteai_mock.base_url)

    run = run_cli(capsys, "jobs", "--format", "json")

    assert run.code == OK, run.err
    (call,) = pyannoteai_mock.calls("getJobsByTeamV2")
    user_agent = call.headers["User-Agent"]
    assert user_agent.startswith(f"pyannoteai-identify/{__version__} ")
    assert user_agent.endswith(f" pyannoteai-identify-cli/{__version__}")
