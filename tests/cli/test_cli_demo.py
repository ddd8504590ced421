"""``pyannoteai-identify demo``: the whole flow on the embedded sandbox, the billing notice, and --real."""

from __future__ import annotations

import re

import pytest
from clikit import API_KEY, FAST_POLL, TRUTH, run_cli, run_process

from pyannoteai_identify import Client
from pyannoteai_identify.cli import OK, USAGE
from pyannoteai_identify.sandbox import Sandbox


def _talk_time(label: str) -> str:
    return f"{sum(end - start for who, start, end in TRUTH if who == label):.1f}"


def _assert_demo_table(out: str) -> None:
    assert "Who spoke when" in out and "Talk time" in out
    rows = re.findall(r"(\d:\d\d\.\d{3})\s*│\s*(\d:\d\d\.\d{3})\s*│\s*(\w+)", out)
    assert [label for _, _, label in rows] == [label for label, _, _ in TRUTH]
    for label in ("Alice", "Bob"):
        assert re.search(rf"{label}\s*│\s*{re.escape(_talk_time(label))}", out), f"no talk time row for {label}"


def test_demo_without_a_key_runs_the_whole_flow_on_the_sandbox_and_matches_the_truth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 0: sandbox and receiver start, both voiceprints are made, the table and talk times match the truth."""
    run = run_cli(capsys, "demo")

    assert run.code == OK, run.err
    assert "Sandbox at http://127.0.0.1:" in run.out and "webhook receiver at http://127.0.0.1:" in run.out
    assert "voiceprint of Alice" in run.out and "voiceprint of Bob" in run.out
    assert "submitted with a signed webhook" in run.out
    assert re.search(r"result received through (the signed webhook, verified by the local receiver|polling)", run.out)
    _assert_demo_table(run.out)
    assert "The result matches the synthesised truth: 4/4 turns identified" in run.out
    assert "bills" not in run.out


def test_demo_closes_its_webhook_receiver_when_it_stops(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo ran its receiver's app with the ASGI lifespan off: its receiver was never closed, so
    the count of refusals the rate limit held back was never logged. It is closed at the demo's end."""
    from pyannoteai_identify.receiver import WebhookReceiver

    closed: list[WebhookReceiver] = []
    close = WebhookReceiver.close

    def recording(self: WebhookReceiver) -> None:
        closed.append(self)
        close(self)

    monkeypatch.setattr(WebhookReceiver, "close", recording)
    run = run_cli(capsys, "demo")

    assert run.code == OK, run.err
    assert len(closed) == 1


def test_demo_with_a_key_but_without_real_explains_the_billing_and_still_uses_the_sandbox() -> None:
    """With PYANNOTEAI_API_KEY set and no --real, a process run prints the billing notice, then the sandbox run."""
    run = run_process(["demo"], {"PYANNOTEAI_API_KEY": API_KEY}, timeout=60)

    assert run.code == OK, run.err
    notice = " ".join(run.out.split())
    assert "PYANNOTEAI_API_KEY is set" in notice and "bills" in notice and "demo --real" in notice
    assert "Sandbox at http://127.0.0.1:" in run.out
    assert "The result matches the synthesised truth" in run.out


def test_demo_real_without_a_key_exits_two_with_one_line_and_runs_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--real needs PYANNOTEAI_API_KEY: exit 2, one error line naming it, nothing started or printed."""
    run = run_cli(capsys, "demo", "--real")

    assert run.code == USAGE
    assert run.out == ""
    assert run.err_lines == [run.err.strip()] and run.err.startswith("error: ")
    assert "PYANNOTEAI_API_KEY" in run.err and "Traceback" not in run.err


def test_demo_real_runs_the_same_flow_against_the_server_of_base_url(
    env: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """--real with a key and --base-url talks to that server: two voiceprint jobs and one identify, no webhook."""
    run = run_cli(capsys, *FAST_POLL, "demo", "--real")

    assert run.code == OK, run.err
    assert f"Real API at {env.base_url}" in run.out
    assert "Sandbox at" not in run.out and "webhook" not in run.out
    _assert_demo_table(run.out)
    assert env.stats.requests["voiceprint"] == 2 and env.stats.requests["identify"] == 1
    assert env.stats.deliveries == []


def test_demo_real_takes_the_key_timeout_and_retries_of_the_global_options(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--api-key K --timeout S --max-retries N demo --real` with no PYANNOTEAI_API_KEY runs with those settings,
    as every other command does, instead of asking for the variable."""
    from pyannoteai_identify import _demo

    monkeypatch.delenv("PYANNOTEAI_API_KEY", raising=False)
    settings: list[dict[str, object]] = []

    def recording_client(**kwargs: object) -> Client:
        settings.append({name: kwargs.get(name) for name in ("api_key", "timeout", "max_retries")})
        return Client(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_demo, "Client", recording_client)
    run = run_cli(
        capsys,
        *FAST_POLL,
        "--api-key",
        API_KEY,
        "--base-url",
        sandbox.base_url,
        "--timeout",
        "7",
        "--max-retries",
        "1",
        "demo",
        "--real",
    )

    assert run.code == OK, run.err
    assert settings == [{"api_key": API_KEY, "timeout": 7.0, "max_retries": 1}]
    assert sandbox.stats.requests["voiceprint"] == 2 and sandbox.stats.requests["identify"] == 1


@pytest.mark.parametrize("mode", [(), ("--real",)], ids=["sandbox", "real"])
def test_a_poll_interval_past_the_longest_default_gap_reaches_the_demos_client(
    env: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...]
) -> None:
    """`--poll-interval 400 demo` stopped at "PollSchedule(maximum=300.0): must be ≥ initial", where
    every other command takes a first gap past the 5-minute longest one as the caller's wish."""
    from pyannoteai_identify import _demo, errors

    schedules: list[object] = []

    def recording_client(**kwargs: object) -> Client:
        schedules.append(kwargs.get("poll_schedule"))
        raise errors.ConfigurationError("stopped by the test once the client's settings were seen")

    monkeypatch.setattr(_demo, "Client", recording_client)
    run = run_cli(capsys, "--poll-interval", "400", "demo", *mode)

    assert run.code == USAGE and "stopped by the test" in run.err, run.err
    [schedule] = schedules
    assert (schedule.initial, schedule.maximum) == (400, 400)  # type: ignore[attr-defined]
