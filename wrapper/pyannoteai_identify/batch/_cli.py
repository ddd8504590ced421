"""``pyannoteai-identify batch``: the batch engine on the command line, with progress and a summary.

``main(argv) -> int`` parses the batch's own arguments (everything after ``batch``). To let the
top-level parser own them instead, call ``add_arguments(subparser, standalone=False)`` and run
the parsed namespace with ``run(args)``. The exit code is 0 only when every input succeeded, 5 when
the others were only left unfinished (``--deadline``, an interrupted submission not settled yet, an
upload that met only temporary errors), 1 when one failed; a halted run exits 3 (the API
refused the key or the account) or 4 (a proxy refused the tunnel, or a TLS certificate could not
be verified: the API or the media storage was not reached), and
a key check that met only server errors or 429s exits 3 too; a run ended by the local machine once
it had begun (an OS error: a file that cannot be read or written) exits 7, as the other commands do,
while an ``--out`` or ``--manifest`` whose folder cannot be created or written is a bad argument,
met before anything is sent: 2 (``EXIT_CODES`` says each code).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import sqlite3
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import errors
from .._cli_checks import check_job_options
from .._cli_client import warn_if_secret_in_argv
from .._cli_errors import (
    API_ERROR,
    BATCH_LOCAL_ERROR,
    BATCH_UNFINISHED,
    BROKEN_PIPE,
    CONNECTION,
    FAILED,
    INTERRUPTED,
    OK,
    TERMINATED,
    TIMEOUT,
    UNREADABLE,
    USAGE,
    CLIError,
    error_message,
    exit_code,
    exit_codes_help,
    options_named,
    shown_argument,
    stopped,
    timeout_state,
    words_for,
)
from .._cli_logging import VERBOSE_HELP, command_logging
from .._cli_numbers import whole_number
from .._cli_output import (
    has_rich,
    interactive,
    rich_console,
    silence_stdout,
)
from .._cli_parser import (
    CLI_APP_INFO,
    add_job_options,
    positive_seconds,
    retry_count,
    seconds_up_to_a_day,
)
from .._cli_voiceprints import (
    announce_enrollment,
    check_voiceprint_sources,
    enrolled_voiceprint,
    parse_voiceprint_arg,
    read_voiceprint_sources,
    submit_enrollment,
)
from .._client import Client
from .._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_MAX_RETRIES, DEFAULT_WAIT_TIMEOUT, WEBHOOK_SECRET_ENV
from .._validation import Matching, ascii_int
from ._api import check_writable, discover_inputs, identify_batch, make_manifest_folder
from ._inputs import shown_source
from ._manifest import InputStatus, Manifest, ManifestError
from ._report import BatchProgress, BatchReport
from ._settings import check_concurrency

__all__ = ["EXIT_CODES", "Listening", "add_arguments", "main", "receiving", "run"]

#: The command's exit codes, said so by its ``--help`` (and ``pyannoteai-identify batch --help``) and
#: by docs/batch.md's table (tests/batch/test_batch_cli.py keeps the three alike).
EXIT_CODES = {
    OK: "every input succeeded",
    FAILED: "an input failed, expired or is uncertain (each input that did not succeed is listed with its reason)",
    USAGE: "bad arguments (nothing sent; an --out or --manifest whose folder cannot be created or written "
    "included), or a manifest in use, started with other settings or that cannot be written",
    API_ERROR: "the API refused the key or the account, or answered a server error or a 429 that outlasted the "
    "retries where the run cannot go on without it (the key check): run again later",
    CONNECTION: "the API or the media storage could not be reached (a proxy refused the tunnel, or a TLS certificate "
    "could not be verified, wherever the run met it)",
    TIMEOUT: BATCH_UNFINISHED,
    UNREADABLE: BATCH_LOCAL_ERROR,
    INTERRUPTED: "interrupted (run the same command again to resume)",
    BROKEN_PIPE: "the reader of standard output went away (a pipe such as head; the manifest and the results "
    "are complete)",
    TERMINATED: "terminated by SIGTERM (run the same command again to resume)",
}
DEFAULT_MANIFEST = "batch-manifest.sqlite"
DEFAULT_POLL_INTERVAL = 5.0
_LISTEN_TIMEOUT = 10.0


def add_arguments(parser: argparse.ArgumentParser, *, standalone: bool = True) -> argparse.ArgumentParser:
    """Add the batch command's arguments to *parser*.

    With ``standalone=False`` the connection and display options (``--base-url``, ``--api-key``,
    ``--timeout``, ``--max-retries``, ``--poll-interval``, ``-q``, ``-v``, ``--debug``) are left to the
    parent parser, which must define them with the same names (the top-level command does).
    """
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="audio files, folders (searched recursively), URLs, or .txt lists"
    )
    parser.add_argument(
        "--voiceprint",
        action="append",
        required=True,
        type=parse_voiceprint_arg,
        metavar="LABEL=VALUE",
        help="a voiceprint string, a text file holding one, or an audio file to enrol once (repeat per speaker)",
    )
    parser.add_argument("--out", required=True, help="folder for NAME.json, NAME.rttm and summary.csv")
    parser.add_argument("--manifest", help=f"the batch's state file (default: OUT/{DEFAULT_MANIFEST})")
    parser.add_argument(
        "--concurrency", type=whole_number, default=8, help="uploads in flight at once, 1-64 (default 8)"
    )
    add_job_options(parser)
    parser.add_argument("--retry-failed", action="store_true", help="submit again inputs whose job failed")
    parser.add_argument(
        "--resubmit-expired", action="store_true", help="submit again inputs whose results expired unfetched"
    )
    parser.add_argument(
        "--adopt-uncertain",
        action="store_true",
        help="give an uncertain input the one unknown job created right after its submission (bills nothing)",
    )
    parser.add_argument(
        "--resubmit-uncertain",
        action="store_true",
        help="submit again inputs whose interrupted submission may have created a job (may bill twice)",
    )
    parser.add_argument("--webhook", help="a public URL the API reports each finished job to")
    parser.add_argument(
        "--listen",
        metavar="HOST:PORT",
        help=f"receive the deliveries here, on the --webhook URL's path (verified with {WEBHOOK_SECRET_ENV}); "
        "polling stays the fallback",
    )
    parser.add_argument(
        "--deadline",
        type=positive_seconds,
        metavar="S",
        help="stop after this many seconds (default 48 h); exit 5 if inputs were still running: run again to resume",
    )
    if standalone:
        parser.add_argument("--base-url", help=f"API base URL (default: {BASE_URL_ENV} or https://api.pyannote.ai)")
        parser.add_argument("--api-key", help=f"API key (default: {API_KEY_ENV}; prefer the environment variable)")
        parser.add_argument("--timeout", type=seconds_up_to_a_day, help="seconds per HTTP request (default 30)")
        parser.add_argument(
            "--max-retries", type=retry_count, default=DEFAULT_MAX_RETRIES, help="retries of a safe read (default 3)"
        )
        parser.add_argument(
            "--poll-interval", type=seconds_up_to_a_day, metavar="S", help="shortest seconds between status sweeps"
        )
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress display (warnings still show)")
        parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
        parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyannoteai-identify batch",
        description="Identify known speakers in many files, resumably: run the same command again after any "
        "interruption; no input is ever submitted twice.",
        epilog=exit_codes_help(EXIT_CODES),
    )
    return add_arguments(parser)


# --- voiceprints ---------------------------------------------------------------------------------


def _voiceprints(client: Client, sources: Sequence[tuple[str, str | Path]], manifest_path: str) -> dict[str, str]:
    """Label → voiceprint; an audio file is enrolled once and its voiceprint kept in the manifest."""
    voiceprints: dict[str, str] = {}
    for label, source in sources:
        if isinstance(source, Path):
            digest = hashlib.sha256(source.read_bytes()).hexdigest()
            with Manifest(manifest_path) as state:
                cached = state.get_meta(f"voiceprint:{digest}")
                if cached is None:
                    cached = _enroll(client, state, label, source, digest)
                    state.set_meta(f"voiceprint:{digest}", cached)
            voiceprints[label] = cached
        else:
            voiceprints[label] = source
    return voiceprints


def _enroll(client: Client, state: Manifest, label: str, source: Path, digest: str) -> str:
    """The voiceprint of *source*, from the voiceprint job a run before this one submitted for it (an
    interrupted run is resumed, not billed again) or from a new one, recorded before it is waited for."""
    job_key = f"voiceprint-job:{digest}"
    recorded = state.get_meta(job_key)
    if recorded is not None:
        resumed = f"waiting for voiceprint job {recorded} (enrolling {label}, submitted by an earlier run)"
        print(resumed, file=sys.stderr)
        try:
            return client.wait(recorded, kind="voiceprint").voiceprint
        except (errors.JobError, errors.ValidationError) as ended:  # ended without a voiceprint, or not a job id
            print(f"voiceprint job {recorded} gave no voiceprint ({ended}); enrolling {label} again", file=sys.stderr)
    job = submit_enrollment(client, label, source)
    try:
        state.set_meta(job_key, job.id)
    finally:  # recorded first (a signal sent on reading the line finds it), said even if it could not be
        announce_enrollment(job, label)
    return enrolled_voiceprint(client, job, label, source)


def _check_args(args: argparse.Namespace, sources: Sequence[tuple[str, str | Path]]) -> Matching | None:
    """Refuse bad arguments before an audio voiceprint is enrolled (an upload and a billed job);
    ``identify_batch`` checks them again, but only after that."""
    check_voiceprint_sources(sources)
    matching = check_job_options(args)  # identify's job options, checked as identify checks them
    with options_named({"concurrency": "--concurrency", "listen": "--listen"}):
        check_concurrency(args.concurrency)
        if args.listen is not None:
            listen_address(args.listen)
    if args.listen is not None:
        if not args.webhook:
            raise CLIError("--listen needs --webhook URL, where the API posts the deliveries: none would reach it")
        if not os.environ.get(WEBHOOK_SECRET_ENV, "").strip():
            raise CLIError(
                f"--listen needs the webhook secret to verify deliveries: set {WEBHOOK_SECRET_ENV} "
                "(the pyannoteAI dashboard shows it on the Webhooks page)"
            )
    out = Path(args.out)
    try:  # exists() raises for a name too long (ENAMETOOLONG) or a folder this user cannot search (EACCES)
        if out.exists() and not out.is_dir():
            raise CLIError(f"--out {args.out}: is a file; give a folder")
    except OSError as error:
        raise CLIError(f"--out {args.out}: cannot be used ({error.strerror or error})") from None
    return matching


# --- display -------------------------------------------------------------------------------------


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@contextlib.contextmanager
def _progress_display(enabled: bool) -> Iterator[Callable[[BatchProgress], None] | None]:
    """A rich progress bar on stderr (done + failed of total) with the stage counts and the ETA."""
    if not enabled:  # interactive() is False without rich
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stages]}"),
        console=Console(file=sys.stderr),
        transient=True,
    ) as display:
        task = display.add_task("batch", total=None, stages="starting")

        def update(progress: BatchProgress) -> None:
            stages = (
                f"uploaded {progress.uploaded} · submitted {progress.submitted} · running {progress.running} · "
                f"done {progress.done} · failed {progress.failed} · ETA {_eta(progress.eta)}"
            )
            display.update(task, total=progress.total, completed=progress.done + progress.failed, stages=stages)

        yield update


def _print_summary(report: BatchReport, words: Callable[[str], str]) -> None:
    """The summary table on stdout (rich when installed, else the CSV, which is data: as written to
    summary.csv), then the failures on stderr; *words* says a reason's advice to a Python caller
    (``client.jobs()``) as this command's user acts on it, as its log lines do."""
    if not has_rich():
        sys.stdout.write(report.to_csv())
        _print_totals(report, print, words)
        return
    from rich.table import Table
    from rich.text import Text  # names, labels and reasons are data, never markup

    console = rich_console()  # the command line's: a line is never wrapped, a broken pipe is quiet
    table = Table(title=f"pyannoteai-identify batch — {len(report.inputs)} inputs")
    table.add_column("input")
    table.add_column("status")
    table.add_column("speakers")
    for label in report.labels:
        table.add_column(Text(f"{label} (s)"), justify="right")
    table.add_column("reason", overflow="fold")
    for item in report.inputs:
        succeeded = item.status == InputStatus.SUCCEEDED
        table.add_row(
            Text(item.name),
            item.status.value,
            Text(", ".join(item.speakers) if succeeded else ""),
            *[f"{item.talk_time.get(label, 0.0):.1f}" if succeeded else "" for label in report.labels],
            Text(words(item.reason or "") if not succeeded else ""),
        )
    console.print(table)
    _print_totals(report, lambda line: console.print(Text(line)), words)


