"""The commands that read jobs already submitted: ``job ID`` (the job as the API reports it, or with
``--wait`` its result) and ``jobs`` (the team's list, page by page; its listing is ``_cli_jobs``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import errors
from ._cli_client import client_for
from ._cli_errors import FAILED, OK, TIMEOUT, CLIError, options_named
from ._cli_jobs import JobListing, check_cursor_option, write_jobs
from ._cli_output import (
    check_output,
    fetch_command,
    require_tables,
    write_job_result,
    write_text,
    writing_result_of,
)
from ._cli_submitted import remember_resume
from ._flows import ended_as
from .results import Job, JobStatus, Result

__all__ = ["cmd_job", "cmd_jobs"]


def _job_document(job: Job[Result]) -> dict[str, Any]:
    """The job's id, status and output as JSON, as the API sent them (the output of a job that has not
    succeeded holds only what the API sent: ``error``, ``warning`` and any other key, as sent)."""
    data: dict[str, Any] = {"jobId": job.id, "status": str(job.status)}
    if job.output is not None:
        data["output"] = job.output.to_dict()
    return data


def _ended_without_result(job: Job[Result]) -> str:
    """Why a failed or canceled job has no result, in the API's words when it gave some."""
    what = f"job {job.id} {ended_as(job.status)}"
    # Cut as wait()'s exceptions cut it (whole in --format json): one line, not 100 kB, on a terminal.
    return f"{what}: {errors._cut(job.error, 500)}" if job.error else f"{what} (the API gave no reason)"


def cmd_job(args: argparse.Namespace) -> int:
    require_tables(args.format)
    check_output(args.output)
    with client_for(args) as client:
        if args.wait:
            file_id = args.file_id or args.job_id
            resume = fetch_command(args.job_id, args.format, file_id, args.output, base_url=args.base_url)
            remember_resume(args, args.job_id, f"job {args.job_id}", resume)
            result = client.wait(args.job_id, timeout=args.wait_timeout)
            write_job_result(args.job_id, result, args.format, args.output, file_id, base_url=args.base_url)
            return OK
        try:
            job = client.get_job(args.job_id)
        except errors.NotFoundError:
            # As `job ID --wait` reports it (exit 1): an id never issued and results deleted look alike.
            message = f"job {args.job_id} is gone (unknown id, or deleted 24 hours after completion)"
            raise errors.JobExpiredError(message, job_id=args.job_id, status="unknown") from None
    failed = job.is_terminal and job.status != JobStatus.SUCCEEDED
    if args.format == "json":
        fetch = fetch_command(job.id, "json", wait=False, base_url=args.base_url)
        with writing_result_of(job.id, args.output, fetch, state=f"is {job.status}"):
            write_text(json.dumps(_job_document(job), indent=2) + "\n", args.output)
    if failed:
        print(f"error: {_ended_without_result(job)}", file=sys.stderr)
        return FAILED
    if args.format == "json":
        return OK
    if job.status != JobStatus.SUCCEEDED or job.output is None:
        # A table or RTTM of no result would be an empty file that looks like silence: say so instead,
        # and the wait that gives the result as this command asked for it (--format, --file-id, -o).
        wait = fetch_command(job.id, args.format, args.file_id or args.job_id, args.output, base_url=args.base_url)
        print(f"job {job.id} is {job.status}: no result yet; wait with: {wait}", file=sys.stderr)
        return TIMEOUT
    write_job_result(job.id, job.output, args.format, args.output, args.file_id or args.job_id, base_url=args.base_url)
    return OK


def cmd_jobs(args: argparse.Namespace) -> int:
    require_tables(args.format)
    if args.limit < 1:  # the SDK's max_items would say "or None for all", which cannot be typed
        raise CLIError(f"--limit={args.limit}: must be a whole number ≥ 1")
    cursor = check_cursor_option(args.cursor)
    listing = JobListing(args.status, args.limit, args.format, args.base_url)
    try:
        with client_for(args) as client, options_named({"status": "--status"}):
            listing.read(client, cursor)
    except (errors.PyannoteAIError, KeyboardInterrupt) as stop:
        if isinstance(stop, KeyboardInterrupt):  # not the message of the commands that submit a job
            args.pending = listing.stopped_hint()
        if not listing.rows:
            raise
        # The whole pages read are written, and the command that goes on right after them is said.
        write_jobs(listing.rows, args.format)
        if not isinstance(stop, KeyboardInterrupt):
            stop.add_note(listing.stopped_hint())
        raise
    write_jobs(listing.rows, args.format)
    if listing.more:
        print(listing.limit_hint(), file=sys.stderr)
    return OK
