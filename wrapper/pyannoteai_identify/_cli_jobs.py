"""The ``jobs`` command's listing: whole pages of ``job_pages()`` up to ``--limit``, written as a table
or JSON, and the command that resumes a listing that ended early (at its ``--limit``, on an error
after the retries, on Ctrl-C) right after the last page written, so that no job is skipped."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC

from . import errors
from ._cli_command import command_line
from ._cli_output import rich_console
from ._client import Client
from ._core import JobSummary
from ._validation import PAGE_SIZE_MAX, StatusFilter, check_cursor

__all__ = ["JobListing", "ReadSoFar", "check_cursor_option", "write_jobs"]


def check_cursor_option(value: str | None) -> str | None:
    """``--cursor``'s value as the SDK checks a cursor (a UUID), or a ``ValidationError`` naming ``--cursor``."""
    try:
        return check_cursor(value)
    except errors.ValidationError as error:
        raise errors.ValidationError(
            "--cursor",
            value,
            "must be the cursor a `jobs` listing said to resume from (a UUID such as "
            "'a1b2c3d4-e5f6-7890-abcd-ef1234567890'); leave --cursor out to start at the newest job",
        ) from error


@dataclass(frozen=True)
class ReadSoFar:
    """The jobs a listing read and where it resumes, as one value: replaced whole, in one assignment,
    so that a Ctrl-C between two bytecodes never leaves a page's jobs read with the cursor from
    before that page (written, then listed again on resume) or the reverse (skipped).

    Attributes:
        rows: the jobs read, newest first: whole pages, but for the last one at ``--limit``.
        resume: the cursor right after the last page taken whole (the one the listing started from
            before any), so a page cut by ``--limit`` is listed again from its start, never skipped.
        more: the listing stopped at ``--limit`` with jobs (perhaps) left after it.
        cut: ``--limit`` ended inside a page, which the resumed listing shows from its start.
        ended: the last page of the list was read: there is nothing to resume.
    """

    rows: tuple[JobSummary, ...] = ()
    resume: str | None = None
    more: bool = False
    cut: bool = False
    ended: bool = False


@dataclass
class JobListing:
    """The jobs of ``jobs [--status S] [--limit N] [--cursor C]`` read so far (:class:`ReadSoFar`:
    ``rows``, ``resume``, ``more`` and ``cut`` are its), and where to resume."""

    status: StatusFilter | None
    limit: int
    fmt: str
    base_url: str | None = None  # the --base-url given as an option, which the resume command keeps
    read_so_far: ReadSoFar = field(default_factory=ReadSoFar)

    @property
    def rows(self) -> list[JobSummary]:
        return list(self.read_so_far.rows)

    @property
    def resume(self) -> str | None:
        return self.read_so_far.resume

    @property
    def more(self) -> bool:
        return self.read_so_far.more

    @property
    def cut(self) -> bool:
        return self.read_so_far.cut

    def read(self, client: Client, cursor: str | None) -> None:
        """Read pages from *cursor* until the list ends or ``--limit`` jobs are read. Each page
        changes ``read_so_far`` in one assignment: interrupted anywhere, the rows and the resume
        cursor agree (each job is in the rows or after the cursor, never both, never neither)."""
        self.read_so_far = ReadSoFar(resume=cursor)
        # Pages no larger than the limit: a limit up to the largest page ends on a page's end.
        pages = client.job_pages(self.status, page_size=min(self.limit, PAGE_SIZE_MAX), cursor=cursor)
        for page in pages:
            before = self.read_so_far
            room = self.limit - len(before.rows)
            rows = before.rows + page.items[:room]
            if len(page.items) > room:  # cut: resume at this page's start (its jobs taken show again)
                self.read_so_far = ReadSoFar(rows, before.resume, more=True, cut=True)
                return
            more = len(rows) >= self.limit and page.next_cursor is not None
            ended = page.next_cursor is None
            self.read_so_far = ReadSoFar(rows, page.next_cursor, more=more, ended=ended)
            if len(rows) >= self.limit:
                return

    def resume_command(self, limit: int) -> str:
        """The ``jobs`` command that goes on after the pages written, listing at most *limit* jobs."""
        words = ["jobs"]
        if self.resume is not None:
            words += ["--cursor", self.resume]
        if self.status is not None:
            words += ["--status", str(self.status)]
        words += ["--limit", str(limit)]
        if self.fmt != "table":
            words += ["--format", self.fmt]
        return command_line(words, self.base_url)

    def stopped_hint(self) -> str:
        """What a listing stopped by an error or Ctrl-C says: what was written, and how to go on."""
        left = self.limit - len(self.rows)
        if self.read_so_far.ended:  # stopped once the list was read to its end: nothing to resume
            return f"the list had ended: its {len(self.rows)} jobs were written" if self.rows else "the list is empty"
        if not self.rows:  # stopped before its first page: the same listing, from its own --cursor
            return f"no job was listed; resume with: {self.resume_command(left)}"
        return f"the {len(self.rows)} jobs listed before it were written; resume with: {self.resume_command(left)}"

    def limit_hint(self) -> str:
        """What a listing that stopped at ``--limit`` says on stderr: how to list the next jobs."""
        again = " (it ended inside a page, which this lists from its start: its first jobs show again)"
        return (
            f"more jobs may follow --limit {self.limit}{again if self.cut else ''}; "
            f"resume with: {self.resume_command(self.limit)}"
        )


def write_jobs(rows: list[JobSummary], fmt: str) -> None:
    """Print *rows* on stdout as a JSON array (``id``, ``status``, ``createdAt``) or a table."""
    if fmt == "json":
        document = [
            {"id": r.id, "status": str(r.status), "createdAt": r.created_at.isoformat() if r.created_at else None}
            for r in rows
        ]
        print(json.dumps(document, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"{len(rows)} jobs")
    # An id is only useful whole (to copy into `job ID`), so it is never cut or wrapped.
    table.add_column("id", no_wrap=True, min_width=max((len(row.id) for row in rows), default=2))
    table.add_column("status")
    table.add_column("created (UTC)")
    for row in rows:
        created = row.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if row.created_at else ""
        table.add_row(row.id, str(row.status), created)
    rich_console().print(table)