def _print_totals(report: BatchReport, show: Callable[[str], object], words: Callable[[str], str]) -> None:
    counts = ", ".join(f"{count} {status}" for status, count in report.counts.items() if count)
    show(f"{counts}; {report.total_requests} API requests in {report.elapsed:.1f} s; summary: {report.summary_csv}")
    failures = report.failures
    if report.halted:
        print(f"stopped submitting: {words(report.halted)}", file=sys.stderr)
    if report.halt is not None:
        halt = report.halt
        status = f", HTTP {halt.status_code}" if halt.status_code else ""
        what = "upload" if halt.step == "upload" else "submission"
        print(f"  met at the {what} of {halt.source} ({halt.error}{status})", file=sys.stderr)
    if failures:
        print(f"{len(failures)} of {len(report.inputs)} inputs did not succeed:", file=sys.stderr)
        for item in failures:
            shown = shown_source(item.source)
            print(f"  {shown}: {item.status.value} — {words(item.reason or 'no reason recorded')}", file=sys.stderr)


# --- webhook receiver ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listening:
    """A running webhook receiver: the broker it publishes verified deliveries to, and its port."""

    broker: Any
    port: int


@contextlib.contextmanager
def receiving(listen: str | None, path: str = "/") -> Iterator[Listening | None]:
    """Serve the webhook receiver on HOST:PORT (port 0: any free one) and *path*, in a thread; None
    without *listen*.

    Deliveries are verified with ``PYANNOTEAI_WEBHOOK_SECRET``; the server stops on exit.
    """
    if listen is None:
        yield None
        return
    import uvicorn

    from ..receiver import WebhookBroker, asgi_app

    host, port = listen_address(listen)
    broker = WebhookBroker(max_pending=4096)
    app = asgi_app(broker=broker, path=path)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", log_config=None)
    )

    def serve() -> None:
        with contextlib.suppress(SystemExit):  # uvicorn ends its thread so when it cannot listen: said below
            server.run()

    thread = threading.Thread(target=serve, name="pyannoteai-batch-receiver", daemon=True)
    # uvicorn logs why it could not start ("[Errno 98] error while attempting to bind on address …")
    # before ending its thread; the command says it once, in its own error, so it is held back here.
    held = _StartupErrors()
    uvicorn_logger = logging.getLogger("uvicorn.error")
    uvicorn_logger.addFilter(held)
    try:
        thread.start()
        deadline = time.monotonic() + _LISTEN_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        uvicorn_logger.removeFilter(held)
    try:
        if not server.started:
            why = held.messages[-1] if held.messages else "in use?"
            raise errors.ConfigurationError(f"--listen {listen}: the webhook receiver could not listen there ({why})")
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield Listening(broker, int(bound))
    finally:
        server.should_exit = True
        thread.join(_LISTEN_TIMEOUT)
        app.state.receiver.close()  # the lifespan is off: the count of refusals held back, logged here


