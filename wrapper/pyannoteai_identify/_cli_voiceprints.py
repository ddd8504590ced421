"""The command line's voiceprints: what each ``--voiceprint LABEL=SOURCE`` is (an audio file, a text
file, standard input or the voiceprint itself), the checks made of them before anything is billed,
and the enrollment of the audio ones."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, overload

from . import errors
from ._cli_errors import CLIError, EnrollmentTimeoutError, options_named
from ._cli_output import fetch_command, upload_progress
from ._cli_paths import check_file_name
from ._cli_stdin import STDIN, Clip, Source, StdinAudio, not_utf8_text, stdin_named, upload_source
from ._cli_submitted import submitting
from ._client import Client
from ._upload import check_voiceprint_duration
from ._validation import (
    AUDIO_EXTENSIONS,
    MAX_VOICEPRINT_AUDIO_BYTES,
    VOICEPRINT_MIN,
    Voiceprint,
    check_audio,
    check_voiceprints,
)
from ._validation_files import special_kind
from .results import Job, VoiceprintResult


def parse_voiceprint_arg(value: str) -> tuple[str, str]:
    """``LABEL=FILE_OR_STRING`` → (label, file or string), refusing a missing ``=`` or label."""
    label, sep, source = value.partition("=")
    if not sep or not label or not source:
        raise argparse.ArgumentTypeError(f"{value!r}: expected LABEL=FILE_OR_STRING")
    return label, source


@overload
def read_voiceprint_sources(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str | Path]]: ...
@overload
def read_voiceprint_sources(pairs: Sequence[tuple[str, str]], stdin: StdinAudio) -> list[tuple[str, Source]]: ...
def read_voiceprint_sources(
    pairs: Sequence[tuple[str, str]], stdin: StdinAudio | None = None
) -> list[tuple[str, Any]]:  # Any: a list of either overload's items
    """Each ``LABEL=SOURCE`` as (label, voiceprint): an audio file stays a path to enroll, a text file is read,
    ``-`` is *stdin* (audio to enroll, read later by :meth:`StdinAudio.load`; refused without *stdin*).

    A source that is not a file is the voiceprint itself, unless it cannot be one: a folder, or
    anything but standard base64 (a '.', '-' or '_', a length base64 never has, or a path into an
    existing folder: most likely a mistyped file name, which would otherwise be sent, billed, and
    fail as an invalid voiceprint). A voiceprint in another alphabet can be given in a text file,
    which must hold it on one line.
    """
    sources: list[tuple[str, Source]] = []
    for label, source in pairs:
        path = Path(source)
        given = f"--voiceprint {label}={_cut(source)}"
        if source == STDIN:
            if stdin is None:
                raise CLIError(f"{given}: standard input is not read here; give the audio as a file")
            stdin.given = given
            sources.append((label, stdin))
        elif _is(path.is_file) and path.suffix.lower() in AUDIO_EXTENSIONS:
            sources.append((label, path))
        elif _is(path.is_file):
            sources.append((label, _voiceprint_in_text_file(label, source, path)))
        elif _is(path.is_dir):
            raise CLIError(f"{given}: is a folder, not audio, a text file or a voiceprint")
        elif (refusal := _not_a_regular_file(path, label)) is not None:
            raise CLIError(f"{given}: {refusal}")
        elif "." in source:
            raise CLIError(f"{given}: no such file (and a voiceprint, base64, never contains '.')")
        elif path.parent != Path(".") and _is(path.parent.is_dir):  # base64 has '/', a path into a folder too
            raise CLIError(f"{given}: no such file in {path.parent}")
        elif not _STANDARD_BASE64.fullmatch(source) or len(source.rstrip("=")) % 4 == 1:
            raise CLIError(
                f"{given}: no such file, and not a voiceprint (standard base64: letters, digits, '+', '/', of a "
                "length base64 has); a voiceprint in another alphabet can be given in a text file"
            )
        else:
            sources.append((label, source))
    return sources


def _is(test: Callable[[], bool]) -> bool:
    """``path.is_file()`` and the like, False where the name cannot be a path at all: a voiceprint
    of thousands of characters is "File name too long" (Python 3.11 and 3.12 raise it)."""
    try:
        return test()
    except OSError:
        return False


def _not_a_regular_file(path: Path, label: str) -> str | None:
    """Why *path* is refused when it is there but is neither a regular file nor a folder (a FIFO, a
    socket, a device): said as what it is, not as a missing file; for a FIFO (a shell's
    ``<(command)`` too), how to pass what it holds. None otherwise (a voiceprint too long to be a
    file name included)."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return None
    kind = special_kind(mode)
    if kind is None:
        return None
    pipe = f" (pipe what it holds to --voiceprint {label}=- instead)" if stat.S_ISFIFO(mode) else ""
    return f"is not a regular file ({kind}), not audio, a text file or a voiceprint{pipe}"


