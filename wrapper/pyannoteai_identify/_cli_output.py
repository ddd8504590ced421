"""What the command line writes: results as JSON, RTTM or rich tables, to standard output or a
file, the progress it draws on stderr, and the message of a result that could not be written."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from ._atomic import write_atomic
from ._cli_command import command_line
from ._cli_errors import CLIError, ResultNotWrittenError
from .results import IdentifyResult, Job, Result, VoiceprintResult


def fetch_command(
    job_id: str,
    fmt: str = "json",
    file_id: str | None = None,
    output: str | None = None,
    *,
    wait: bool = True,
    base_url: str | None = None,
) -> str:
    """The command that prints a finished job's result as *fmt* (RTTM lines under *file_id*), to
    *output*; without *wait*, the job as the API reports it. It asks *base_url*, the ``--base-url``
    given as an option (:func:`command_line`)."""
    words = ["job", job_id, *(["--wait"] if wait else []), "--format", fmt]
    if fmt == "rttm" and file_id is not None and file_id != job_id:
        words.append(f"--file-id={file_id}")
    if output is not None and output != "-":
        words.append(f"--output={output}")  # one word: a name that starts with '-' stays a value
    return command_line(words, base_url)


@contextlib.contextmanager
def writing_result_of(
    job_id: str, output: str | None, fetch: str | None = None, *, state: str = "succeeded", what: str = "its result"
) -> Iterator[None]:
    """Write *what* of a job (in *state*) inside this block. A write that fails (a full disk, a
    quota) names the job and *fetch*, the command that gets its result again, so that a script does
    not submit it again and pay twice; standard output is flushed here, where its failure shows. A
    reader that went away (``BrokenPipeError``) is left to its own quiet exit code. A file is written
    with :func:`write_atomic`: a failed write leaves the previous file as it was."""
    try:
        yield
        if output is None or output == "-":
            sys.stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, UnicodeEncodeError) as error:  # a full disk; a text with no UTF-8 bytes
        if output is None or output == "-":
            # What the failed flush left in the buffer would fail again at exit, and make it 120.
            silence_stdout()
        raise ResultNotWrittenError(
            f"job {job_id} {state}, but writing {what} failed ({error}); fetch its result with: "
            f"{fetch or fetch_command(job_id)}"
        ) from error


def has_rich() -> bool:
    """Whether rich (the ``cli`` extra) is installed: tables need it, progress is drawn only with it."""
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def require_tables(fmt: str) -> None:
    """Refuse ``--format table`` without rich *before* anything is sent: a billed job's result is not lost."""
    if fmt == "table" and not has_rich():
        raise CLIError(
            "--format table needs the cli extra: pip install 'pyannoteai-identify[cli]' (or use --format json)"
        )


def rich_console(stream: IO[str] | None = None) -> Any:
    """A rich console on *stream* (default: standard output) whose broken pipe raises BrokenPipeError.

    rich's own answer to a reader that went away is ``SystemExit(1)``, which would look like a failed
    job; ``main`` turns BrokenPipeError into the quiet exit 141 instead, for tables and text alike.
    """
    try:
        from rich.console import Console
    except ImportError:
        raise CLIError("the command line needs the cli extra: pip install 'pyannoteai-identify[cli]'") from None

    class _PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # nothing more is written to a pipe nobody reads
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    target = stream or _text_stdout()
    # To a pipe or a file, a table is as wide as its data (rich would cut it to 80 columns).
    width = None if is_terminal(target) else _DATA_WIDTH
    return _PipeConsole(file=target, highlight=False, soft_wrap=True, width=width)


#: The width of a table that goes to a pipe or a file: wide enough for any row, never cut.
_DATA_WIDTH = 10_000


def is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


class _Utf8Stdout:
    """Standard output whose own encoding (ASCII under ``LC_ALL=C``, Latin-1) cannot hold every label:
    text goes to its bytes in UTF-8, as RTTM files and ``jq`` write, instead of a traceback after
    the job was billed."""

    encoding = "utf-8"

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.flush()  # what was written through the stream itself goes first
        self._stream.buffer.write(text.encode("utf-8"))
        return len(text)

    def flush(self) -> None:
        self._stream.buffer.flush()

    def isatty(self) -> bool:
        return is_terminal(self._stream)

    def fileno(self) -> int:
        return int(self._stream.fileno())


def _text_stdout() -> Any:
    """Standard output for a result: itself, or a UTF-8 writer to its bytes when its encoding is not UTF-8."""
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    return stream if utf8 or not hasattr(stream, "buffer") else _Utf8Stdout(stream)


def _fmt_time(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60.0)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:06.3f}" if hours else f"{minutes:d}:{secs:06.3f}"


