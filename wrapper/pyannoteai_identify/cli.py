"""The ``pyannoteai-identify`` command: identify speakers, manage voiceprints and jobs, run the demo.

``main(argv) -> int`` is the entry point (``[project.scripts]``), testable in-process. Errors are
one clear line on stderr (``--debug`` shows the traceback); exit codes are listed in ``EXIT_CODES``.
The rich output needs the ``cli`` extra; without it the command says how to install it.

This module holds ``main`` and the table of commands (``build_parser``); the rest is beside it, one
job each: ``_cli_submit`` (the ``identify`` and ``voiceprint`` commands), ``_cli_job`` (``job`` and
``jobs``), ``_cli_webhook`` (``webhook verify``), ``_cli_client`` (the client made from the
connection options), ``_cli_checks`` (identify's checks that need no upload), ``_cli_submitted``
(a submitted job said, and kept for the resume message), ``_cli_errors`` (exit codes, error
messages, signals), ``_cli_output`` (writing results, tables, progress), ``_cli_voiceprints``
(``--voiceprint`` sources, their checks, enrollment), ``_cli_jobs`` (the ``jobs`` listing and the
command that resumes it), ``_cli_parser`` (the parser and option types), ``_cli_stdin``,
``_cli_numbers``, ``_cli_paths`` (an audio file's name that is not UTF-8), ``_cli_logging`` and
``_cli_command`` (the commands it prints to run next, on the same ``--base-url``). The names other
code imports from here (``main``, the exit codes, the errors, ``build_parser``) stay importable
from here.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from collections.abc import Sequence

from . import _cli_parser, errors
from ._cli_client import warn_if_secret_in_argv
from ._cli_command import command_line
from ._cli_errors import (
    API_ERROR,
    BROKEN_PIPE,
    CONNECTION,
    EXIT_CODES,
    FAILED,
    INTERRUPTED,
    NOT_WRITTEN,
    OK,
    TERMINATED,
    TIMEOUT,
    UNREADABLE,
    USAGE,
    CLIError,
    EnrollmentTimeoutError,
    ResultNotWrittenError,
    error_message,
    exit_code,
    missing_extra,
    shown_argument,
    sigterm_as_interrupt,
    stopped,
    words_for,
)
from ._cli_job import cmd_job, cmd_jobs
from ._cli_logging import command_logging
from ._cli_output import (
    rich_console,
    silence_stdout,
    stderr_or_devnull,
)
from ._cli_submit import cmd_identify, cmd_voiceprint
from ._cli_voiceprints import (
    enroll_voiceprints,
    enrolled_voiceprint,
    keep_voiceprints_hint,
    read_voiceprint_sources,
)
from ._cli_webhook import cmd_webhook_verify
from ._config import (
    API_KEY_ENV,
)

__all__ = [
    "API_ERROR",
    "BROKEN_PIPE",
    "CONNECTION",
    "EXIT_CODES",
    "FAILED",
    "INTERRUPTED",
    "NOT_WRITTEN",
    "OK",
    "TERMINATED",
    "TIMEOUT",
    "UNREADABLE",
    "USAGE",
    "CLIError",
    "EnrollmentTimeoutError",
    "ResultNotWrittenError",
    "build_parser",
    "enroll_voiceprints",
    "enrolled_voiceprint",
    "error_message",
    "main",
    "read_voiceprint_sources",
]

# A class's repr, help(), a pickle and Sphinx name it by its module, and a traceback a function:
# what is public here, though defined in the private _cli_* modules, reports this module (by its
# name, not __name__, which is "__main__" when this file is run with python -m).
for _public in (
    CLIError,
    EnrollmentTimeoutError,
    ResultNotWrittenError,
    enroll_voiceprints,
    enrolled_voiceprint,
    error_message,
    read_voiceprint_sources,
):
    _public.__module__ = "pyannoteai_identify.cli"
del _public


# --- commands -----------------------------------------------------------------------------------


def cmd_sandbox(args: argparse.Namespace) -> int:
    from .sandbox import serve

    args.pending = "the sandbox stopped"  # Ctrl-C before it serves (after, it says so itself): no job to name
    return serve(args.passed)


def cmd_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    warn_if_secret_in_argv("--api-key", args.api_key, API_KEY_ENV)
    return run_demo(
        real=args.real,
        console=rich_console(),
        base_url=args.base_url,
        poll_interval=args.poll_interval,
        api_key=args.api_key,
        timeout=args.timeout,
        max_retries=args.max_retries,
    )


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch._cli import run

    return run(args)


# --- parser and main ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser, each command's ``func`` one of the ``cmd_*`` functions as this module
    holds them (a test may replace one here)."""
    return _cli_parser.build_parser(
        {
            "demo": cmd_demo,
            "identify": cmd_identify,
            "voiceprint": cmd_voiceprint,
            "job": cmd_job,
            "jobs": cmd_jobs,
            "sandbox": cmd_sandbox,
            "batch": cmd_batch,
            "webhook verify": cmd_webhook_verify,
        }
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (also for --help, --version and usage errors)."""
    with stderr_or_devnull():  # closed (`2>&-`): its messages must not land on standard output
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    """:func:`main` once standard error can be written to."""
    parser = build_parser()
    args = argparse.Namespace(debug=False, pending=None, enrolled=[])
    try:
        # `sandbox` parses its own arguments: whatever follows it is handed on as is. (A REMAINDER
        # positional would not do: argparse refuses it an option such as --port first.)
        args, passed = parser.parse_known_args(argv, namespace=args)
        passes_through = getattr(args, "passes_through", False)
        if passes_through:
            _cli_parser.refuse_options_before_sandbox(sys.argv[1:] if argv is None else argv)
        if passed and not passes_through:
            parser.error(f"unrecognized arguments: {' '.join(map(shown_argument, passed))}")
        if sys.stdout is None and not passes_through:
            # A job id or result printed nowhere is a billed job lost (`... >&-`); the sandbox only logs there.
            raise CLIError("standard output is closed: nothing was sent; redirect it (> FILE) instead of closing it")
        args.passed = passed
        args.verbose += getattr(args, "verbose_after", 0)
        with contextlib.ExitStack() as running:
            # `sandbox` stops on SIGTERM by itself (exit 0), as a server does, and logs each request itself.
            if not passes_through:
                running.enter_context(sigterm_as_interrupt())
                words = words_for(getattr(args, "base_url", None))  # `jobs` advised on the same server
                running.enter_context(command_logging(args.verbose, tracebacks=args.debug, words=words))
            code: int = args.func(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a reader that went away shows here, not as a traceback at interpreter exit
        return code
    except SystemExit as exit_:  # argparse exits after printing help, the version or a usage error
        return OK if exit_.code is None else exit_.code if isinstance(exit_.code, int) else USAGE
    except KeyboardInterrupt as interrupt:
        # What was submitted, when the command knows it (args.pending); otherwise how to find it.
        base_url = getattr(args, "base_url", None)  # the --base-url given, once the command line is parsed
        pending = (
            args.pending
            or f"a job already submitted keeps running: resume with `{command_line(['job', 'ID', '--wait'], base_url)}`"
        )
        word, stop_code = stopped(interrupt)
        print(f"{word}; {pending}", file=sys.stderr)
        return stop_code
    except BrokenPipeError:
        # Quiet, as for any command whose reader went away (`| head`): the exit status says it.
        silence_stdout()
        return BROKEN_PIPE
    except ModuleNotFoundError as error:
        missing = missing_extra(error)
        if missing is None:
            raise
        print(f"error: {missing}", file=sys.stderr)
        return exit_code(missing)
    except (errors.PyannoteAIError, CLIError, ResultNotWrittenError, OSError) as error:
        if args.debug:
            traceback.print_exc()
        # Voiceprints enrolled (billed) before an identify job existed are not lost with the error.
        base_url = getattr(args, "base_url", None)
        kept = f". {keep_voiceprints_hint(args.enrolled, base_url)}" if args.enrolled else ""
        print(f"error: {error_message(error, getattr(args, 'resume', None), base_url)}{kept}", file=sys.stderr)
        return exit_code(error)


if __name__ == "__main__":
    # Run as `python -m pyannoteai_identify.cli`, this file is `__main__`, a second copy of the module:
    # the package module's main() runs instead, the one copy that the rest of the package imports
    # (batch takes functions from it) and that a test's monkeypatch of `cli` reaches.
    from pyannoteai_identify.cli import main as _package_main

    raise SystemExit(_package_main())