class _StartupErrors(logging.Filter):
    """Keeps the messages of the error records uvicorn logs while it starts, instead of printing them."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        self.messages.append(record.getMessage())
        return False


def listen_address(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` as (host, port); port 0 means any free one."""
    host, _, port_text = listen.rpartition(":")
    port = ascii_int(port_text)
    if not host or port is None or not port < 65536:
        raise errors.ValidationError("listen", listen, "must be HOST:PORT, e.g. 127.0.0.1:8787")
    return host, port


# --- entry points --------------------------------------------------------------------------------


def _exit_code(error: BaseException) -> int:
    """The command's exit codes, plus 2 for a manifest in use or started with other settings. An OS
    error that ends the run is the local machine's, not an input's (an unreadable input fails on its
    own): 7, as for the other commands, never 1, which says that an input failed."""
    if isinstance(error, ManifestError):
        return USAGE
    return exit_code(error)


#: Where an input stands when the run ended before it did (the --deadline, an interrupted
#: submission the job list could not settle yet, an upload that met only temporary errors): the
#: next run resumes it.
_UNFINISHED = frozenset({InputStatus.PENDING, InputStatus.SUBMITTING, InputStatus.SUBMITTED})


def _outcome(report: BatchReport) -> int:
    """The exit code of a finished run: a halt, then a failure (which needs a person), then inputs left
    unfinished (5, as identify's --wait-timeout: run again to resume).

    A halt exits as its error would anywhere else in the run: 3 when the API refused (a 401, a 402),
    4 when the API was not reached (a proxy refused the tunnel, as at a sweep or a fetch, which end
    the run with that error, or a TLS certificate could not be verified, as the media storage's at
    an upload)."""
    if report.halted is not None:
        return CONNECTION if report.halt is not None and not report.halt.reached_api else API_ERROR
    if report.ok:
        return OK
    return TIMEOUT if all(item.status in _UNFINISHED for item in report.failures) else FAILED


