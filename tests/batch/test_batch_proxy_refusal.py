"""A proxy refusing the tunnel (407: its credentials; 403: its allow list) does not heal by waiting:
wherever the batch meets it (an upload, the anchor read before a submission, a submission, the
reconciliation's read of the job list, a status sweep, a result fetch) it ends the run as a 401
there does, every input kept in a state a rerun resumes from without --retry-failed or a second job."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from batchkit import (
    MODES,
    VOICEPRINTS,
    command_through,
    interrupt_every_submission_long_ago,
    make_audio,
    manifest_rows,
    run_batch,
    tapped,
)

from pyannoteai_identify.batch import BatchReport, InputStatus, main
from pyannoteai_identify.errors import APIConnectionError
from pyannoteai_identify.sandbox import Sandbox

#: What a request does to the proxy's refusals so far: True refuses it.
Refuse = Callable[[httpx.Request], bool]


class _Proxy:
    """Refuses (as httpcore says a CONNECT answered 407) the requests *refuse* picks; the rest reach the sandbox."""

    def __init__(self, refuse: Refuse) -> None:
        self.refuse = refuse
        self.refused: list[str] = []
        self.identified = False

    def check(self, request: httpx.Request) -> None:
        if self.refuse(request):
            self.refused.append(f"{request.method} {request.url.path}")
            raise httpx.ProxyError("407 Proxy Authentication Required", request=request)

    def saw(self, request: httpx.Request, response: httpx.Response) -> None:
        if request.method == "POST" and request.url.path == "/v1/identify" and response.status_code < 300:
            self.identified = True


def _run(mode: str, sandbox: Sandbox, tmp_path: Path, proxy: _Proxy, **options: Any) -> BatchReport:
    # A deadline far above the run's own work: without the refusal the job ends within milliseconds.
    transport = tapped(mode, proxy.check, proxy.saw)
    return run_batch(
        mode,
        sandbox,
        [tmp_path / "audio"],
        tmp_path,
        max_retries=1,
        request_timeout=None,
        transport=transport,
        timeout=5,
        **options,
    )


def _sweeps_after_the_submission(proxy: _Proxy) -> Refuse:
    return lambda request: proxy.identified and request.method == "GET" and request.url.path == "/v2/jobs"


def _result_reads(proxy: _Proxy) -> Refuse:
    return lambda request: request.method == "GET" and request.url.path.startswith("/v1/jobs/")


@pytest.mark.parametrize("refused", [_sweeps_after_the_submission, _result_reads], ids=["sweep", "fetch"])
@pytest.mark.parametrize("mode", MODES)
def test_a_proxy_refusing_the_tunnel_ends_the_run_and_a_rerun_resumes(
    mode: str, refused: Callable[[_Proxy], Refuse], sandbox: Sandbox, tmp_path: Path
) -> None:
    """A proxy's refusal of a sweep's ``GET /v2/jobs`` was taken for an outage of the job list: the run
    warned at every sweep until its deadline and returned as if the jobs were still running; one of a
    result's ``GET /v1/jobs/{id}`` left the job for the next run, which the proxy refuses again. Like a
    401 there, the refusal now ends the run at once with the client's error (naming the proxy); the
    input stays submitted with its job, and a rerun through an accepting proxy collects it unbilled."""
    make_audio(tmp_path / "audio", 1)
    proxy = _Proxy(lambda request: False)
    proxy.refuse = refused(proxy)

    with pytest.raises(APIConnectionError) as caught:
        _run(mode, sandbox, tmp_path, proxy)

    assert caught.value.proxy_refused is True
    assert "proxy" in str(caught.value) and "407" in str(caught.value)
    assert len(proxy.refused) == 1, proxy.refused  # ended at the first refusal, not retried per sweep
    [row] = manifest_rows(tmp_path / "manifest.sqlite")
    assert row["status"] == InputStatus.SUBMITTED and row["job_id"] is not None

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)

    assert again.counts["succeeded"] == 1
    assert sandbox.stats.submissions == 1


def _uploads(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/v1/media/input"


def _submissions(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path == "/v1/identify"


def _job_list(request: httpx.Request) -> bool:
    return request.method == "GET" and request.url.path == "/v2/jobs"


def _assert_refused_once(proxy: _Proxy, said: str) -> None:
    assert len(proxy.refused) == 1, proxy.refused  # not tried again (per input, after a pause)
    assert "proxy" in said and "407" in said, said


def _assert_a_rerun_resumes(mode: str, sandbox: Sandbox, tmp_path: Path, inputs: int, billed: int) -> None:
    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)  # no retry_failed, no resubmit_uncertain
    assert again.counts["succeeded"] == inputs, again.inputs
    assert sandbox.stats.submissions == billed


@pytest.mark.parametrize("refused", [_uploads, _submissions], ids=["upload", "submission"])
@pytest.mark.parametrize("mode", MODES)
def test_a_proxy_refusing_an_upload_or_a_submission_stops_submitting_and_keeps_the_inputs_pending(
    mode: str, refused: Refuse, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A refused ``POST /v1/media/input`` was taken for a transient fault: tried MAX_ATTEMPTS times
    with pauses, then the input was marked failed ("upload failed ... times"), so a rerun skipped it
    without --retry-failed although nothing reached storage. A refused ``POST /v1/identify`` (not
    sent: the tunnel never opened) was tried again after a pause, MAX_ATTEMPTS times for every input.
    Like a 401 there, the first refusal of either now stops submitting for the whole run; the inputs
    stay pending, and a rerun uploads and submits each once."""
    make_audio(tmp_path / "audio", 2)
    proxy = _Proxy(refused)

    report = _run(mode, sandbox, tmp_path, proxy, concurrency=1)

    _assert_refused_once(proxy, report.halted or "")
    assert [row["status"] for row in manifest_rows(tmp_path / "manifest.sqlite")] == [InputStatus.PENDING] * 2
    assert sandbox.stats.submissions == 0
    _assert_a_rerun_resumes(mode, sandbox, tmp_path, inputs=2, billed=2)


