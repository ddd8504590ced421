"""A ``jobs`` listing stopped by Ctrl-C at any point of its reading: the jobs it wrote and the ones
the command it says to resume with lists are every job exactly once (none twice, none skipped).

A signal's ``KeyboardInterrupt`` is raised between two bytecodes of whatever runs; here it is raised
at each bytecode of ``JobListing.read`` in turn (a trace function that raises lands in the traced
frame as the signal's exception does), so no interleaving is left untried.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

import pytest

from pyannoteai_identify import JobPage
from pyannoteai_identify._cli_jobs import JobListing
from pyannoteai_identify._core import JobSummary

_JOBS = [JobSummary(f"job-{n}", "succeeded", None) for n in range(7)]  # newest first
_PAGE = 3


class _PagedJobs:
    """A client whose ``job_pages`` serves ``_JOBS`` in pages of ``_PAGE``; a cursor is the index
    of the first job after it (as text)."""

    def job_pages(self, status: object, *, page_size: int, cursor: str | None) -> Iterator[JobPage]:
        start = 0 if cursor is None else int(cursor)
        while start < len(_JOBS):
            end = start + _PAGE
            yield JobPage(tuple(_JOBS[start:end]), str(end) if end < len(_JOBS) else None)
            start = end


def _resumed(hint: str) -> list[str]:
    """The jobs that the command a stopped listing's *hint* says to resume with lists (none when it
    says no command: the listing had ended)."""
    if "resume with: " not in hint:
        return []
    words = shlex.split(hint.split("resume with: ", 1)[1])
    assert words[:2] == ["pyannoteai-identify", "jobs"], hint
    options = dict(zip(words[2::2], words[3::2], strict=True))
    rest = JobListing(None, int(options["--limit"]), "json")
    rest.read(_PagedJobs(), options.get("--cursor"))  # type: ignore[arg-type]
    return [row.id for row in rest.rows]


def _read_interrupted_at(step: int, limit: int) -> tuple[JobListing, bool, bool]:
    """``read`` from the start with Ctrl-C at its *step*-th bytecode: the listing, whether the
    reading got that far, and whether the interrupt stopped it. On Python 3.12 and later (tracing on
    ``sys.monitoring``) an exception raised at the first opcode event, the function's ``RESUME``, is
    not delivered: the reading then runs to its end, as a signal landing there would let it."""
    listing = JobListing(None, limit, "json")
    code = JobListing.read.__code__
    count = 0

    def per_opcode(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "opcode":
            count += 1
            if count == step:
                raise KeyboardInterrupt
        return per_opcode

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        if event != "call" or frame.f_code is not code:
            return None
        frame.f_trace_opcodes = True
        return per_opcode

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        listing.read(_PagedJobs(), None)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        return listing, True, True
    finally:
        sys.settrace(previous)
    return listing, count >= step, False


@pytest.mark.parametrize("limit", [6, 100])
def test_ctrl_c_at_any_point_of_the_reading_leaves_every_job_listed_once_by_the_written_rows_and_the_resume(
    limit: int,
) -> None:
    """The rows of a page were added, then the resume cursor moved past that page: a Ctrl-C between
    the two wrote the page and said to resume from before it, so the resumed listing showed it again.
    Rows and resume cursor change together: whatever bytecode the interrupt lands on, the rows written
    and the listing the message's command resumes hold each job once (a Ctrl-C once the list has
    ended too: the command said then listed it all again, from the start)."""
    interrupted_at = []
    wanted = [job.id for job in _JOBS][:limit]
    for step in range(1, 10_000):
        listing, reached, interrupted = _read_interrupted_at(step, limit)
        if not reached:
            break
        written = [row.id for row in listing.rows]
        if not interrupted:  # the interpreter did not deliver it there: the reading ran to its end
            assert written == wanted, f"Ctrl-C at bytecode {step}, not delivered: wrote {written}"
            continue
        interrupted_at.append(step)
        resumed = _resumed(listing.stopped_hint())
        assert written + resumed == wanted, f"Ctrl-C at bytecode {step}: wrote {written}, resumed {resumed}"
    else:
        pytest.fail("the reading never finished")
    # The interrupt stopped the reading at every bytecode it reached, but for 3.12's first one.
    assert len(interrupted_at) >= step - 2, f"interrupted at {len(interrupted_at)} of {step - 1} bytecodes"