def render_table(result: Result, console: Any, title: str = "Who spoke when") -> None:
    """Print turns and per-speaker talk time as rich tables."""
    from rich.table import Table
    from rich.text import Text  # a label is data: "[red]" or "[/b]" in it is not markup

    if isinstance(result, VoiceprintResult):
        console.print(result.voiceprint)
        return
    table = Table(title=title)
    for column in ("start", "end", "speaker"):
        table.add_column(column, justify="right" if column != "speaker" else "left")
    if isinstance(result, IdentifyResult):
        table.add_column("diarization speaker")
        for turn in result.identification:
            label = turn.match if turn.match is not None else "(no match)"
            table.add_row(_fmt_time(turn.start), _fmt_time(turn.end), Text(label), Text(turn.diarization_speaker))
    else:
        for segment in result.diarization:
            table.add_row(_fmt_time(segment.start), _fmt_time(segment.end), Text(segment.speaker))
    console.print(table)
    totals = Table(title="Talk time")
    totals.add_column("speaker")
    totals.add_column("seconds", justify="right")
    for label, seconds in result.talk_time().items():
        totals.add_row(Text(label), f"{seconds:.1f}")
    console.print(totals)
    if result.warning:
        console.print(Text.assemble(("warning:", "yellow"), f" {result.warning}"))


def _write_result(result: Result, fmt: str, output: str | None, file_id: str) -> None:
    if fmt == "table":
        if output is None or output == "-":
            render_table(result, rich_console())
            return
        table = io.StringIO()
        render_table(result, rich_console(table))
        write_atomic(output, table.getvalue())
        return
    if fmt == "rttm":
        if isinstance(result, VoiceprintResult):
            raise CLIError("--format rttm needs a diarization or identify result")
        text = result.to_rttm(file_id)
    else:
        text = result.to_json(indent=2) + "\n"
    write_text(text, output)


def write_job_result(
    job_id: str, result: Result, fmt: str, output: str | None, file_id: str, *, base_url: str | None = None
) -> None:
    """:func:`_write_result` of a job that exists: a failed write names the command that fetches it
    again (from *base_url*, the ``--base-url`` given as an option)."""
    with writing_result_of(job_id, output, fetch_command(job_id, fmt, file_id, output, base_url=base_url)):
        _write_result(result, fmt, output, file_id)


def write_text(text: str, output: str | None) -> None:
    """*text* to standard output, or to the file *output* (``-`` is standard output)."""
    if output is None or output == "-":
        _text_stdout().write(text)
    else:
        write_atomic(output, text)


@contextlib.contextmanager
def upload_progress(enabled: bool, description: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """A rich progress bar for an upload, or nothing when output is not a terminal."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=rich_console(sys.stderr),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(sent: int, total: int | None) -> None:
            progress.update(task, completed=sent, total=total)

        yield update


@contextlib.contextmanager
def status_spinner(enabled: bool, job: Job[Any]) -> Iterator[Callable[[Job[Result]], object] | None]:
    """A spinner showing the job's status while waiting, or nothing when output is not a terminal."""
    if not enabled:
        yield None
        return
    console = rich_console(sys.stderr)
    with console.status(f"job {job.id}: {job.status}") as status:

        def update(current: Job[Result]) -> None:
            status.update(f"job {current.id}: {current.status}")

        yield update


def check_output(output: str | None) -> None:
    """Refuse an output file that cannot be written, before a billed job runs and its result is lost."""
    if output is None or output == "-":
        return
    path = Path(output)
    try:  # is_dir() and exists() raise for a name too long (ENAMETOOLONG), an unreadable folder (EACCES)
        if path.is_dir():
            raise CLIError(f"-o {output}: is a folder; give a file name")
        if not path.parent.is_dir():
            raise CLIError(f"-o {output}: the folder {path.parent} does not exist")
        existed = path.exists()
        # A read-only folder or mount: os.access cannot tell (root may write anywhere it says).
        with path.open("a"):
            pass
    except OSError as error:
        raise CLIError(f"-o {output}: cannot be written ({error.strerror or error})") from None
    if not existed:  # only tried: the result is written once the job ends
        # The file the try made: a dangling symlink's target, not the link, which `>` would keep.
        Path(os.path.realpath(path)).unlink(missing_ok=True)


def interactive(args: argparse.Namespace) -> bool:
    """Whether to draw progress: not --quiet, stderr is a terminal, and rich is installed."""
    return not args.quiet and sys.stderr.isatty() and has_rich()


@contextlib.contextmanager
def stderr_or_devnull() -> Iterator[None]:
    """Standard error as it is, or, when it is closed (``2>&-``, a daemon's), the null device while
    the command runs: ``print(..., file=sys.stderr)`` with ``sys.stderr`` None writes to standard
    output, where a message or a hint would corrupt the JSON or RTTM a pipe reads, and
    ``sys.stderr.isatty()`` would fail before anything is sent. As with ``2>/dev/null``, the
    messages are dropped and the exit code still says what happened. (Opened while descriptor 2 is
    free, it takes that number, which no file the command opens later can then take.)"""
    if sys.stderr is not None:
        yield
        return
    with open(os.devnull, "w", encoding="utf-8") as devnull:
        sys.stderr = devnull
        try:
            yield
        finally:
            sys.stderr = None  # as it was: the interpreter's own None


def silence_stdout() -> None:
    """Point standard output at /dev/null after a broken pipe, as the Python docs advise (signal module,
    "Note on SIGPIPE"): the interpreter's last flush of what is still buffered then cannot fail again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real file behind it (closed, or a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