@pytest.mark.parametrize("mode", MODES)
def test_a_proxy_refusing_the_anchor_read_before_a_submission_ends_the_run(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """The job list read before the first submission (its anchor) backed off and was read again for
    every input, MAX_ATTEMPTS times each. Like a 401 there, the refusal now ends the run with the
    client's error; nothing was marked, so the input stays pending for a rerun."""
    make_audio(tmp_path / "audio", 1)
    proxy = _Proxy(_job_list)

    with pytest.raises(APIConnectionError) as caught:
        _run(mode, sandbox, tmp_path, proxy)

    assert caught.value.proxy_refused is True
    _assert_refused_once(proxy, str(caught.value))
    [row] = manifest_rows(tmp_path / "manifest.sqlite")
    assert row["status"] == InputStatus.PENDING and row["job_id"] is None
    assert sandbox.stats.submissions == 0
    _assert_a_rerun_resumes(mode, sandbox, tmp_path, inputs=1, billed=1)


@pytest.mark.parametrize("mode", MODES)
def test_a_proxy_refusing_the_reconciliations_read_ends_the_run_with_the_input_still_submitting(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """An interrupted submission is settled against the job list; a refused read of it was noted
    ("could not be read ...; run again") and read again in every round of the run. Like a 401
    there, the refusal now ends the run with the client's error, the input still ``submitting`` (never
    resent unproven), and a rerun through an accepting proxy settles and submits it once."""
    make_audio(tmp_path / "audio", 1)
    run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    interrupt_every_submission_long_ago(tmp_path / "manifest.sqlite")
    (tmp_path / "out" / "rec000.json").unlink(missing_ok=True)
    proxy = _Proxy(_job_list)

    with pytest.raises(APIConnectionError) as caught:
        _run(mode, sandbox, tmp_path, proxy)

    assert caught.value.proxy_refused is True
    _assert_refused_once(proxy, str(caught.value))
    [row] = manifest_rows(tmp_path / "manifest.sqlite")
    assert row["status"] == InputStatus.SUBMITTING
    assert sandbox.stats.submissions == 1
    _assert_a_rerun_resumes(mode, sandbox, tmp_path, inputs=1, billed=2)


@pytest.mark.parametrize("mode", MODES)
def test_after_a_refused_submission_no_input_waiting_to_submit_is_sent(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Submissions are sent one at a time; with several workers, the inputs already uploaded and
    waiting for their turn were sent after the refusal had stopped submitting for the run (one more
    refused POST each). Once submitting stops, no waiting input is sent."""
    make_audio(tmp_path / "audio", 4)
    proxy = _Proxy(_submissions)

    report = _run(mode, sandbox, tmp_path, proxy, concurrency=4)

    _assert_refused_once(proxy, report.halted or "")
    assert [row["status"] for row in manifest_rows(tmp_path / "manifest.sqlite")] == [InputStatus.PENDING] * 4


def _cli_through(proxy: _Proxy, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, stack: ExitStack) -> None:
    """The command's client sends through *proxy*."""
    command_through(sandbox, monkeypatch, stack, proxy.check, proxy.saw)


@pytest.mark.parametrize(
    "refused",
    [lambda proxy: _uploads, lambda proxy: _submissions, _sweeps_after_the_submission, _result_reads],
    ids=["upload", "submission", "sweep", "fetch"],
)
def test_the_command_exits_four_for_a_proxy_refusal_wherever_it_is_met(
    refused: Callable[[_Proxy], Refuse],
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same cause gave two exit codes: a refused upload or submission halted the run and exited 3
    ("the API refused the key or the account"), a refused sweep or fetch exited 4 ("the API could not
    be reached"). Nothing reached the API in either case: exit 4 wherever it is met, with the proxy's
    refusal named on stderr."""
    make_audio(tmp_path / "audio", 1)
    proxy = _Proxy(lambda request: False)
    proxy.refuse = refused(proxy)
    with ExitStack() as stack:
        _cli_through(proxy, sandbox, monkeypatch, stack)
        argv = [str(tmp_path / "audio"), "--out", str(tmp_path / "out"), "--poll-interval", "0.05", "-q"]
        code = main([*argv, "--voiceprint", f"Alice={VOICEPRINTS['Alice']}", "--deadline", "10"])

    err = capsys.readouterr().err
    assert len(proxy.refused) == 1, proxy.refused
    assert "proxy" in err and "407" in err, err
    assert code == 4, err


_HALTS = {
    # cause: (error, status, step, reached_api, a word of its message)
    "402": ("PaymentRequiredError", 402, "submit", True, "402"),
    "proxy": ("APIConnectionError", None, "upload", False, "407"),
}


@pytest.mark.parametrize("cause", list(_HALTS))
@pytest.mark.parametrize("mode", MODES)
def test_the_report_says_why_submitting_halted_and_at_which_input(
    mode: str, cause: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A halted run's report gave only ``halted``, a sentence: no error type, no status, no input it
    was met at, so a program could not tell a 402 (pay) from a 401 (key) from a proxy's refusal
    without parsing text. ``report.halt`` says each: the error, its HTTP status (none for a proxy's
    refusal: the API was not reached), its message (no key in it) and the input it was met at."""
    make_audio(tmp_path / "audio", 2)
    if cause == "402":
        sandbox.faults.next(1, "402", operation="identify")
        report = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)
    else:
        report = _run(mode, sandbox, tmp_path, _Proxy(_uploads), concurrency=1)

    halt = report.halt
    assert halt is not None
    error, status, step, reached_api, word = _HALTS[cause]
    assert (halt.error, halt.status_code, halt.step, halt.reached_api) == (error, status, step, reached_api)
    assert halt.name == "rec000" and halt.source == str(tmp_path / "audio" / "rec000.wav")
    assert word in halt.message and sandbox.api_key not in halt.message + str(halt) + repr(halt)
    assert "rec000" in str(halt) and error in str(halt)


def test_the_command_names_the_halt_cause_and_the_input_it_was_met_at(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``stopped submitting: ...`` said the refusal but not where it was met: the input, the step
    (upload or submission) and the error's type are now named on the lines after it."""
    make_audio(tmp_path / "audio", 2)
    with ExitStack() as stack:
        _cli_through(_Proxy(_uploads), sandbox, monkeypatch, stack)
        argv = [str(tmp_path / "audio"), "--out", str(tmp_path / "out"), "--concurrency", "1", "-q"]
        main([*argv, "--voiceprint", f"Alice={VOICEPRINTS['Alice']}", "--deadline", "10"])

    err = capsys.readouterr().err
    block = err[err.index("stopped submitting") :].split("inputs did not succeed")[0]
    assert "rec000.wav" in block and "upload" in block and "APIConnectionError" in block, err


def _storage_puts(request: httpx.Request) -> bool:
    return request.method == "PUT"


@pytest.mark.parametrize("mode", MODES)
def test_a_proxy_refusing_the_tunnel_to_the_storage_stops_submitting_and_keeps_the_input_pending(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """A proxy whose allow list lets the API through but not the media storage refuses each PUT to a
    presigned URL. That refusal was not marked as a proxy's (``proxy_refused`` False): taken for a lost
    connection, it was tried MAX_ATTEMPTS times per input with pauses, then the input was marked failed,
    so a rerun skipped it without --retry-failed. It stops submitting at the first refusal, as the
    same refusal of ``POST /v1/media/input`` does, and the halt says the API was not reached."""
    make_audio(tmp_path / "audio", 2)
    proxy = _Proxy(_storage_puts)

    report = _run(mode, sandbox, tmp_path, proxy, concurrency=1)

    _assert_refused_once(proxy, report.halted or "")
    assert report.halt is not None and report.halt.reached_api is False
    assert [row["status"] for row in manifest_rows(tmp_path / "manifest.sqlite")] == [InputStatus.PENDING] * 2
    assert sandbox.stats.submissions == 0


def test_a_deadline_met_as_submitting_halts_still_exits_four_for_a_proxy_refusal(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The halt's sentence (``halted``) was set, then the manifest was read for the input it was met
    at, and only then its cause (``halt``): a deadline or a Ctrl-C landing on that read left ``halt``
    None, and the command exited 3 ("the API refused") for a proxy's refusal, which never reached
    the API. The cause is set with the sentence, at once: the command exits 4 and names the input."""
    from pyannoteai_identify.batch import _runner
    from pyannoteai_identify.batch._manifest import Manifest

    store = _runner.Engine._store

    async def cancelled_once_halted(self: _runner.Engine, call: Callable[..., Any], *args: Any) -> Any:
        if self.halted is not None and getattr(call, "__func__", None) is Manifest.get and self._group is not None:
            self._group.cancel_scope.cancel()  # what the deadline does, landing here
            await anyio.sleep(0)
        return await store(self, call, *args)

    monkeypatch.setattr(_runner.Engine, "_store", cancelled_once_halted)
    make_audio(tmp_path / "audio", 2)
    with ExitStack() as stack:
        _cli_through(_Proxy(_uploads), sandbox, monkeypatch, stack)
        argv = [str(tmp_path / "audio"), "--out", str(tmp_path / "out"), "--concurrency", "1", "-q"]
        code = main([*argv, "--voiceprint", f"Alice={VOICEPRINTS['Alice']}", "--deadline", "10"])

    err = capsys.readouterr().err
    assert code == 4, err
    assert "met at the upload of" in err and "APIConnectionError" in err, err


@pytest.mark.parametrize("mode", MODES)
def test_an_input_a_halted_run_never_tried_shows_this_runs_halt_not_an_earlier_runs_reason(
    mode: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    """Yesterday's run met a 402 at rec001 (rec000, empty, failed); today rec000 is fixed and a
    proxy refuses its upload, so submitting halts before rec001 is tried. rec001's reason in the
    report and ``summary.csv`` was still yesterday's 402 (its stored reason won over the run's halt),
    sending the operator to pay when the proxy is what stopped it. An input this run never tried
    shows why this run did not send it: the halt."""
    (tmp_path / "audio").mkdir()
    (tmp_path / "audio" / "rec000.wav").write_bytes(b"")
    make_audio(tmp_path / "audio", 1, start=1)
    sandbox.faults.next(1, "402", operation="identify")
    yesterday = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, concurrency=1)
    assert yesterday.halt is not None and yesterday.halt.status_code == 402 and yesterday.halt.name == "rec001"
    make_audio(tmp_path / "audio", 1)  # rec000 fixed: pending again, tried first

    report = _run(mode, sandbox, tmp_path, _Proxy(_uploads), concurrency=1)

    assert report.halt is not None and report.halt.name == "rec000" and report.halted is not None
    reasons = {item.name: item.reason for item in report.inputs}
    assert reasons == {"rec000": report.halted, "rec001": report.halted}, reasons
    yesterdays = next(item.reason for item in yesterday.inputs if item.name == "rec001")
    summary = (tmp_path / "out" / "summary.csv").read_text()
    assert yesterdays and yesterdays not in summary, summary  # not "402" alone: a port may hold those digits
