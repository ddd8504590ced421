"""The library's log records on the command line: warnings by default, ``-v``/``-vv`` for more, one
line each on stderr, never on stdout, never a secret, and no handler left behind."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest
from clikit import API_KEY, FAST_POLL, Audio, identify_argv, run_cli

from pyannoteai_identify import Client, _core
from pyannoteai_identify._cli_logging import command_logging
from pyannoteai_identify.batch import main as batch_main
from pyannoteai_identify.cli import API_ERROR, OK, USAGE, build_parser
from pyannoteai_identify.sandbox import Sandbox

#: The loggers the command may give a handler to while it runs.
LOGGERS = ("pyannoteai_identify", "pyannoteai_identify.batch", "pyannoteai_identify.webhooks", "httpx", "httpcore")

#: What httpx logs of each request at INFO: "HTTP Request: GET http://… "HTTP/1.1 200 OK"".
HTTPX_LINE = re.compile(r'^info: httpx: HTTP Request: (GET|POST|PUT) http://127\.0\.0\.1:\d+/.+ "HTTP/1\.1 \d{3} ')


def _state() -> dict[str, tuple[list[logging.Handler], int, bool]]:
    """Each logger's handlers, level and propagation, and the root logger's."""
    names = (*LOGGERS, "")
    return {
        name: (list(logging.getLogger(name).handlers), logging.getLogger(name).level, logging.getLogger(name).propagate)
        for name in names
    }


@pytest.fixture(autouse=True)
def _nothing_left_behind() -> Iterator[None]:
    """Every test here: the loggers are as they were once the commands returned."""
    before = _state()
    yield
    assert _state() == before


def _job(audio: Audio) -> str:
    with Client() as client:
        return client.identify(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}).id


def test_a_library_warning_shows_on_stderr_by_default_one_prefixed_line_and_info_does_not(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """A poll answered with a broken body is polled again, and the library says so at WARNING:
    without -v the user sees that line, as ``warning: …``, while the INFO "job … created" of the
    identify stays hidden; the result on stdout is untouched."""
    env.faults.next(1, "malformed", operation="getJobById")
    run = run_cli(
        capsys, *FAST_POLL, *identify_argv(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}, "--format", "json")
    )

    warnings = [line for line in run.err_lines if line.startswith("warning: polling job ")]
    assert run.code == OK and json.loads(run.out)["identification"]
    assert len(warnings) == 1 and "will poll again" in warnings[0], run.err
    assert not any(line.startswith(("info:", "debug:")) for line in run.err_lines), run.err
    assert not any(" created" in line for line in run.err_lines), run.err


def test_verbose_shows_the_job_created_info_line(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """-v shows the library's INFO records: the identify job the command created, named once."""
    run = run_cli(
        capsys,
        *FAST_POLL,
        "-v",
        *identify_argv(audio.meeting, {"Alice": audio.alice, "Bob": audio.bob}, "--format", "rttm"),
    )

    job_id = next(line for line in run.err_lines if line.endswith(" submitted")).split()[1]
    assert run.code == OK and run.out.startswith("SPEAKER ")
    assert f"info: identify job {job_id} created" in run.err_lines, run.err
    assert not any(line.startswith("debug:") or "HTTP Request" in line for line in run.err_lines), run.err


