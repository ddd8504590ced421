"""A TLS certificate the client cannot verify (an ``ssl.SSLCertVerificationError`` in the chain of
httpx's ``ConnectError``) does not heal by waiting: met at the upload to the media storage, it ends
the run as a proxy's refusal of the tunnel does (nothing billed, every input pending, the error names
the certificate), instead of leaving each input pending after MAX_ATTEMPTS tries and exiting 5."""

from __future__ import annotations

import ssl
from contextlib import ExitStack
from pathlib import Path

import httpcore
import httpx
import pytest
from batchkit import MODES, VOICEPRINTS, command_through, make_audio, manifest_rows, run_batch, tapped

from pyannoteai_identify.batch import BatchReport, InputStatus, _runner_submit, main
from pyannoteai_identify.sandbox import Sandbox

#: What ``ssl`` says, and so what httpcore and httpx repeat (the test asserts on the chain, not on it).
_VERIFY_FAILED = "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1000)"


class _Storage:
    """Fails every storage PUT as httpx does when the storage's certificate cannot be verified."""

    def __init__(self) -> None:
        self.puts = 0

    def check(self, request: httpx.Request) -> None:
        if request.method != "PUT":
            return
        self.puts += 1
        # httpx maps httpcore's ConnectError, which httpcore raised from the ssl module's error.
        try:
            try:
                raise ssl.SSLCertVerificationError(1, _VERIFY_FAILED)
            except ssl.SSLCertVerificationError as tls:
                raise httpcore.ConnectError(str(tls)) from tls
        except httpcore.ConnectError as core:
            raise httpx.ConnectError(str(core), request=request) from core


def _run(mode: str, sandbox: Sandbox, tmp_path: Path, storage: _Storage) -> BatchReport:
    transport = tapped(mode, storage.check)
    return run_batch(
        mode,
        sandbox,
        [tmp_path / "audio"],
        tmp_path,
        max_retries=0,
        request_timeout=None,
        transport=transport,
        timeout=5,
        concurrency=1,
    )


@pytest.mark.parametrize("mode", MODES)
def test_an_unverifiable_storage_certificate_stops_submitting_at_once_and_keeps_the_inputs_pending(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A storage PUT whose TLS certificate failed verification was taken for a temporary error: tried
    MAX_ATTEMPTS times for every input, each then left pending ("the next run tries it again"), and a
    rerun met it again, for ever. It now stops submitting at the first failure, as a proxy's refusal of
    the tunnel does: the halt names the certificate and says the API was not reached, nothing is
    billed, the inputs stay pending and a rerun with a verifiable certificate sends each once."""
    monkeypatch.setattr(_runner_submit, "backoff", lambda attempt, error: 0.0)  # no pauses between attempts
    make_audio(tmp_path / "audio", 2)
    storage = _Storage()

    report = _run(mode, sandbox, tmp_path, storage)

    assert storage.puts == 1, storage.puts  # not tried again, for this input or the next
    assert report.halt is not None and report.halted is not None, report.inputs
    assert report.halt.step == "upload" and report.halt.reached_api is False
    assert "certificate" in report.halted, report.halted
    assert [row["status"] for row in manifest_rows(tmp_path / "manifest.sqlite")] == [InputStatus.PENDING] * 2
    assert sandbox.stats.submissions == 0

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)  # no retry_failed

    assert again.counts["succeeded"] == 2, again.inputs
    assert sandbox.stats.submissions == 2


def test_the_command_exits_four_for_an_unverifiable_storage_certificate(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The command exited 5 ("not finished: run the same command again") after MAX_ATTEMPTS uploads per
    input, so a script rerunning on 5 looped for ever. It exits 4 (not reached) at the first failure,
    naming the certificate on stderr."""
    monkeypatch.setattr(_runner_submit, "backoff", lambda attempt, error: 0.0)
    make_audio(tmp_path / "audio", 1)
    storage = _Storage()
    with ExitStack() as stack:
        command_through(sandbox, monkeypatch, stack, storage.check)
        argv = [str(tmp_path / "audio"), "--out", str(tmp_path / "out"), "--poll-interval", "0.05", "-q"]
        code = main([*argv, "--voiceprint", f"Alice={VOICEPRINTS['Alice']}", "--deadline", "10"])

    err = capsys.readouterr().err
    assert storage.puts == 1, storage.puts
    assert "certificate" in err, err
    assert code == 4, err
    assert sandbox.stats.submissions == 0
