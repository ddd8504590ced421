"""``pyannoteai-identify webhook verify``: body on stdin, headers as options, secret from env or --secret."""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable

import pytest
from clikit import WEBHOOK_SECRET, run_cli

from pyannoteai_identify import webhooks
from pyannoteai_identify.cli import FAILED, OK, USAGE
from pyannoteai_identify.receiver import DEFAULT_MAX_BODY_BYTES

Tamper = Callable[[bytes, dict[str, str]], tuple[bytes, dict[str, str]]]

BODY = json.dumps({"jobId": "4c0e5a1e-0000-4000-8000-000000000001", "status": "succeeded", "output": {}}).encode()


def _stdin(monkeypatch: pytest.MonkeyPatch, body: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))


def _verify(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    body: bytes,
    headers: dict[str, str],
    *options: str,
) -> tuple[int, str, str]:
    _stdin(monkeypatch, body)
    run = run_cli(
        capsys,
        "webhook",
        "verify",
        "--signature",
        headers[webhooks.SIGNATURE_HEADER],
        "--timestamp",
        headers[webhooks.TIMESTAMP_HEADER],
        *options,
    )
    return run.code, run.out, run.err


@pytest.mark.parametrize("encoding", ["hex", "base64"])
def test_a_genuine_delivery_is_valid_in_hex_and_base64_with_the_secret_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, encoding: webhooks.Encoding
) -> None:
    """A body signed with the secret of PYANNOTEAI_WEBHOOK_SECRET verifies: exit 0, "valid" on stdout."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    headers = webhooks.sign(BODY, WEBHOOK_SECRET, encoding=encoding)

    code, out, err = _verify(capsys, monkeypatch, BODY, headers)

    assert (code, out, err) == (OK, "valid\n", "")


def test_the_secret_can_be_given_with_the_secret_option(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--secret is used when the environment has none."""
    headers = webhooks.sign(BODY, WEBHOOK_SECRET)

    code, out, _ = _verify(capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET)

    assert (code, out) == (OK, "valid\n")


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda body, headers: (body.replace(b"succeeded", b"failed"), headers), "signature_mismatch"),
        (lambda body, headers: (body, {**headers, webhooks.TIMESTAMP_HEADER: "1"}), "timestamp_out_of_tolerance"),
        (lambda body, headers: (body, {**headers, webhooks.SIGNATURE_HEADER: "zz"}), "malformed_signature"),
    ],
    ids=["tampered-body", "stale-timestamp", "malformed-signature"],
)
def test_a_delivery_that_fails_verification_exits_one_with_the_reason_on_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tamper: Tamper, reason: str
) -> None:
    """A tampered body, a stale timestamp or a malformed signature: exit 1, one line with the reason."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    body, headers = tamper(BODY, webhooks.sign(BODY, WEBHOOK_SECRET))

    code, out, err = _verify(capsys, monkeypatch, body, headers)

    assert code == FAILED and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("invalid: ") and reason in lines[0]


def test_a_genuine_body_over_the_receivers_cap_fails_as_too_large_read_no_further_than_one_byte_past_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body was read whole from standard input, with no cap: a stray multi-gigabyte pipe filled
    the memory, where the receiver refuses a body over its max_body_bytes (413, too_large) unread.
    A body one byte over the receiver's default fails (exit 1) as too_large, naming the cap, though
    genuinely signed; standard input is read up to that byte only."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    body = b"x" * (DEFAULT_MAX_BODY_BYTES + 1)
    stdin = io.BytesIO(body + b"never read")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(stdin))
    headers = webhooks.sign(body, WEBHOOK_SECRET)

    run = run_cli(
        capsys, "webhook", "verify", "--signature", headers[webhooks.SIGNATURE_HEADER],
        "--timestamp", headers[webhooks.TIMESTAMP_HEADER],
    )  # fmt: skip

    assert (run.code, run.out) == (FAILED, "")
    assert run.err_lines == [
        f"invalid: the body is over {DEFAULT_MAX_BODY_BYTES} bytes, the receiver's default max_body_bytes, "
        "which it refuses unread (too_large)"
    ]
    assert stdin.tell() == DEFAULT_MAX_BODY_BYTES + 1


def test_a_genuine_body_of_the_receivers_cap_exactly_is_valid(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cap is the largest body verified, as the receiver's max_body_bytes is the largest it reads."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    body = b"x" * DEFAULT_MAX_BODY_BYTES

    code, out, err = _verify(capsys, monkeypatch, body, webhooks.sign(body, WEBHOOK_SECRET))

    assert (code, out, err) == (OK, "valid\n", "")


def test_a_wrong_secret_fails_without_printing_either_secret(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verifying with another secret exits 1; neither the given nor the signing secret is printed."""
    other = "whsec_other-secret-9e8d"
    headers = webhooks.sign(BODY, WEBHOOK_SECRET)

    code, out, err = _verify(capsys, monkeypatch, BODY, headers, "--secret", other)

    assert code == FAILED and "signature_mismatch" in err
    assert other not in out + err