@pytest.mark.parametrize("where", ["before", "after"])
def test_double_verbose_shows_each_http_request_and_the_json_on_stdout_stays_valid(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """-vv, before or after the command, shows httpx's line for each request and the library's
    DEBUG lines, all on stderr: `job ID --format json` still prints nothing but the JSON."""
    job_id = _job(audio)
    argv = ["-vv", "job", job_id, "--wait", "--format", "json"] if where == "before" else ["job", job_id, "-vv"]

    run = run_cli(capsys, *FAST_POLL, *argv, "--format", "json")

    document = json.loads(run.out)
    assert run.code == OK and document
    assert any(HTTPX_LINE.match(line) and f"/v1/jobs/{job_id}" in line for line in run.err_lines), run.err
    assert any(line.startswith(f"debug: GET /v1/jobs/{job_id} -> 200 in ") for line in run.err_lines), run.err
    assert all(re.match(r"(warning|info|debug|error): ", line) for line in run.err_lines), run.err


def test_verbose_counts_add_up_before_and_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    """`-v job ID -v` is -vv, as `pip -v install -v` is; -v alone is 1, and nothing is 0."""
    parser = build_parser()

    def verbosity(*argv: str) -> int:
        args = parser.parse_args(list(argv))
        return int(args.verbose + getattr(args, "verbose_after", 0))

    assert verbosity("job", "ID") == 0
    assert verbosity("-v", "job", "ID") == 1
    assert verbosity("job", "ID", "--verbose") == 1
    assert verbosity("-v", "job", "ID", "-vv") == 3
    assert "--verbose" in parser.format_help()


def test_the_key_never_shows_even_at_the_most_verbose(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At -vvv (httpcore's trace included), an enrollment, an upload, a job and its polls name
    neither the key (given on the command line too) nor the webhook secret (run_cli checks both),
    and the presigned upload URL's signature is hidden in httpx's request line."""
    parse_presigned_url = _core.parse_presigned_url

    def signed(response: object) -> str:  # as a storage service's URL: its query is its signature
        return parse_presigned_url(response) + "&X-Amz-Signature=SIGNATURE-SECRET-5e1d"  # type: ignore[arg-type]

    monkeypatch.setattr(_core, "parse_presigned_url", signed)
    run = run_cli(
        capsys,
        *FAST_POLL,
        "-vvv",
        "--api-key",
        API_KEY,
        *identify_argv(audio.meeting, {"Alice": audio.alice_wav, "Bob": audio.bob}, "--format", "json"),
    )

    assert run.code == OK and json.loads(run.out)["identification"]
    assert any(line.startswith("debug: httpcore.") for line in run.err_lines), run.err
    uploads = [line for line in run.err_lines if HTTPX_LINE.match(line) and " PUT " in line]
    assert len(uploads) == 2 and all("?<query hidden>" in line for line in uploads), run.err
    assert "SIGNATURE-SECRET" not in run.err and "SIGNATURE-SECRET" not in run.out
    assert API_KEY not in run.err and API_KEY not in run.out


def test_the_sandboxs_upload_token_never_shows_in_a_verbose_request_line(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sandbox signs its presigned upload URLs as storage does, in the query, which the request
    lines hide: its token was the URL's last path segment, printed in every -vv PUT line."""
    run = run_cli(capsys, *FAST_POLL, "-vv", *identify_argv(audio.meeting, {"Alice": audio.alice_wav}))

    assert run.code == OK
    uploads = [line for line in run.err_lines if HTTPX_LINE.match(line) and " PUT " in line]
    assert len(uploads) == 2, run.err
    assert all(re.search(r"/_upload/[\w./-]+\?<query hidden> ", line) for line in uploads), uploads


def test_no_handler_is_left_after_an_error_exit_nor_after_a_usage_error(
    env: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """main() may run many times in one process: a command that fails (the API answers 503, exit 3)
    and one refused by the parser leave every logger, and the root logger, as they were, so the
    same failing command run again prints the same lines, none twice."""
    before = _state()

    env.faults.next(1, "5xx", operation="getJobsByTeamV2")
    failed = run_cli(capsys, "-vv", "jobs", "--max-retries", "0", "--format", "json")
    after_failure = _state()
    refused = run_cli(capsys, "-v", "jobs", "--limit", "many")
    env.faults.next(1, "5xx", operation="getJobsByTeamV2")
    again = run_cli(capsys, "jobs", "--max-retries", "0", "--format", "json", "-vv")

    assert failed.code == API_ERROR and failed.out == "" and failed.err_lines[-1].startswith("error: ")
    assert sum(bool(HTTPX_LINE.match(line)) for line in failed.err_lines) == 1, failed.err
    assert after_failure == before and _state() == before
    assert refused.code == USAGE
    assert list(map(_shape, again.err_lines)) == list(map(_shape, failed.err_lines))


def _shape(line: str) -> str:
    """*line* without what changes from run to run: request ids, durations."""
    return re.sub(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|\d+\.\d+ s", "…", line)


def test_the_standalone_batch_command_takes_verbose_and_quiet_hides_only_the_progress(
    env: Sandbox, audio: Audio, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The standalone batch command (`python -m pyannoteai_identify.batch`) takes -v as the
    top-level one does: its INFO records show with it, not without; -q, which only turns the
    progress display off, does not silence them; nothing stays behind."""
    out = tmp_path
    common = [str(audio.meeting), "--voiceprint", f"Alice={audio.alice}", "--voiceprint", f"Bob={audio.bob}"]
    capsys.readouterr()
    quiet_code = batch_main([*common, "--out", str(out / "a"), "--poll-interval", "0.05", "-q"])
    quiet = capsys.readouterr()
    verbose_code = batch_main([*common, "--out", str(out / "b"), "--poll-interval", "0.05", "-q", "-v"])
    verbose = capsys.readouterr()

    assert quiet_code == OK and verbose_code == OK
    assert not any(line.startswith("info: ") for line in quiet.err.splitlines()), quiet.err
    assert any(line.startswith("info: ") for line in verbose.err.splitlines()), verbose.err
    assert API_KEY not in verbose.err + verbose.out


def test_a_record_during_a_progress_display_is_printed_above_it_not_through_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """While rich draws a progress bar or a spinner on a terminal (the CLI's run with
    redirect_stderr, rich's default), a record goes through rich's console, above the display,
    instead of being written over it on the raw stream; after the display, to stderr itself."""
    from rich.console import Console
    from rich.live import Live

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    capsys.readouterr()
    with command_logging(0):
        with Live("uploading meeting.wav", console=console, transient=True):
            logging.getLogger("pyannoteai_identify").warning("GET /v1/jobs/x held 3.00 s: rate limited")
        logging.getLogger("pyannoteai_identify.batch").warning("input 2: refused")
        logging.getLogger("pyannoteai_identify").info("not shown without -v")

    assert "warning: GET /v1/jobs/x held 3.00 s: rate limited" in screen.getvalue()
    assert capsys.readouterr().err == "warning: input 2: refused\n"


def test_a_record_is_one_line_whatever_its_message_or_exception_holds(capsys: pytest.CaptureFixture[str]) -> None:
    """A message with a line break (an API's error text) and a record with an exception stay one
    record: the lines they add are indented, the exception is its type and message (its traceback
    with --debug); another library's record names its logger; the SDK's advice is said in options."""
    from pyannoteai_identify._cli_errors import for_the_command_line
    from pyannoteai_identify._config import BASE_URL_SOURCES

    library = logging.getLogger("pyannoteai_identify.webhooks")
    capsys.readouterr()
    with command_logging(2, words=for_the_command_line):
        library.warning("refused a delivery: %s", "bad\nwarning: forged line")
        try:
            raise ValueError("boom")
        except ValueError:
            library.exception("the handler failed")
        library.warning("could not connect (the base URL: %s)", BASE_URL_SOURCES)
        logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1/v1/test")
    plain = capsys.readouterr().err
    with command_logging(0, tracebacks=True):
        try:
            raise ValueError("boom")
        except ValueError:
            library.exception("the handler failed")
    debug = capsys.readouterr().err

    assert plain.splitlines() == [
        "warning: refused a delivery: bad",
        "  warning: forged line",
        "error: the handler failed (ValueError: boom)",
        "warning: could not connect (the base URL: PYANNOTEAI_BASE_URL or --base-url)",
        "info: httpx: HTTP Request: GET http://127.0.0.1/v1/test",
    ]
    assert debug.startswith("error: the handler failed\n  Traceback (most recent call last):\n")
    assert all(line.startswith("  ") for line in debug.splitlines()[1:])


def test_two_commands_that_overlap_leave_the_levels_as_they_were_and_each_keeps_its_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """main() may run in threads of one program (SIGTERM is left alone off the main thread), so two
    commands' blocks can end in either order: the first to end must not take away the level the
    other still runs with (its -v lines were lost), and once both ended each logger is at the level
    it had before either began (the second put back the first's INFO for good)."""
    library = logging.getLogger("pyannoteai_identify")
    before = _state()
    capsys.readouterr()
    first = command_logging(1)
    second = command_logging(1)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    library.info("job of the second command created")
    second.__exit__(None, None, None)

    assert capsys.readouterr().err == "info: job of the second command created\n"
    assert _state() == before


@contextmanager
def _their_handler(logger: logging.Logger, level: int) -> Iterator[io.StringIO]:
    """A program's own logging: a handler of its own on *logger*, set to *level*; both put back after."""
    theirs = logging.StreamHandler(io.StringIO())
    was = logger.level
    logger.addHandler(theirs)
    logger.setLevel(level)
    try:
        yield theirs.stream
    finally:
        logger.removeHandler(theirs)
        logger.setLevel(was)


def test_a_programs_own_root_logging_gets_no_more_records_while_a_verbose_command_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A program that configured its root logging at WARNING and calls main() "keeps its own
    logging as it was" (the module's promise): -vv lowers the library's and httpx's levels so that
    the command's own handler sees their DEBUG and INFO records, but those records propagated to the
    program's root handler too, which printed (or filed) every request and response it never asked for."""
    with _their_handler(logging.getLogger(), logging.WARNING) as theirs:
        capsys.readouterr()
        with command_logging(2):
            logging.getLogger("pyannoteai_identify").debug("GET /v1/test -> 200 in 0.002 s")
            logging.getLogger("httpx").info('HTTP Request: GET http://127.0.0.1/v1/test "HTTP/1.1 200 OK"')
            logging.getLogger("pyannoteai_identify").warning("polling job x: will poll again")

    assert capsys.readouterr().err.splitlines() == [
        "debug: GET /v1/test -> 200 in 0.002 s",
        'info: httpx: HTTP Request: GET http://127.0.0.1/v1/test "HTTP/1.1 200 OK"',
        "warning: polling job x: will poll again",
    ]
    assert theirs.getvalue().splitlines() == ["polling job x: will poll again"]


def test_a_programs_own_handler_on_the_librarys_logger_gets_no_more_records_while_a_verbose_command_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A program that calls main() and files the library's records at INFO with a handler of its own
    on ``pyannoteai_identify`` (its job ids, for billing) keeps its logging as it was: -vv lowers
    that logger to DEBUG for the command's own handler, and the program's handler, on the same
    logger, got every DEBUG line of every response as well."""
    library = logging.getLogger("pyannoteai_identify")
    with _their_handler(library, logging.INFO) as theirs:
        capsys.readouterr()
        with command_logging(2):
            library.debug("GET /v1/test -> 200 in 0.002 s")
            library.info("identify job x created")

    assert capsys.readouterr().err.splitlines() == [
        "debug: GET /v1/test -> 200 in 0.002 s",
        "info: identify job x created",
    ]
    assert theirs.getvalue().splitlines() == ["identify job x created"]


def test_a_programs_root_handler_keeps_the_records_of_a_child_logger_it_set_lower_while_a_command_runs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A program that shows the batch's INFO lines (each job created, with its input) by setting
    ``pyannoteai_identify.batch`` to INFO, its handler on the root logger, keeps getting them while
    main() runs a command: the records passed on to the program from the library's logger were cut
    at that logger's level (WARNING), not at the level of the logger that made them."""
    batch = logging.getLogger("pyannoteai_identify.batch")
    with _their_handler(logging.getLogger(), logging.getLogger().level) as theirs:
        batch.setLevel(logging.INFO)
        try:
            batch.info("input 1: identify job a created")
            capsys.readouterr()
            with command_logging(0):
                batch.info("input 2: identify job b created")
                batch.debug("not asked for")
            batch.info("input 3: identify job c created")
        finally:
            batch.setLevel(logging.NOTSET)

    assert capsys.readouterr().err == ""
    assert theirs.getvalue().splitlines() == [
        "input 1: identify job a created",
        "input 2: identify job b created",
        "input 3: identify job c created",
    ]


class _Watched(logging.Logger):
    """A logger that notes, after each change, whether the program's handler is on it and its level."""

    theirs: logging.Handler
    states: list[tuple[bool, int]]

    def __setattr__(self, name: str, value: object) -> None:
        super().__setattr__(name, value)
        self._note()

    def addHandler(self, hdlr: logging.Handler) -> None:
        super().addHandler(hdlr)
        self._note()

    def removeHandler(self, hdlr: logging.Handler) -> None:
        super().removeHandler(hdlr)
        self._note()

    def _note(self) -> None:
        if "states" in self.__dict__:
            self.states.append((self.theirs in self.handlers, self.level))


def test_the_programs_handler_is_never_on_the_librarys_logger_while_a_command_has_lowered_its_level() -> None:
    """Other threads of a program that calls main() log while a -vv command ends: when its handler went
    back on the library's logger before the logger's level did, their DEBUG records reached it (269 of a
    thread's records over 3,000 command ends, in a stress run), though the program set WARNING."""
    library = logging.getLogger("pyannoteai_identify")
    with _their_handler(library, logging.WARNING) as stream:
        theirs = next(handler for handler in library.handlers if getattr(handler, "stream", None) is stream)
        library.__class__ = _Watched
        watched = cast(_Watched, library)
        try:
            watched.theirs = theirs
            watched.states = []
            with command_logging(2):
                pass
            states = watched.states
        finally:
            del watched.states
            object.__setattr__(library, "__class__", logging.Logger)

    assert states[-1] == (True, logging.WARNING)
    assert (False, logging.DEBUG) in states  # the command did lower it, with the program's handler off
    assert [state for state in states if state[0] and state[1] < logging.WARNING] == []


class _Torn(logging.Logger):
    """A logger on which another thread logs at each change a command makes to it: one record handled
    whole between two changes, and one whose handler list was read before the change and whose
    ``propagate`` and ``parent`` were read after it (``Logger.callHandlers`` reads the handlers
    first, then ``propagate``, then ``parent``, with no lock)."""

    logging_on_change: bool
    changes: list[str]

    def __setattr__(self, name: str, value: object) -> None:
        read_before = list(self.__dict__.get("handlers", ()))
        super().__setattr__(name, value)
        if self.__dict__.get("logging_on_change") and name in ("handlers", "propagate", "parent"):
            self.logging_on_change = False  # the records below change nothing; no recursion
            try:
                change = f"change {len(self.changes)} ({name})"
                self.changes.append(change)
                logging.getLogger("pyannoteai_identify.batch").warning(f"whole after {change}")
                self._torn(logging.makeLogRecord({"msg": f"torn at {change}", "levelno": logging.WARNING}), read_before)
            finally:
                self.logging_on_change = True

    def _torn(self, record: logging.LogRecord, handlers: list[logging.Handler]) -> None:
        """``callHandlers`` with the handler list read before the change."""
        for handler in handlers:
            if record.levelno >= handler.level:
                handler.handle(record)
        logger: logging.Logger | None = self.parent if self.propagate else None
        while logger is not None:
            for handler in logger.handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
            logger = logger.parent if logger.propagate else None


def test_a_record_logged_while_a_command_switches_the_librarys_logger_reaches_the_root_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Another thread of a program that calls main() logs while a command starts or ends: the
    library's logger got the forward to the program's handlers and ``propagate = False`` in two
    steps, so a record handled between them reached the program's root handler twice (the forward,
    then propagation) when the command started, and not at all when it ended (neither). Each
    record must reach it once, whichever step it meets, even torn across one."""
    library = logging.getLogger("pyannoteai_identify")
    with _their_handler(logging.getLogger(), logging.WARNING) as theirs:
        library.__class__ = _Torn
        torn = cast(_Torn, library)
        try:
            torn.changes = []
            torn.logging_on_change = True
            with command_logging(2):
                pass
        finally:
            del torn.logging_on_change
            object.__setattr__(library, "__class__", logging.Logger)
    capsys.readouterr()

    assert torn.changes, "the command changed nothing on the library's logger"
    expected = [line for change in torn.changes for line in (f"whole after {change}", f"torn at {change}")]
    assert theirs.getvalue().splitlines() == expected
