"""``pyannoteai-identify demo``: the whole identify flow, end to end, on a machine with no account.

It starts the embedded sandbox and a local webhook receiver, synthesises a two-speaker
recording and an enrollment clip per speaker (each speaker is a tone, the sandbox's signal
model), creates both voiceprints, submits identify with a webhook, waits for the signed delivery
(polling as the fallback), and prints who spoke when, checked against the synthesised truth.
With ``--real`` the same flow runs against the real API (it bills; no webhook, since the API
cannot reach this machine).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from ._cli_parser import CLI_APP_INFO
from ._client import Client
from ._config import API_KEY_ENV, DEFAULT_MAX_RETRIES
from ._polling import PollSchedule
from .receiver import WebhookBroker
from .results import IdentifyResult
from .webhooks import WebhookEvent

#: Seconds between the first status checks of a job on the local sandbox (free to poll, unlike the API).
SANDBOX_POLL_INTERVAL = 0.2

#: Tolerance, in seconds, for a turn boundary to count as found (the sandbox frames are 20 ms).
BOUNDARY_TOLERANCE = 0.1

REAL_RUN_NOTICE = (
    f"{API_KEY_ENV} is set. A run against the real pyannoteAI API bills: two voiceprint jobs and one "
    "identify job (identify is billed by audio duration, 20 s minimum). Run "
    "`pyannoteai-identify demo --real` to do that. This run uses the embedded sandbox instead."
)


def check_against_truth(result: IdentifyResult, truth: tuple[tuple[str, float, float], ...]) -> tuple[int, float]:
    """How many true turns were identified with the right label, and the worst boundary error."""
    correct, worst = 0, 0.0
    for label, start, end in truth:
        overlapping = [t for t in result.identification if min(t.end, end) - max(t.start, start) > 0]
        if not overlapping:
            worst = max(worst, end - start)
            continue
        best = max(overlapping, key=lambda t: min(t.end, end) - max(t.start, start))
        worst = max(worst, abs(best.start - start), abs(best.end - end))
        if best.match == label:
            correct += 1
    return correct, worst


class _RecordingBroker(WebhookBroker):
    """A broker that remembers which jobs it heard about, to tell how the result arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def publish(self, event: WebhookEvent) -> None:
        self.seen.add(event.job_id)
        super().publish(event)


def _write_audio(folder: Path) -> tuple[dict[str, Path], Path, tuple[tuple[str, float, float], ...]]:
    from .sandbox import DEMO_TURNS, demo_audio, voice_sample

    speakers = sorted({label for label, _, _ in DEMO_TURNS})
    enrollment = {}
    for label in speakers:
        path = folder / f"{label.lower()}-enrollment.wav"
        path.write_bytes(voice_sample(label, 5.0))
        enrollment[label] = path
    meeting = folder / "meeting.wav"
    meeting.write_bytes(demo_audio())
    return enrollment, meeting, DEMO_TURNS


def run_demo(
    *,
    real: bool,
    console: Any,
    base_url: str | None = None,
    poll_interval: float | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> int:
    """Run the demo; return 0 when the identified turns match the synthesised ones.

    Args:
        real: run against the real API (*api_key*, *base_url*) instead of the sandbox.
        console: a rich console to print to.
        base_url: the API's base URL with *real* (default: ``PYANNOTEAI_BASE_URL``, then the real API).
        poll_interval: seconds between the first status checks (default: 0.2 on the sandbox, the
            client's default with *real*).
        api_key, timeout, max_retries: the client's settings with *real*, as the command line's
            global options give them (the key defaults to ``PYANNOTEAI_API_KEY``).
    """
    from ._cli_errors import CLIError
    from ._cli_output import render_table

    started = time.perf_counter()
    key_set = bool(os.environ.get(API_KEY_ENV, "").strip())
    if real and not (key_set or (api_key and api_key.strip())):
        raise CLIError(f"--real runs against the real API and needs an API key: set {API_KEY_ENV} (or --api-key)")
    if key_set and not real:
        console.print(f"[yellow]{REAL_RUN_NOTICE}[/yellow]")
    with tempfile.TemporaryDirectory(prefix="pyannoteai-demo-") as tmp, contextlib.ExitStack() as stack:
        enrollment, meeting, truth = _write_audio(Path(tmp))
        broker: _RecordingBroker | None = None
        webhook: str | None = None
        if real:
            schedule = None if poll_interval is None else PollSchedule.starting_at(poll_interval)
            client = stack.enter_context(
                Client(
                    api_key=api_key,
                    base_url=base_url,
                    timeout=timeout,
                    max_retries=max_retries,
                    poll_schedule=schedule,
                    app_info=CLI_APP_INFO,
                )
            )
            console.print(f"[bold]Real API[/bold] at {client.base_url}")
        else:
            from ._background_server import BackgroundServer
            from .receiver import asgi_app
            from .sandbox import Sandbox

            sandbox = stack.enter_context(Sandbox(queue_seconds=0.2, job_seconds=1.0, speed=1.0))
            broker = _RecordingBroker()
            app = asgi_app(sandbox.webhook_secret, broker=broker)
            # BackgroundServer runs no lifespan: the receiver is closed after the server stops.
            stack.callback(app.state.receiver.close)
            receiver = stack.enter_context(BackgroundServer(app, name="pyannoteai-demo-receiver"))
            webhook = f"{receiver.base_url}/"
            schedule = PollSchedule.starting_at(poll_interval or SANDBOX_POLL_INTERVAL)
            client = stack.enter_context(
                Client(
                    api_key=sandbox.api_key, base_url=sandbox.base_url, poll_schedule=schedule, app_info=CLI_APP_INFO
                )
            )
            console.print(f"[bold]Sandbox[/bold] at {sandbox.base_url}; webhook receiver at {webhook}")
        console.print(
            f"Synthesised a {max(e for _, _, e in truth):.0f} s two-speaker meeting and a 5 s enrollment clip "
            f"per speaker ({', '.join(enrollment)})."
        )
        voiceprints: dict[str, str] = {}
        for label, path in enrollment.items():
            with console.status(f"creating the voiceprint of {label} (upload, job, wait)"):
                voiceprints[label] = client.create_voiceprint(path, timeout=300)
            console.print(f"  voiceprint of {label}: {len(voiceprints[label])} characters")
        with console.status("uploading the meeting and submitting identify"):
            job = client.identify(meeting, voiceprints, num_speakers=2, webhook=webhook)
        console.print(f"  identify job {job.id} submitted" + (" with a signed webhook" if webhook else ""))
        with console.status("waiting for the result (webhook first, polling as the fallback)"):
            result = client.wait(job, broker=broker, timeout=600)
        if broker is not None:
            how = "the signed webhook, verified by the local receiver" if job.id in broker.seen else "polling"
            console.print(f"  result received through {how}")
    render_table(result, console, title="Who spoke when")
    elapsed = time.perf_counter() - started
    if real:
        console.print(f"Done in {elapsed:.1f} s.")
        return 0
    correct, worst = check_against_truth(result, truth)
    verdict = "[green]matches[/green]" if correct == len(truth) else "[red]does not match[/red]"
    console.print(
        f"The result {verdict} the synthesised truth: {correct}/{len(truth)} turns identified, "
        f"boundaries within {worst:.2f} s. Done in {elapsed:.1f} s."
    )
    return 0 if correct == len(truth) and worst <= BOUNDARY_TOLERANCE else 1