def run(args: argparse.Namespace) -> int:
    """Run a parsed batch command line; return the exit code."""
    try:
        out = Path(args.out)
        manifest = args.manifest or os.fspath(out / DEFAULT_MANIFEST)
        sources = read_voiceprint_sources(args.voiceprint)
        matching = _check_args(args, sources)
        warn_if_secret_in_argv("--api-key", args.api_key, API_KEY_ENV)
        client = Client(
            api_key=args.api_key,
            base_url=args.base_url,
            timeout=args.timeout,
            max_retries=getattr(args, "max_retries", DEFAULT_MAX_RETRIES),
            app_info=CLI_APP_INFO,
        )
        # The receiver serves the path the API posts to (a reverse proxy in front keeps it); it
        # listens before any voiceprint is enrolled, so an address in use costs nothing.
        path = unquote(urlsplit(args.webhook).path or "/") if args.webhook else "/"  # routed decoded
        with client, receiving(args.listen, path) as listening:
            # Before a clip is enrolled (billed), and --out before the manifest's folder is made (the
            # default manifest is in it): a path that cannot be used is a bad argument (exit 2).
            with options_named({"out": "--out", "manifest": "--manifest"}):
                check_writable(out.absolute(), args.out)
                make_manifest_folder(manifest, manifest)
            # Likewise: a missing input, or none that is audio. The batch runs on what is found here:
            # an input gone while a voiceprint is enrolled fails on its own, and the others go on.
            found = discover_inputs(args.inputs, manifest)
            voiceprints = _voiceprints(client, sources, manifest)
            live = interactive(args)
            with _progress_display(live) as on_progress:
                report = identify_batch(
                    client,
                    found or args.inputs,  # none: the manifest's inputs, of an earlier run
                    voiceprints,
                    manifest=manifest,
                    out=out,
                    concurrency=args.concurrency,
                    num_speakers=args.num_speakers,
                    matching=matching,
                    confidence=args.confidence,
                    exclusive=args.exclusive,
                    turn_level_confidence=args.turn_level_confidence,
                    webhook=args.webhook,
                    model=args.model,
                    broker=None if listening is None else listening.broker,
                    retry_failed=args.retry_failed,
                    resubmit_expired=args.resubmit_expired,
                    resubmit_uncertain=args.resubmit_uncertain,
                    adopt_uncertain=args.adopt_uncertain,
                    poll_interval=args.poll_interval or DEFAULT_POLL_INTERVAL,
                    timeout=args.deadline,
                    on_progress=on_progress,
                )
        _print_summary(report, words_for(args.base_url))
        return _outcome(report)
    except KeyboardInterrupt as interrupt:
        word, stop_code = stopped(interrupt)
        print(f"{word}; run the same command again to resume", file=sys.stderr)
        return stop_code
    except BrokenPipeError:  # the reader of the summary went away (`| head`); the manifest has it all
        silence_stdout()
        return BROKEN_PIPE
    except sqlite3.Error as error:
        if args.debug:
            traceback.print_exc()
        print(
            f"error: the manifest could not be written ({error}); free space or fix permissions, then run the "
            "same command again to resume",
            file=sys.stderr,
        )
        return USAGE
    except errors.WaitTimeoutError as error:  # only an enrollment waits so (identify_batch has its --deadline)
        if args.debug:
            traceback.print_exc()
        print(
            f"error: voiceprint job {error.job_id} {timeout_state(error)} after {DEFAULT_WAIT_TIMEOUT / 3600:g} "
            "hours; nothing was identified yet: run the same command again to resume (it waits for that job, "
            "without enrolling again)",
            file=sys.stderr,
        )
        return _exit_code(error)
    except (errors.PyannoteAIError, CLIError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        print(f"error: {error_message(error, base_url=args.base_url)}", file=sys.stderr)
        return _exit_code(error)


def main(argv: Sequence[str] | None = None) -> int:
    """``pyannoteai-identify batch ARGS``: parse *argv* (the arguments after ``batch``) and run."""
    parser = build_parser()
    args, passed = parser.parse_known_args(argv)
    if passed:  # as the main command says it: the value after a mistyped --api-key may be the key
        parser.error(f"unrecognized arguments: {' '.join(map(shown_argument, passed))}")
    # Run by the top-level command, run() is inside that command's own command_logging.
    with command_logging(args.verbose, tracebacks=args.debug, words=words_for(args.base_url)):
        return run(args)
