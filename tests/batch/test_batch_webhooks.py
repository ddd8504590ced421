"""With a webhook receiver, deliveries finish the batch's jobs; the job list stays the fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from batchkit import make_audio, requests_of, run_batch

from pyannoteai_identify import webhooks
from pyannoteai_identify.batch import BatchReport
from pyannoteai_identify.batch._cli import receiving
from pyannoteai_identify.receiver import WebhookBroker
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.testing import make_delivery, signed_delivery


def _run_with_a_receiver(mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BatchReport:
    """The batch of tmp_path/audio, its deliveries received by the batch's own receiver (polls 30 s apart)."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", sandbox.webhook_secret)
    with receiving("127.0.0.1:0") as listening:
        assert listening is not None
        return run_batch(
            mode,
            sandbox,
            [tmp_path / "audio"],
            tmp_path,
            webhook=f"http://127.0.0.1:{listening.port}/",
            broker=listening.broker,
            poll_interval=30.0,
        )


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_webhook_deliveries_finish_jobs_without_polling_or_fetching(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every result comes from its verified delivery: no GET /v1/jobs/{id} and no status sweep is sent."""
    make_audio(tmp_path / "audio", 4)
    report = _run_with_a_receiver(mode, sandbox, tmp_path, monkeypatch)

    assert report.ok and report.counts["succeeded"] == 4
    served = requests_of(sandbox)
    assert "getJobById" not in served
    assert report.requests.get("status", 0) == 0
    assert served["identify"] == 4
    delivered = {d.job_id for d in sandbox.stats.deliveries if d.outcome == "delivered"}
    assert {item.job_id for item in report.inputs} <= delivered


def test_a_receiver_that_is_never_reached_leaves_polling_to_finish_the_batch(sandbox: Sandbox, tmp_path: Path) -> None:
    """A webhook URL nobody answers changes nothing: the job list and one fetch per job finish the
    run. The jobs it finished are discarded from the broker, as Client.wait discards them: their
    deliveries, coming late, hold no slot and no output."""
    make_audio(tmp_path / "audio", 2)
    broker = WebhookBroker()

    report = run_batch("sync", sandbox, [tmp_path / "audio"], tmp_path, webhook="http://127.0.0.1:9/", broker=broker)

    assert report.ok
    assert requests_of(sandbox)["getJobById"] == 2
    for item in report.inputs:
        body, headers = signed_delivery(make_delivery("identify", job_id=item.job_id), "whsec_late")
        broker.publish(webhooks.parse(body, headers, "whsec_late"))
    assert broker.pending() == 0


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_failed_jobs_delivery_records_the_apis_reason_as_polling_does(
    mode: str, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed job's delivery carries no output, so no reason (as the webhook docs say): the
    manifest must still record the API's output.error, as it does without a receiver (one fetch;
    Client.wait polls once for it too), not "no reason given"."""
    make_audio(tmp_path / "audio", 1)
    sandbox.faults.fail_next_job("Audio too short for identification")
    report = _run_with_a_receiver(mode, sandbox, tmp_path, monkeypatch)

    (item,) = report.inputs
    assert item.status == "failed"
    assert item.reason is not None and "Audio too short for identification" in item.reason


def test_the_batch_receiver_logs_the_count_of_refusals_held_back_when_it_stops(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The batch's receiver ran its app with the ASGI lifespan off, so the app's shutdown never closed
    the receiver: the count of a flood of forged deliveries held back by the rate limit was never
    logged. It is logged when the receiver stops."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", "whsec_batch_receiver")
    body, headers = signed_delivery(
        {"jobId": "job-1", "status": "succeeded", "output": {"voiceprint": "abc"}}, "whsec_batch_receiver"
    )
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), receiving("127.0.0.1:0") as listening:
        assert listening is not None
        with httpx.Client(base_url=f"http://127.0.0.1:{listening.port}", timeout=10) as client:
            for _ in range(25):
                answer = client.post("/", content=body, headers={**headers, "X-Signature": "0" * 64})
                assert answer.status_code == 400
    summaries = [record.getMessage() for record in caplog.records if " more refused " in record.getMessage()]
    assert len(summaries) == 1
    assert summaries[0].startswith("15 more refused webhook deliveries in the last ")
