"""How the command line ends: its exit codes, the one-line message of an error, and the signals
(Ctrl-C, SIGTERM) that stop a command."""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping

from . import errors
from ._cli_command import command_line
from ._config import API_KEY_ENV, BASE_URL_ENV, BASE_URL_SOURCES, KEY_SOURCES, PASS_A_KEY
from ._core import LIST_JOBS
from ._flows import resume_note, status_said

OK, FAILED, USAGE, API_ERROR, CONNECTION, TIMEOUT, NOT_WRITTEN, UNREADABLE = 0, 1, 2, 3, 4, 5, 6, 7
INTERRUPTED, BROKEN_PIPE, TERMINATED = 130, 141, 143
#: What exit 5 means for ``batch``: said by its own table (``batch._cli.EXIT_CODES``, docs/batch.md)
#: and by this one, from here.
BATCH_UNFINISHED = (
    "inputs left unfinished and none failed: still queued or running at --deadline, an interrupted "
    "submission the job list could not settle yet, or an upload that met only temporary errors (run the "
    "same command again to resume)"
)
#: What exit 7 means for ``batch``: said by its own table (``batch._cli.EXIT_CODES``, docs/batch.md)
#: and by this one, from here.
BATCH_LOCAL_ERROR = (
    "a local file or folder could not be read, written or created once the run had begun (an I/O error, a "
    "permission refused, a folder where a file is written): the message names the path and says the OS error "
    "(fix it, then run the same command again to resume)"
)
#: The command line's exit codes, one source for ``pyannoteai-identify --help`` and README's table
#: (tests/docs/test_doc_exit_codes.py keeps them alike and runs a situation of each row).
EXIT_CODES = {
    OK: "success",
    FAILED: "the job failed, was canceled or is gone (expired, or an unknown id); a webhook failed verification; "
    "or the demo's result did not match the audio it synthesised",
    USAGE: "bad arguments or input, refused before anything was uploaded or billed (an audio file that is missing, "
    "not a regular file or that may not be read; a closed standard output too)",
    API_ERROR: "the API refused the request (authentication, payment, rate limit, server error)",
    CONNECTION: "the API could not be reached (a proxy refusing the tunnel or a TLS certificate that cannot be "
    "verified included)",
    TIMEOUT: "the job has not finished: still running (or of no known status, every poll having failed) at the "
    "--wait-timeout deadline, or no result yet for `job ID --format table` or `rttm` (the message says the "
    "`job ID --wait …` that gives it as asked); for batch, " + BATCH_UNFINISHED,
    NOT_WRITTEN: "the job exists but its result (with --no-wait, its id) could not be written (a full disk); "
    "the message names the job and the command that fetches it, without submitting (and paying for) it again",
    UNREADABLE: "a local file or standard input could not be read (an I/O error, a permission refused to a "
    "`--voiceprint` text file or to audio after its check): the message says the OS error and names the file (or "
    "standard input) and, for a file read for its upload, says that no job was created for it "
    "(a voiceprint enrolled before it, billed, is named with the command that keeps it); for batch, "
    + BATCH_LOCAL_ERROR,
    INTERRUPTED: "interrupted (Ctrl-C); the message names the job submitted, if any, and how to resume it",
    BROKEN_PIPE: "the reader of standard output went away (a pipe into `head`), quietly, as for SIGPIPE",
    TERMINATED: "terminated by SIGTERM (a CI cancellation, `timeout`); said as for Ctrl-C (`sandbox`, a server, "
    "stops with 0)",
}


def exit_codes_help(codes: Mapping[int, str]) -> str:
    """A ``--help`` epilog listing *codes* (code → meaning), one source for the help and the docs."""
    return "Exit codes: " + "; ".join(f"{code} {text}" for code, text in codes.items())


class CLIError(Exception):
    """A usage problem to report in one line with exit code 2."""


class ResultNotWrittenError(Exception):
    """A job's result could not be written (exit code 6): the job exists, and was billed."""