def _cut(text: str, limit: int = 80) -> str:
    """*text* for a message, cut to *limit* characters around its middle (a voiceprint may be
    thousands long; a long path keeps its file name)."""
    return errors._elided(text, limit)


_STANDARD_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def _voiceprint_in_text_file(label: str, source: str, path: Path) -> str:
    """The voiceprint a text file holds (see :func:`voiceprint_in_text`); one in UTF-16 or UTF-32 is
    refused naming its encoding, as it is piped to ``--voiceprint LABEL=-``."""
    given = f"--voiceprint {label}={source}"
    try:
        data = path.read_bytes()
    except OSError as error:  # an I/O error (EIO) names no file: the message would not say which
        error.add_note(f"{given}: the file could not be read")
        raise
    wide = not_utf8_text(given, "the file", data, source)
    if wide is not None:
        raise CLIError(wide)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CLIError(
            f"{given}: neither audio ({', '.join(sorted(AUDIO_EXTENSIONS))}) nor a UTF-8 text file holding a voiceprint"
        ) from None
    return voiceprint_in_text(given, text.replace("\r\n", "\n").replace("\r", "\n"))  # as read_text() reads it


def voiceprint_in_text(given: str, text: str) -> str:
    """The voiceprint *text* holds (a text file, or what was piped to ``--voiceprint LABEL=-``): its
    one non-empty line (two lines would be sent, and billed, as one), or the ``voiceprint`` of the
    JSON that ``job ID --wait --format json`` prints. *given*: the option, for messages. A UTF-8
    byte order mark (Notepad's, PowerShell's) is no part of it."""
    text = text.removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        voiceprint = document.get("voiceprint") if isinstance(document, dict) else None
        if not isinstance(voiceprint, str):
            raise CLIError(f'{given}: JSON with no voiceprint (a string at "voiceprint")')
        return voiceprint
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise CLIError(f"{given}: holds no voiceprint (empty or blank)")
    if len(lines) > 1:
        raise CLIError(
            f"{given}: holds {len(lines)} lines; a voiceprint is one line (if it was wrapped, join it: tr -d '\\n')"
        )
    return lines[0]


def check_voiceprint_labels(sources: Sequence[tuple[str, Source]]) -> None:
    """Refuse what identify would refuse of the voiceprints' labels, number and sizes; a clip to
    enroll (not read yet, standard input perhaps) is not looked at."""
    # An enrolled voiceprint is not known yet: a placeholder of the shortest valid length stands in for it.
    placeholder = "x" * VOICEPRINT_MIN
    try:
        check_voiceprints([Voiceprint(label, s if isinstance(s, str) else placeholder) for label, s in sources])
    except errors.ValidationError as error:
        raise _as_voiceprint_options(error, [label for label, _ in sources]) from error


def check_voiceprint_sources(sources: Sequence[tuple[str, Source]]) -> None:
    """Refuse what identify would refuse of the voiceprints (labels, duplicates, sizes, clip length)
    before any audio voiceprint is enrolled, which is an upload and a billed job."""
    check_voiceprint_labels(sources)
    check_voiceprint_clips(sources)


def check_voiceprint_clips(sources: Sequence[tuple[str, Source]]) -> None:
    """Refuse a clip to enroll that the API would refuse (its size, a WAV's length); standard input
    must be loaded already."""
    for label, source in sources:
        if isinstance(source, StdinAudio):
            check_stdin_clip(source)
        elif isinstance(source, Path):
            option = f"--voiceprint {label}"
            check_file_name(f"{option}=", str(source), f"--voiceprint {shlex.quote(f'{label}=-')} … < FILE")
            clip = check_audio(str(source), field=option, max_bytes=MAX_VOICEPRINT_AUDIO_BYTES)
            with options_named({"audio": option}):
                check_voiceprint_duration(clip)


def check_stdin_clip(stdin: StdinAudio) -> None:
    """Refuse audio read from standard input that cannot make a voiceprint (its size, a WAV's length)."""
    with stdin_named(stdin):
        check_voiceprint_duration(check_audio(stdin.audio, max_bytes=MAX_VOICEPRINT_AUDIO_BYTES))


def _as_voiceprint_options(error: errors.ValidationError, labels: Sequence[str]) -> errors.ValidationError:
    """*error* of ``voiceprints[i]…`` as the command line says it: ``--voiceprint LABEL``."""

    def option(match: re.Match[str]) -> str:
        return f"--voiceprint {labels[int(match[1])]}"

    field = error.field
    if field == "voiceprints":
        field = "--voiceprint"
    elif field.endswith("].label"):
        field = "--voiceprint label"
    else:
        field = _VOICEPRINT_ITEM.sub(option, field)
    return errors.ValidationError(field, error.value, _VOICEPRINT_ITEM.sub(option, error.rule))


