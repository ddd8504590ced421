"""Decide, from the team's job list, whether an interrupted submission created a job (pure).

The API's answer to ``POST /v1/identify`` is the only place the job id appears, and there is no
idempotency key. An input found in ``submitting`` (the process died after committing that mark,
or the answer was lost) may therefore have a job nobody knows the id of. The job list
(``GET /v2/jobs``, newest first) carries no input URL, so a job cannot be matched to an input;
what the list *can* prove is absence:

- each submission stored an *anchor*: the newest job id the batch knew when it committed the
  mark (or, for the very first one, the team's newest job, ``""`` if the team had none). A job
  created by that submission is newer than the anchor;
- every job the batch ever received is *claimed* (the manifest's ``jobs`` table);
- so if no unclaimed job is newer than the anchor, the submission created nothing, and sending
  it again cannot bill twice. The input goes back to ``pending``;
- otherwise the input becomes ``uncertain``, naming the unclaimed jobs; it is resubmitted only
  when the user says so (``--resubmit-uncertain``): those jobs may be its own, or another
  program's on the same team. When exactly one unknown job is newer than the anchor (the usual
  case: the batch sends one submission at a time, and the anchor is the job recorded just
  before), that job is kept as the input's *candidate*, and ``--adopt-uncertain`` makes it the
  input's job without paying again. The batch never adopts on its own: if another program
  submitted at that very moment, the input would get that program's result.

``createdAt`` has whole-second precision in the API's examples, so jobs created in the same
second as the anchor may be listed on either side of it: they count as newer too. If the list
was not read far enough to pass the anchor, nothing can be proven and the input stays uncertain.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import overload

from ._manifest import InputStatus

__all__ = ["Decision", "Listed", "Pending", "aware", "decide", "has_passed"]

#: Jobs created this close before the anchor might still be listed after it (timestamp ties).
TIE_TOLERANCE = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Listed:
    """One job of the team's list, in the list's order (newest first)."""

    id: str
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class Pending:
    """An input whose submission has an unknown outcome, and the anchor stored with it."""

    input_id: int
    anchor: str | None


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: datetime | None) -> datetime | None: ...
def aware(moment: datetime | None) -> datetime | None:
    """*moment* with UTC as its zone when it has none (the API's times are UTC)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def has_passed(listed: Sequence[Listed], anchors: Collection[str], complete: bool) -> bool:
    """Whether *listed* reaches past every anchor (by the tie tolerance), or is the whole list."""
    if complete:
        return True
    if "" in anchors:
        return False
    positions = {item.id: index for index, item in enumerate(listed)}
    if any(anchor not in positions for anchor in anchors):
        return False
    for anchor in anchors:
        anchor_time = aware(listed[positions[anchor]].created_at)
        later = listed[positions[anchor] + 1 :]
        if anchor_time is None:
            return False
        if not any((t := aware(item.created_at)) is not None and t < anchor_time - TIE_TOLERANCE for item in later):
            return False
    return True


def _candidates(listed: Sequence[Listed], anchor: str, claimed: Collection[str]) -> list[str] | None:
    """Unclaimed jobs that may be newer than *anchor*; None when the anchor is not in *listed*."""
    if anchor == "":
        return [item.id for item in listed if item.id not in claimed]
    index = next((i for i, item in enumerate(listed) if item.id == anchor), None)
    if index is None:
        return None
    found = [item.id for item in listed[:index] if item.id not in claimed]
    anchor_time = aware(listed[index].created_at)
    for item in listed[index + 1 :]:
        created = aware(item.created_at)
        if anchor_time is not None and created is not None and created < anchor_time - TIE_TOLERANCE:
            break
        if item.id not in claimed:
            found.append(item.id)
    return found


@dataclass(frozen=True, slots=True)
class Decision:
    """What reconciliation concluded for one input.

    Attributes:
        status: ``pending`` (proven: no job was created) or ``uncertain``.
        reason: the explanation stored with the input.
        candidate: for an uncertain input with exactly one unknown job newer than its anchor,
            that job's id: probably its own (``--adopt-uncertain`` uses it), unless another
            program of the team submitted a job in the same moment.
    """

    status: InputStatus
    reason: str
    candidate: str | None = None


def decide(
    pending: Iterable[Pending], listed: Sequence[Listed], claimed: Collection[str], *, complete: bool
) -> dict[int, Decision]:
    """For each input: ``pending`` (proven: no job was created) or ``uncertain`` with the reason.

    Args:
        pending: the inputs in ``submitting``, with their anchors.
        listed: the team's jobs as read, newest first, from the top of the list.
        claimed: every job id the batch has recorded.
        complete: True when *listed* is the whole list (its last page had no ``nextCursor``).
    """
    decisions: dict[int, Decision] = {}
    for item in pending:
        anchor = item.anchor if item.anchor is not None else ""
        candidates = _candidates(listed, anchor, claimed)
        reached = candidates is not None and (complete or has_passed(listed, [anchor], complete=False))
        if candidates is None or not reached:
            decisions[item.input_id] = Decision(
                InputStatus.UNCERTAIN,
                "the submission's answer was lost and the job list could not be read back far enough to prove "
                "that no job was created; resubmit only with --resubmit-uncertain (it may bill twice)",
            )
        elif len(candidates) == 1:
            decisions[item.input_id] = Decision(
                InputStatus.UNCERTAIN,
                f"the submission's answer was lost and the team has one job this batch did not record "
                f"({candidates[0]}), created after the submission began: almost surely this input's. Use it with "
                "--adopt-uncertain, or submit again with --resubmit-uncertain (bills twice if it was this input's)",
                candidates[0],
            )
        elif candidates:
            shown = ", ".join(candidates[:3]) + (f" and {len(candidates) - 3} more" if len(candidates) > 3 else "")
            decisions[item.input_id] = Decision(
                InputStatus.UNCERTAIN,
                f"the submission's answer was lost and the team has jobs this batch did not record ({shown}); "
                "one may be this input's. Resubmit only with --resubmit-uncertain (it may bill twice)",
            )
        else:
            decisions[item.input_id] = Decision(
                InputStatus.PENDING,
                "an interrupted submission created no job (checked against the job list); it is submitted again",
            )
    return decisions