@contextlib.contextmanager
def options_named(names: Mapping[str, str]) -> Iterator[None]:
    """Name the command-line option in a ValidationError of an SDK call the command made: the user
    typed ``--limit -1`` and knows no parameter ``max_items``. *names* maps SDK field to option."""
    try:
        yield
    except errors.ValidationError as error:
        option = names.get(error.field)
        if option is None:
            raise
        raise errors.ValidationError(option, error.value, error.rule, shown=error.shown) from error


class EnrollmentTimeoutError(errors.WaitTimeoutError):
    """The voiceprint job of *label* was still running at --wait-timeout, inside identify: the identify
    job was never submitted, so `job ID --wait` of the voiceprint job would not give its result."""

    def __init__(self, label: str, error: errors.WaitTimeoutError) -> None:
        self.label = label
        super().__init__(
            str(error), job_id=error.job_id, last_status=error.last_status, polls_failing=error.polls_failing
        )


def resume_hint(job_id: str, command: str | None = None, base_url: str | None = None) -> str:
    """How to take up the wait for *job_id*: *command* (the result as it was asked for), or a bare
    wait on *base_url* (the ``--base-url`` given as an option)."""
    return f"resume with: {command or command_line(['job', job_id, '--wait'], base_url)}"


def exit_code(error: BaseException) -> int:
    """The documented exit code for *error* (2 usage, 3 API, 4 connection, 5 timeout, 6 result not
    written, 7 a local file or standard input that could not be read, 1 otherwise)."""
    if isinstance(error, errors.ValidationError | errors.ConfigurationError | CLIError):
        return USAGE
    if isinstance(error, ResultNotWrittenError):
        return NOT_WRITTEN
    if isinstance(error, errors.JobError | errors.WebhookVerificationError):
        return FAILED
    if isinstance(error, errors.WaitTimeoutError):
        return TIMEOUT
    if isinstance(error, errors.APIConnectionError):
        return CONNECTION
    if isinstance(error, errors.APIError):
        return API_ERROR
    if isinstance(error, OSError):  # the local machine's, not the job's: BrokenPipeError is said before
        return UNREADABLE
    return FAILED


def error_message(error: BaseException, resume: Mapping[str, str] | None = None, base_url: str | None = None) -> str:
    """The one line that reports *error*, its notes after it (where an uploaded audio is, that a job
    may exist); a wait timeout says how to resume from the command line (*resume*: the command of
    each job id, that gives its result as it was asked for; any other job is waited for on
    *base_url*, the ``--base-url`` given as an option)."""
    if isinstance(error, EnrollmentTimeoutError):
        return for_the_command_line(
            f"the voiceprint enrollment of {error.label} did not finish by the --wait-timeout deadline "
            f"(voiceprint job {error.job_id} {timeout_state(error, still=False)}); nothing was identified yet",
            base_url,
        )
    if isinstance(error, errors.WaitTimeoutError):
        hint = resume_hint(error.job_id, (resume or {}).get(error.job_id), base_url)
        said = f"job {error.job_id} {timeout_state(error)} at the --wait-timeout deadline; {hint}"
        return for_the_command_line(said, base_url)
    notes = [_resume_as_a_command(note, resume or {}, base_url) for note in getattr(error, "__notes__", [])]
    *parts, last = [for_the_command_line(text, base_url) for text in (str(error), *notes)]
    return "; ".join([*map(_without_a_closing_period, parts), last])


#: The job id in the SDK's note on an error that ended a wait early (``_flows_wait.resume_note``).
_WAITED_FOR = re.compile(r"job (\S+) was being waited for: ")


def _resume_as_a_command(note: str, resume: Mapping[str, str], base_url: str | None = None) -> str:
    """*note* itself, or, when it is the SDK's note naming the ``wait()`` call that resumes a job, the
    command that does (the result as it was asked for, from *resume*)."""
    found = _WAITED_FOR.match(note)
    if found is None or note != resume_note(job_id := found[1]):
        return note
    return f"job {job_id} was being waited for: once this is fixed, {resume_hint(job_id, resume.get(job_id), base_url)}"


