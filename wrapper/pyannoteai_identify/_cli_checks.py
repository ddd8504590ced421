"""The checks of identify's (and batch's) options that need no audio, and of the audio to identify:
run before standard input is read and before anything is uploaded or enrolled (billed), so that a
mistake costs nothing and is said naming the option the user typed."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._cli_errors import options_named
from ._cli_stdin import Source, StdinAudio, stdin_named
from ._cli_voiceprints import check_voiceprint_labels
from ._upload import check_identify_duration
from ._validation import (
    Matching,
    check_audio,
    check_matching,
    check_model,
    check_num_speakers,
    check_webhook,
)

__all__ = ["JOB_OPTIONS", "check_identify_args", "check_identify_audio", "check_job_options"]


#: The SDK's names of the job's fields, and the options that set them.
JOB_OPTIONS = {
    "num_speakers": "--num-speakers",
    "matching.threshold": "--threshold",
    "webhook": "--webhook",
    "model": "--model",
}


def check_identify_args(args: argparse.Namespace, sources: Sequence[tuple[str, Source]]) -> Matching | None:
    """Refuse what identify would refuse of its options and voiceprint labels: the checks that need
    no audio, run before standard input is read and before anything is enrolled (billed)."""
    matching = check_job_options(args)
    check_voiceprint_labels(sources)
    return matching


def check_identify_audio(audio: str, stdin: StdinAudio | None = None) -> None:
    """Refuse the audio to identify that identify would refuse (its size, a WAV's length): the path
    *audio*, or for ``-`` standard input (*stdin*, loaded already)."""
    with stdin_named(stdin):
        check_identify_duration(check_audio(stdin.audio if stdin is not None else audio))


def check_job_options(args: argparse.Namespace) -> Matching | None:
    """Refuse identify's job options the API would refuse (``identify``'s and ``batch``'s); the
    matching they make."""
    matching = None
    if args.threshold is not None or args.exclusive_matching is not None:
        matching = Matching(exclusive=args.exclusive_matching, threshold=args.threshold)
    with options_named(JOB_OPTIONS):
        check_num_speakers(args.num_speakers)
        check_matching(matching)
        check_webhook(args.webhook)
        check_model(args.model)
    return matching
