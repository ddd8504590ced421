"""Standard error closed (`2>&-`, as a daemon or a CI step may run the command; Python then sets
``sys.stderr`` to None): the command runs as with `2>/dev/null`. Standard output keeps only the
result, and the exit code says what happened. ``print(..., file=None)`` writes to standard output,
so every message and hint landed there, in the JSON a pipe reads; and identify's check of a
terminal for its progress display failed (exit 1, nothing said) before anything was sent."""

from __future__ import annotations

import json
import sys

import pytest
from clikit import FAST_POLL, Audio, identify_argv, parse_rttm, run_cli

from pyannoteai_identify.cli import FAILED, OK
from pyannoteai_identify.sandbox import Sandbox


def _close_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    """``sys.stderr`` as Python sets it when descriptor 2 is closed: after capsys replaced it, not before."""
    monkeypatch.setattr(sys, "stderr", None)


@pytest.mark.parametrize("fmt", ["json", "rttm"])
def test_identify_prints_only_its_result_with_standard_error_closed(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _close_stderr(monkeypatch)
    run = run_cli(capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice}, "--format", fmt))

    assert run.code == OK
    if fmt == "json":
        assert "identification" in json.loads(run.out)
    else:
        assert parse_rttm(run.out)  # every line an RTTM line: no "job ID submitted" among them
    assert env.stats.requests["identify"] == 1
    assert sys.stderr is None  # left as the command found it


def test_a_jobs_listing_stopped_at_its_limit_keeps_its_hint_off_the_json(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        assert run_cli(capsys, *identify_argv(audio.meeting, {"Alice": audio.alice}, "--no-wait")).code == OK
    _close_stderr(monkeypatch)

    run = run_cli(capsys, "jobs", "--limit", "1", "--format", "json")

    assert run.code == OK
    assert len(json.loads(run.out)) == 1


def test_an_error_with_standard_error_closed_is_said_by_the_exit_code_alone(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _close_stderr(monkeypatch)
    run = run_cli(capsys, "job", "0f7c2a55-0000-4000-8000-000000000000")

    assert (run.code, run.out) == (FAILED, "")