def timeout_state(error: errors.WaitTimeoutError, *, still: bool = True) -> str:
    """What a wait timeout says of its job: "is still running", or "has no known status (3 polls in
    a row failed, …)" when no answer was read or every poll since the last answer failed."""
    state = status_said(error.last_status, still=still)
    return f"{state} ({error.polls_failing})" if error.polls_failing else state


#: What the SDK's messages tell a Python caller to do, and what a command-line user does instead
#: (``client.jobs()`` too: :func:`for_the_command_line` says the ``jobs`` command on the same server).
_COMMAND_LINE_WORDS = (
    (PASS_A_KEY, f"set the {API_KEY_ENV} environment variable or pass --api-key"),
    (KEY_SOURCES, f"{API_KEY_ENV} or --api-key"),
    (BASE_URL_SOURCES, f"{BASE_URL_ENV} or --base-url"),
)


def for_the_command_line(text: str, base_url: str | None = None) -> str:
    """*text* with the SDK's advice to a Python caller (``api_key=...``, ``client.jobs()``) said as a
    command-line user acts on it: ``client.jobs()`` as the ``jobs`` command that lists the server of
    *base_url*, the ``--base-url`` given as an option (:func:`command_line`). The SDK's messages use
    the constants above, so a test of each pair (tests/cli/test_cli_errors.py) fails if one is
    spelled by hand."""
    for python, said in (*_COMMAND_LINE_WORDS, (LIST_JOBS, f"`{command_line(['jobs'], base_url)}`")):
        text = text.replace(python, said)
    return text


def words_for(base_url: str | None) -> Callable[[str], str]:
    """:func:`for_the_command_line` for the messages of a command given *base_url* (its log lines)."""
    return functools.partial(for_the_command_line, base_url=base_url)


def _without_a_closing_period(sentence: str) -> str:
    """*sentence* without its one closing period, to go before a "; " (an ellipsis stays)."""
    return sentence[:-1] if sentence.endswith(".") and not sentence.endswith("..") else sentence


# What the `cli` extra brings: a command reaching one of them without it gets one line, not a traceback.
_EXTRA_MODULES = frozenset({"rich", "starlette", "uvicorn", "jsonschema"})


def missing_extra(error: ModuleNotFoundError) -> CLIError | None:
    """The usage error for an optional dependency that is not installed; None for any other missing module."""
    module = (error.name or "").partition(".")[0]
    if module not in _EXTRA_MODULES:
        return None
    return CLIError(f"this command needs {module}, from the cli extra: pip install 'pyannoteai-identify[cli]'")


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI cancellation, ``timeout``), raised where the command is, so that it ends as
    Ctrl-C does: naming the billed job it waited for, with exit 143 (128 + SIGTERM)."""


def stopped(interrupt: KeyboardInterrupt) -> tuple[str, int]:
    """How a stop by *interrupt* is said, and its exit code: Ctrl-C (130) or SIGTERM (143)."""
    return ("terminated", TERMINATED) if isinstance(interrupt, Terminated) else ("interrupted", INTERRUPTED)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM raises :class:`Terminated`: only in the main thread, and only
    where SIGTERM has its default handler (a program that runs ``main`` keeps its own)."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminated(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def shown_argument(argument: str) -> str:
    """*argument* as a usage error may echo it: an option, a path or a URL as it is, and any other
    long value by its length, as it may be the secret after a mistyped option (``--api-kye KEY``)."""
    option, equals, value = argument.partition("=")
    if argument.startswith("-") and equals:  # --api-kye=KEY
        return f"{option}={shown_argument(value)}"
    if argument.startswith("-") or len(argument) < 16 or any(mark in argument for mark in "/\\.:"):
        return argument
    return f"<a value of {len(argument)} characters, not shown>"
