"""The commands that submit a job and wait for its result: ``identify`` (enrolling the audio
``--voiceprint`` clips first) and ``voiceprint``. Every check that needs no upload runs first, the job
is named on stderr as soon as it exists (billed), and its result is written where ``-o`` says."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from . import _validation
from ._atomic import write_atomic
from ._cli_checks import check_identify_args, check_identify_audio
from ._cli_client import client_for
from ._cli_errors import OK
from ._cli_output import (
    check_output,
    fetch_command,
    interactive,
    require_tables,
    status_spinner,
    upload_progress,
    write_job_result,
    write_text,
    writing_result_of,
)
from ._cli_paths import check_file_name
from ._cli_stdin import (
    STDIN,
    StdinAudio,
    check_one_stdin,
    upload_source,
)
from ._cli_submitted import announce_submitted, submitting
from ._cli_voiceprints import (
    check_stdin_clip,
    check_voiceprint_clips,
    check_voiceprint_labels,
    enroll_voiceprints,
    keep_voiceprints_hint,
    read_voiceprint_sources,
    voiceprint_in_text,
)

__all__ = ["cmd_identify", "cmd_voiceprint"]


def _is_local(audio: str) -> bool:
    """A path to upload, not a URL (a file named ``http-call.wav`` is local too)."""
    return "://" not in audio


def _uploaded(audio: str) -> str | None:
    """What of *audio* is uploaded, as a message names it: a local file's path, standard input; None
    for a URL, which the job is given as it is."""
    if audio == STDIN:
        return "standard input"
    return audio if _is_local(audio) else None


def _file_id(audio: str) -> str:
    """The RTTM file id of *audio*: a local file's stem; for a URL, its last path segment without the
    query, as batch names its results, so a presigned URL's signature never lands in the output;
    ``stdin`` for standard input (``-``)."""
    if audio == STDIN:
        return StdinAudio.name
    if _is_local(audio):
        return Path(audio).stem or "audio"
    from .batch._inputs import _url_stem  # here, not at the top: the batch package only for a URL

    return _url_stem(audio)


def cmd_identify(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        return _identify(args, stack)


def _identify(args: argparse.Namespace, stack: contextlib.ExitStack) -> int:
    live = interactive(args)
    require_tables(args.format)
    check_one_stdin(args.audio, args.voiceprint)
    stdin = StdinAudio()
    stack.callback(stdin.close)
    sources = read_voiceprint_sources(args.voiceprint, stdin)
    check_output(args.output)
    matching = check_identify_args(args, sources)
    # Standard input (a download, perhaps) is read once every argument checked without it is right:
    # the audio files too, so a mistyped path is not reported only after the whole download.
    if args.audio != STDIN:
        if _is_local(args.audio):  # a URL is no file name: one that is not UTF-8 is the SDK's to refuse
            check_file_name("AUDIO ", args.audio, "pyannoteai-identify identify - --voiceprint … < FILE")
        check_identify_audio(args.audio)
    check_voiceprint_clips([(label, source) for label, source in sources if source is not stdin])
    if args.audio == STDIN:
        args.pending = "nothing was sent"
        stdin.load(_validation.MAX_AUDIO_BYTES, "the audio to identify")
        stdin.refuse_text()
        check_identify_audio(args.audio, stdin)
    elif any(source is stdin for _, source in sources):
        args.pending = "nothing was sent"
        stdin.load(_validation.MAX_VOICEPRINT_AUDIO_BYTES, "a voiceprint's audio")
        piped = stdin.text()
        if piped is None:
            check_stdin_clip(stdin)
        else:  # a voiceprint piped in (`vault read -field=vp ... | ... --voiceprint Alice=-`), not a clip
            voiceprint = voiceprint_in_text(stdin.given, piped)
            sources = [(label, voiceprint if source is stdin else source) for label, source in sources]
            check_voiceprint_labels(sources)
    audio, media_key = upload_source(stdin if args.audio == STDIN else args.audio)
    name = StdinAudio.name if args.audio == STDIN else Path(args.audio).name
    with client_for(args) as client:
        args.pending = "no identify job was submitted yet"
        voiceprints = enroll_voiceprints(args, client, sources, live)
        kept = keep_voiceprints_hint(args.enrolled, args.base_url) if args.enrolled else ""
        with upload_progress(live and _is_local(args.audio), f"uploading {name}") as shown:
            progress = submitting(args, "identify job", _uploaded(args.audio), shown, kept)
            job = client.identify(
                audio,
                voiceprints,
                num_speakers=args.num_speakers,
                matching=matching,
                confidence=args.confidence,
                exclusive=args.exclusive,
                turn_level_confidence=args.turn_level_confidence,
                webhook=args.webhook,
                model=args.model,
                media_key=media_key,
                on_upload_progress=progress,
            )
        args.enrolled = []  # the identify job exists: its result is what to resume, not the enrollments
        if args.no_wait:
            # The job's id is this command's output: it goes where -o says, as a result would.
            fetch = fetch_command(job.id, base_url=args.base_url)
            with writing_result_of(job.id, args.output, fetch, state="was submitted", what="its id"):
                write_text(f"{job.id}\n", args.output)
            return OK
        file_id = _file_id(args.audio)
        resume = fetch_command(job.id, args.format, file_id, args.output, base_url=args.base_url)
        announce_submitted(args, job, resume=resume)
        with status_spinner(live, job) as on_status:
            result = client.wait(job, timeout=args.wait_timeout, on_status=on_status)
    write_job_result(job.id, result, args.format, args.output, file_id, base_url=args.base_url)
    return OK


def cmd_voiceprint(args: argparse.Namespace) -> int:
    with contextlib.ExitStack() as stack:
        return _voiceprint(args, stack)


def _voiceprint(args: argparse.Namespace, stack: contextlib.ExitStack) -> int:
    live = interactive(args)
    check_output(args.output)
    stdin = StdinAudio() if args.audio == STDIN else None
    if stdin is not None:
        stack.callback(stdin.close)
        args.pending = "nothing was sent"
        stdin.load(_validation.MAX_VOICEPRINT_AUDIO_BYTES, "a voiceprint's audio")
        stdin.refuse_text()
        args.pending = None
        check_stdin_clip(stdin)
    elif _is_local(args.audio):
        check_file_name("AUDIO ", args.audio, "pyannoteai-identify voiceprint - < FILE")
    audio, media_key = upload_source(stdin or args.audio)
    name = StdinAudio.name if stdin is not None else Path(args.audio).name
    uploading = upload_progress(live and _is_local(args.audio), f"uploading {name}")
    with client_for(args) as client:
        with uploading as shown:
            progress = submitting(args, "voiceprint job", _uploaded(args.audio), shown)
            job = client.submit_voiceprint(audio, media_key=media_key, on_upload_progress=progress)
        fetch = fetch_command(job.id, "json", None, args.output, base_url=args.base_url)
        announce_submitted(args, job, "voiceprint job", resume=fetch)
        with status_spinner(live, job) as on_status:
            voiceprint = client.wait(job, timeout=args.wait_timeout, on_status=on_status).voiceprint
    # `job ID --wait --format json` prints {"voiceprint": ...}, which --voiceprint reads as this output.
    with writing_result_of(job.id, args.output, fetch):
        if args.output and args.output != "-":
            write_atomic(args.output, voiceprint + "\n")
        else:
            print(voiceprint)
    if args.output and args.output != "-":
        print(f"voiceprint written to {args.output}", file=sys.stderr)
    return OK