@pytest.mark.parametrize("blank", [None, "   "], ids=["absent", "only-spaces"])
def test_without_a_secret_it_is_a_usage_error_that_names_the_variable_and_the_option(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, blank: str | None
) -> None:
    """No --secret and no PYANNOTEAI_WEBHOOK_SECRET (or a blank one, either way): exit 2 (not 1,
    "forged"), one line naming both ways."""
    options = () if blank is None else ("--secret", blank)
    code, out, err = _verify(capsys, monkeypatch, BODY, webhooks.sign(BODY, WEBHOOK_SECRET), *options)

    assert code == USAGE and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert "PYANNOTEAI_WEBHOOK_SECRET" in err and "--secret" in err


def test_a_secret_that_is_not_text_is_a_usage_error_not_an_invalid_delivery(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret with a lone surrogate (undecodable bytes in the environment) exited 1 ("invalid:"),
    as if the delivery were forged: it is a setup problem, exit 2, without the secret shown."""
    code, out, err = _verify(capsys, monkeypatch, BODY, webhooks.sign(BODY, WEBHOOK_SECRET), "--secret", "ab\udcffcd")

    (line,) = [line for line in err.splitlines() if not line.startswith("warning: ")]  # --secret in argv
    assert code == USAGE and out == ""
    assert line.startswith("error: the webhook secret is not valid text") and "abcd" not in line


def test_a_closed_standard_input_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run with standard input closed (`<&-`), the command died with an AttributeError traceback."""
    monkeypatch.setattr(sys, "stdin", None)
    headers = webhooks.sign(BODY, WEBHOOK_SECRET)
    run = run_cli(
        capsys, "webhook", "verify", "--signature", headers[webhooks.SIGNATURE_HEADER],
        "--timestamp", headers[webhooks.TIMESTAMP_HEADER], "--secret", WEBHOOK_SECRET,
    )  # fmt: skip

    assert run.code == USAGE and run.out == ""
    assert run.err_lines[-1] == "error: no body: pipe the raw delivery body to standard input"


def test_no_tolerance_accepts_an_old_but_genuine_delivery_and_tolerance_zero_does_not(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--no-tolerance turns the replay window off; --tolerance 0 is a zero-second window, as
    tolerance=0 in Python (it used to turn the window off: a user being strict accepted replays)."""
    headers = webhooks.sign(BODY, WEBHOOK_SECRET, timestamp=int(time.time()) - 86400)

    stale = _verify(capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET)
    strict = _verify(capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET, "--tolerance", "0")
    accepted = _verify(capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET, "--no-tolerance")

    assert stale[0] == FAILED
    assert strict[0] == FAILED and "timestamp_out_of_tolerance" in strict[2]
    assert accepted[:2] == (OK, "valid\n")


def test_tolerance_and_no_tolerance_together_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = webhooks.sign(BODY, WEBHOOK_SECRET)
    code, out, _ = _verify(
        capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET, "--tolerance", "5", "--no-tolerance"
    )
    assert code == USAGE and out == ""


@pytest.mark.parametrize("tolerance", ["-1", "nan", "inf", "soon"])
def test_a_negative_or_non_finite_tolerance_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tolerance: str
) -> None:
    """Only 0 turns the replay window off; -1 used to do it too, silently."""
    headers = webhooks.sign(BODY, WEBHOOK_SECRET, timestamp=int(time.time()) - 86400)

    code, out, err = _verify(capsys, monkeypatch, BODY, headers, "--secret", WEBHOOK_SECRET, "--tolerance", tolerance)

    assert code == USAGE and out == "" and "--tolerance" in err


class _InterruptedRead(io.RawIOBase):
    """A standard input whose reader is interrupted by Ctrl-C while it waits for the body."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise KeyboardInterrupt


def test_ctrl_c_while_the_body_is_read_does_not_speak_of_a_submitted_job(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`webhook verify` sends nothing to the API; Ctrl-C while it waits for the body on stdin (a
    forgotten `< body.json`) exits 130, but said "a job already submitted keeps running: resume with
    `pyannoteai-identify job ID --wait`", sending the user to look for a job that never existed."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(_InterruptedRead())))

    run = run_cli(capsys, "webhook", "verify", "--signature", "0" * 64, "--timestamp", str(int(time.time())))

    assert run.code == 130
    assert "interrupted" in run.err
    assert "job" not in run.err, run.err


class _UnreadTerminal(io.RawIOBase):
    """The terminal behind standard input (a forgotten `< body.json`); reading it fails the test."""

    def readable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return True

    def readinto(self, buffer: object) -> int:
        raise AssertionError("the terminal was read: the command would wait there in silence")


def test_a_body_awaited_from_the_terminal_is_a_usage_error_rather_than_a_silent_wait(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`webhook verify --signature S --timestamp T` run without `< body.json` waited, silent, for a
    body typed at the terminal (which, ended by its newline, no signature covers), as `identify -`
    refuses to: it is a usage error (exit 2) that says how to give the body."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(_UnreadTerminal())))

    run = run_cli(capsys, "webhook", "verify", "--signature", "0" * 64, "--timestamp", str(int(time.time())))

    assert (run.code, run.out) == (USAGE, "")
    assert run.err_lines == [
        "error: no body: standard input is a terminal; pipe or redirect the raw delivery body in "
        "(`pyannoteai-identify webhook verify ... < body.json`)"
    ]
