"""What a command remembers of the job it submitted or waits for: said on stderr as soon as the
billed job exists, and kept, with the command that gives its result as asked, for the message of a
Ctrl-C (or SIGTERM) or of a wait timeout, so that the job is resumed rather than submitted again."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ._cli_command import command_line
from ._cli_errors import resume_hint
from .results import Job

__all__ = ["announce_submitted", "remember_resume", "submitting"]

#: An upload's progress callback, as ``on_upload_progress`` takes it: (bytes sent, total or None).
Progress = Callable[[int, int | None], object]


def submitting(
    args: argparse.Namespace, what: str, upload: str | None, show: Progress | None, kept: str = ""
) -> Progress | None:
    """Keep what a Ctrl-C (or SIGTERM) says while *what* ("identify job") is submitted, and return
    the upload's progress callback that keeps it (calling *show*, the progress display, if any).

    Until the last byte of *upload* (the audio's name; None when a URL is passed on, uploading
    nothing) is sent, no job exists: it says so, with *kept* (how to keep voiceprints enrolled
    before it), rather than send the user looking for a job. From then until the job's id is
    known, the job may or may not exist: it says to look with ``jobs`` before submitting again."""
    base_url = getattr(args, "base_url", None)
    after = f". {kept}" if kept else ""
    not_yet = f"no {what} was submitted yet (the upload of {upload} was stopped){after}"
    maybe = (
        f"the {what} may have been submitted: look for it with `{command_line(['jobs'], base_url)}` "
        f"before running the command again, which would bill it again{after}"
    )
    if upload is None:
        args.pending = maybe
        return show
    args.pending = not_yet

    def progress(sent: int, total: int | None) -> None:
        args.pending = not_yet if total is not None and sent < total else maybe
        if show is not None:
            show(sent, total)

    return progress


def announce_submitted(args: argparse.Namespace, job: Job[Any], what: str = "job", resume: str | None = None) -> None:
    """Say on stderr that *job* was submitted (it is billed: its id must not be lost if writing the result
    fails later), and remember it, with *resume*, the command that gives its result as asked, for the
    message of a Ctrl-C or of a wait timeout. Remembered first: a Ctrl-C (or SIGTERM) that comes as soon as the
    line is out, as a script reading it may send, names the job too."""
    remember_resume(args, job.id, f"{what} {job.id}", resume)
    print(f"{what} {job.id} submitted", file=sys.stderr)


def remember_resume(args: argparse.Namespace, job_id: str, what: str, resume: str | None) -> None:
    """Keep *resume* for *job_id* (a wait timeout's message) and say it if Ctrl-C comes."""
    hint = resume_hint(job_id, resume, getattr(args, "base_url", None))
    args.pending = f"{what} keeps running: {hint}"
    if resume is not None:
        args.resume = {**getattr(args, "resume", {}), job_id: resume}
