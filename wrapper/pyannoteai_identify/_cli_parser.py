"""The command line's arguments: the argparse parser of every command and the types of its options
(each command's function is given by :mod:`pyannoteai_identify.cli`, which runs it)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Mapping, Sequence

from ._cli_errors import EXIT_CODES, CLIError, exit_codes_help
from ._cli_logging import VERBOSE_HELP
from ._cli_numbers import ASCII_DIGITS, number, number_of_seconds, whole_number
from ._cli_stdin import STDIN_HELP
from ._cli_voiceprints import parse_voiceprint_arg
from ._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_MAX_RETRIES, MAX_REQUEST_TIMEOUT, WEBHOOK_SECRET_ENV
from ._validation import (
    MAX_VOICEPRINT_AUDIO_SECONDS,
    NUM_SPEAKERS_VALUES,
    STATUS_FILTER_VALUES,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    ascii_int,
)
from ._version import __version__

#: A command's function: it runs the parsed arguments and returns the exit code.
Command = Callable[[argparse.Namespace], int]

#: The command line's product token, after the SDK's own in the User-Agent of every request it sends
#: (``app_info``): pyannoteAI's support tells the command's traffic from an application's.
CLI_APP_INFO = f"pyannoteai-identify-cli/{__version__}"


def positive_seconds(text: str) -> float:
    """An argparse type: a finite number of seconds above 0."""
    value = number_of_seconds(text)
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of seconds above 0")
    return value


def seconds_up_to_a_day(text: str) -> float:
    """An argparse type: above 0 and at most a day, what the client accepts for a request timeout
    and a poll interval (longer sleeps overflow the operating system's timers)."""
    value = positive_seconds(text)
    if value > MAX_REQUEST_TIMEOUT:
        raise argparse.ArgumentTypeError(f"{text!r}: must be at most {MAX_REQUEST_TIMEOUT:g} seconds (one day)")
    return value


def seconds_or_zero(text: str) -> float:
    """An argparse type: a finite number of seconds, 0 or more."""
    value = number_of_seconds(text)
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of seconds, 0 or more")
    return value


def retry_count(text: str) -> int:
    """An argparse type: a whole number of retries, 0 or more."""
    value = ascii_int(text)
    if value is None:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 0 in {ASCII_DIGITS}")
    return value


WAIT_TIMEOUT_HELP = "seconds to wait for the job (default 24 h); checked before anything is sent"


def add_job_options(parser: argparse.ArgumentParser) -> None:
    """The options of an identify job, the same for ``identify`` and ``batch``."""
    parser.add_argument(
        "--num-speakers",
        type=whole_number,
        choices=NUM_SPEAKERS_VALUES,
        help="number of speakers, if known (default: detected)",
    )
    parser.add_argument(
        "--threshold",
        type=number,
        help=f"do not match below this score, {THRESHOLD_MIN:g}-{THRESHOLD_MAX:g} (default: left to the API)",
    )
    parser.add_argument(
        "--exclusive-matching",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="never match two speakers to one voiceprint (API default: on); --no-exclusive-matching allows it",
    )
    parser.add_argument(
        "--non-exclusive-matching",
        dest="exclusive_matching",
        action="store_const",
        const=False,
        help="the same as --no-exclusive-matching",
    )
    parser.add_argument("--confidence", action="store_true", help="also return frame-level confidence")
    parser.add_argument("--exclusive", action="store_true", help="also return exclusive diarization")
    parser.add_argument("--turn-level-confidence", action="store_true", help="add a confidence map to each turn")
    parser.add_argument(
        "--model",
        metavar="NAME",
        help="the diarization model, e.g. precision-2 (default: left to the API); sent as typed, the API judges it",
    )


def add_connection_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, defaults: bool = True) -> None:
    """The options every command shares; without *defaults*, an option not given sets nothing."""

    def default(value: object) -> object:
        return value if defaults else argparse.SUPPRESS

    parser.add_argument(
        "--base-url",
        default=default(None),
        help=f"API base URL (default: {BASE_URL_ENV} or https://api.pyannote.ai)",
    )
    parser.add_argument(
        "--api-key", default=default(None), help=f"API key (default: {API_KEY_ENV}; prefer the environment variable)"
    )
    parser.add_argument(
        "--timeout", type=seconds_up_to_a_day, default=default(None), help="seconds per HTTP request (default 30)"
    )
    parser.add_argument(
        "--max-retries",
        type=retry_count,
        default=default(DEFAULT_MAX_RETRIES),
        help=f"retries of a safe request on connection errors, 429 and 502-504 (default {DEFAULT_MAX_RETRIES})",
    )
    parser.add_argument(
        "--poll-interval",
        type=seconds_up_to_a_day,
        default=default(None),
        metavar="S",
        help="seconds between the first status checks of a job (default 2, then a tenth of the job's age; "
        "for batch, the seconds between sweeps of the job list, default 5)",
    )
    parser.add_argument("--debug", action="store_true", default=default(False), help="show tracebacks")
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default(False), help="no progress display (warnings still show)"
    )
    # Counted on each side of the command into its own name (`-v job ID -v` is -vv): a subcommand
    # parses into a namespace of its own, whose count would replace the one given before it.
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        dest="verbose" if defaults else "verbose_after",
        default=0 if defaults else argparse.SUPPRESS,
        help=VERBOSE_HELP,
    )


