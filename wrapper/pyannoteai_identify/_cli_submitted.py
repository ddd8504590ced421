"""What a command remembers of the job it submitted or waits for: said on stderr as soon as the
billed job exists, and kept, with the command that gives its result as asked, for the message of a
Ctrl-C (or SIGTERM) or of a wait timeout, so that the job is resumed rather than submitted again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._cli_errors import resume_hint
from .results import Job

__all__ = ["announce_submitted", "remember_resume"]


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