_VOICEPRINT_ITEM = re.compile(r"voiceprints\[(\d+)\](?:\.voiceprint)?")


def enroll_voiceprints(
    args: argparse.Namespace, client: Client, sources: Sequence[tuple[str, Source]], interactive: bool
) -> dict[str, str]:
    """Label → voiceprint, running a voiceprint job for each audio file. Each is billed: it is named
    on stderr when submitted and kept in ``args.enrolled``, so that a Ctrl-C or an error before the
    identify job exists says how to keep every voiceprint already paid for; a Ctrl-C while one is
    submitted says whether it may exist (and where to look), as for the identify job.

    Raises:
        EnrollmentTimeoutError: a voiceprint job still running at ``--wait-timeout``.
    """
    voiceprints: dict[str, str] = {}
    for label, source in sources:
        if isinstance(source, str):
            voiceprints[label] = source
            continue
        base_url = getattr(args, "base_url", None)
        kept = keep_voiceprints_hint(args.enrolled, base_url) if args.enrolled else ""
        with upload_progress(interactive, f"uploading {source.name}") as shown:
            uploaded = "standard input" if isinstance(source, StdinAudio) else str(source)
            progress = submitting(args, f"voiceprint job enrolling {label}", uploaded, shown, kept)
            job = submit_enrollment(client, label, source, progress)
        args.enrolled.append((label, job.id))
        kept = keep_voiceprints_hint(args.enrolled, base_url)
        args.pending = f"no identify job was submitted yet. {kept}"
        announce_enrollment(job, label)  # after it is remembered: a Ctrl-C on reading the line names it
        try:
            voiceprints[label] = enrolled_voiceprint(client, job, label, source, timeout=args.wait_timeout)
        except errors.WaitTimeoutError as error:
            raise EnrollmentTimeoutError(label, error) from (error.__cause__ or error)
        except errors.JobError as error:  # failed, canceled, or a terminal status the contract gained
            if not isinstance(error, errors.JobExpiredError):
                args.enrolled.remove((label, job.id))  # no voiceprint to keep from it
            raise
    return voiceprints


def submit_enrollment(
    client: Client, label: str, source: Clip, progress: Callable[[int, int | None], object] | None = None
) -> Job[VoiceprintResult]:
    """Submit the voiceprint job that enrolls *label* from *source* (billed); the caller records it,
    then names it on stderr with :func:`announce_enrollment`."""
    audio, media_key = upload_source(source)
    return client.submit_voiceprint(audio, media_key=media_key, on_upload_progress=progress)


def announce_enrollment(job: Job[VoiceprintResult], label: str) -> None:
    """Name the enrollment's voiceprint job on stderr; called once it is recorded, so that a signal
    sent as soon as the line is read (as a script may) finds it recorded."""
    print(f"voiceprint job {job.id} submitted (enrolling {label})", file=sys.stderr)


def enrolled_voiceprint(
    client: Client, job: Job[VoiceprintResult] | str, label: str, source: Clip, *, timeout: float | None = None
) -> str:
    """The voiceprint *job* gives; if the job ends without one, its error names the --voiceprint to change."""
    try:
        return client.wait(job, timeout=timeout, kind="voiceprint").voiceprint
    except errors.JobError as error:
        if isinstance(error, errors.JobExpiredError):  # gone: not a recording to replace
            raise
        error.add_note(f"that was the enrollment of --voiceprint {label}={source}: give another recording of {label}")
        raise


def keep_voiceprints_hint(enrolled: Sequence[tuple[str, str]], base_url: str | None = None) -> str:
    """How to keep the voiceprints of enrollments already paid for, (label, job id) each, instead of
    enrolling (and paying) again: commands to paste, quoted for a POSIX shell, that ask *base_url*
    (the ``--base-url`` given as an option)."""
    saves, passes = [], []
    for label, job_id in enrolled:
        saved = (re.sub(r"[^\w.-]+", "_", label).strip("._-") or "voiceprint") + ".voiceprint.json"
        # JSON, read back by --voiceprint (no rich needed), from the server that enrolled it
        saves.append(fetch_command(job_id, "json", output=saved, base_url=base_url))
        passes.append("--voiceprint " + shlex.quote(f"{label}={saved}"))
    what = "its voiceprint" if len(enrolled) == 1 else "their voiceprints"
    return (
        f"To identify without enrolling again, save {what} with: {'; '.join(saves)}, then pass {' '.join(passes)} "
        "(running identify again enrolls, and bills, again)"
    )