def refuse_options_before_sandbox(argv: Sequence[str]) -> None:
    """Refuse an option given before ``sandbox`` (``-v sandbox``, ``--api-key KEY sandbox``): it is one of
    the client's options, which the sandbox never reads, so the server would start without it. Named,
    never its value (``--api-key=KEY``), with where the sandbox's own options go."""
    words = list(argv)
    before = [word.partition("=")[0] for word in words[: words.index("sandbox")] if word.startswith("-")]
    if before:
        raise CLIError(
            f"{' '.join(before)} before `sandbox`: the sandbox reads only its own options, after its name "
            "(`pyannoteai-identify sandbox --help` lists them); nothing was started"
        )


def _add_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str, parent: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """The parser of the command *name*: *summary* is its line in ``pyannoteai-identify --help`` and what
    its own ``--help`` says first (argparse shows a subcommand's ``help`` only in its parent's list)."""
    description = summary[:1].upper() + summary[1:] + "."
    return sub.add_parser(name, help=summary, description=description, parents=[parent])


def build_parser(commands: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The parser of the command line; each command's ``func`` is its function in *commands*, by
    its name (``webhook verify`` for the webhook's action)."""
    parser = argparse.ArgumentParser(
        prog="pyannoteai-identify",
        description="Identify known speakers in audio with the pyannoteAI API (or the local sandbox).",
        epilog=exit_codes_help(EXIT_CODES),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_connection_options(parser)
    # The same options after the command too (`jobs --base-url URL`), as git and gh take theirs:
    # with no default there, one not given after the command keeps its value from before it.
    after = argparse.ArgumentParser(add_help=False)
    add_connection_options(after.add_argument_group("connection and display options"), defaults=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _add_command(sub, "demo", "run the whole identify flow against the embedded sandbox", after)
    demo.add_argument("--real", action="store_true", help=f"run against the real API with {API_KEY_ENV} (bills)")
    demo.set_defaults(func=commands["demo"])

    identify = _add_command(sub, "identify", "identify known speakers in AUDIO", after)
    identify.add_argument("audio", help=f"a local file, an http(s) URL or a media:// URL; {STDIN_HELP}")
    identify.add_argument(
        "--voiceprint",
        action="append",
        required=True,
        type=parse_voiceprint_arg,
        metavar="LABEL=FILE_OR_STRING",
        help="an enrolled speaker: an audio file to enroll, a text file holding a voiceprint, or the voiceprint; "
        "LABEL=- reads standard input: audio to enroll, or text holding the voiceprint "
        "(- is read once: for AUDIO or for one --voiceprint)",
    )
    add_job_options(identify)
    identify.add_argument("--webhook", help="http(s) URL that receives the result")
    identify.add_argument(
        "--format", choices=("table", "json", "rttm"), default="table", help="how to print the result (default: table)"
    )
    identify.add_argument("-o", "--output", help="write the result to this file, in --format")
    identify.add_argument("--no-wait", action="store_true", help="print the job id (to -o OUTPUT when given) and exit")
    identify.add_argument("--wait-timeout", type=positive_seconds, default=None, help=WAIT_TIMEOUT_HELP)
    identify.set_defaults(func=commands["identify"])

    voiceprint = _add_command(
        sub,
        "voiceprint",
        f"create a voiceprint from at most {MAX_VOICEPRINT_AUDIO_SECONDS:g} s of one speaker",
        after,
    )
    voiceprint.add_argument(
        "audio", help=f"one speaker's recording: a local file, an http(s) URL or a media:// URL; {STDIN_HELP}"
    )
    voiceprint.add_argument("-o", "--output", help="write the voiceprint to this file")
    voiceprint.add_argument("--wait-timeout", type=positive_seconds, default=None, help=WAIT_TIMEOUT_HELP)
    voiceprint.set_defaults(func=commands["voiceprint"])

    job = _add_command(sub, "job", "show a job (with --wait, wait for its result)", after)
    job.add_argument("job_id", help="the job's id, as printed by identify, voiceprint or jobs")
    job.add_argument(
        "--wait",
        action="store_true",
        help="wait for the job to end and print its result as identify prints it (in json: the output alone, "
        "where without --wait json is the job: jobId, status and output)",
    )
    job.add_argument("--wait-timeout", type=positive_seconds, default=None, help=WAIT_TIMEOUT_HELP)
    job.add_argument(
        "--format", choices=("table", "json", "rttm"), default="json", help="how to print the job (default: json)"
    )
    job.add_argument("-o", "--output", help="write the job or its result to this file, in --format")
    job.add_argument(
        "--file-id",
        help="the file id of --format rttm lines (default: the job id; identify writes the audio's name)",
    )
    job.set_defaults(func=commands["job"])

    jobs = _add_command(sub, "jobs", "list the team's jobs, newest first", after)
    jobs.add_argument("--status", choices=STATUS_FILTER_VALUES, help="only the jobs with this status (default: all)")
    jobs.add_argument("--limit", type=whole_number, default=50, help="at most this many jobs (default 50)")
    jobs.add_argument(
        "--cursor",
        metavar="UUID",
        help=(
            "start after the jobs a listing that stopped early wrote (the cursor it said to resume with), "
            "with the --status of the listing that gave it: a cursor carries no status, so another is not refused"
        ),
    )
    jobs.add_argument("--format", choices=("table", "json"), default="table", help="default: table")
    jobs.set_defaults(func=commands["jobs"])

    sandbox = sub.add_parser("sandbox", help="run the local fake API", add_help=False)
    sandbox.set_defaults(func=commands["sandbox"], passes_through=True)

    # Here, not at the top: batch imports this module.
    from .batch import add_arguments as add_batch_arguments
    from .batch._cli import EXIT_CODES as BATCH_EXIT_CODES

    batch = sub.add_parser(
        "batch",
        help="identify a whole collection, resumably",
        description="Identify known speakers in many files, resumably: run the same command again after any "
        "interruption; no input is ever submitted twice.",
        epilog=exit_codes_help(BATCH_EXIT_CODES),
        parents=[after],
    )
    add_batch_arguments(batch, standalone=False)
    batch.set_defaults(func=commands["batch"])

    webhook = _add_command(sub, "webhook", "webhook tools", after)
    webhook_sub = webhook.add_subparsers(dest="webhook_command", required=True, metavar="ACTION")
    verify = webhook_sub.add_parser(
        "verify",
        help="verify a delivery: body on stdin, headers as options",
        description="Verify a webhook delivery as a receiver would: its raw body on standard input (`< body.json`, "
        f"as received, byte for byte), its headers as --signature and --timestamp, the secret from "
        f"{WEBHOOK_SECRET_ENV}. Prints `valid` (exit 0), or the reason it is not (exit 1), as for a body over "
        "the receiver's default max_body_bytes, which a receiver refuses and this reads no further; exit 2 when "
        "it has no secret, or no body (standard input a terminal).",
        parents=[after],
    )
    verify.add_argument("--signature", required=True, help="the X-Signature header")
    verify.add_argument("--timestamp", required=True, help="the X-Request-Timestamp header")
    verify.add_argument(
        "--secret", help=f"the webhook secret (default: {WEBHOOK_SECRET_ENV}; prefer it, argv is visible to others)"
    )
    window = verify.add_mutually_exclusive_group()
    window.add_argument(
        "--tolerance",
        type=seconds_or_zero,
        default=600.0,
        help=(
            "seconds the timestamp may be off (default 600), as tolerance= in Python; the age is not "
            "rounded, so 0 refuses even a delivery signed a moment ago"
        ),
    )
    window.add_argument(
        "--no-tolerance",
        action="store_true",
        help="accept any timestamp (turns replay protection off; for old samples)",
    )
    verify.set_defaults(func=commands["webhook verify"])
    return parser
