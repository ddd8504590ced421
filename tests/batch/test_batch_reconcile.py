"""Reconciliation: an interrupted submission is resent only when the job list proves it created no job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pyannoteai_identify.batch import InputStatus
from pyannoteai_identify.batch._reconcile import Listed, Pending, decide

T0 = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_no_unknown_job_after_the_anchor_sends_the_input_again() -> None:
    """Only claimed jobs are newer than the anchor: the submission created nothing."""
    listed = [Listed("mine-2", at(30)), Listed("mine-1", at(20)), Listed("anchor", at(10)), Listed("old", at(0))]
    decision = decide([Pending(1, "anchor")], listed, {"mine-1", "mine-2"}, complete=False)[1]
    assert decision.status == InputStatus.PENDING and decision.candidate is None


def test_one_unknown_job_after_the_anchor_makes_the_input_uncertain_with_it_as_candidate() -> None:
    """A single unclaimed job newer than the anchor is probably the input's own: named, kept for --adopt-uncertain."""
    listed = [Listed("stranger", at(30)), Listed("anchor", at(10)), Listed("old", at(0))]
    decision = decide([Pending(1, "anchor")], listed, set(), complete=False)[1]
    assert decision.status == InputStatus.UNCERTAIN and decision.candidate == "stranger"
    assert "stranger" in decision.reason and "--adopt-uncertain" in decision.reason


def test_several_unknown_jobs_leave_the_input_uncertain_without_a_candidate() -> None:
    """With two unknown jobs either may be the input's: nothing to adopt, only an explicit resubmission."""
    listed = [Listed("x", at(31)), Listed("y", at(30)), Listed("anchor", at(10))]
    decision = decide([Pending(1, "anchor")], listed, set(), complete=True)[1]
    assert decision.status == InputStatus.UNCERTAIN and decision.candidate is None
    assert "x, y" in decision.reason and "--resubmit-uncertain" in decision.reason


def test_a_job_created_in_the_anchors_second_counts_even_when_listed_after_it() -> None:
    """createdAt has whole seconds: a tie may be listed on either side of the anchor."""
    listed = [Listed("anchor", at(10)), Listed("same-second", at(10)), Listed("old", at(0))]
    assert decide([Pending(1, "anchor")], listed, set(), complete=False)[1].status == InputStatus.UNCERTAIN


def test_a_job_listed_after_the_anchor_within_the_tie_tolerance_still_counts() -> None:
    """Clocks and sub-second times may disagree: a job stamped up to TIE_TOLERANCE before the anchor
    but listed after it may be the input's, so the input stays uncertain; one older than that cannot."""
    within = [Listed("anchor", at(10)), Listed("just-before", at(9.5)), Listed("old", at(0))]
    assert decide([Pending(1, "anchor")], within, set(), complete=False)[1].status == InputStatus.UNCERTAIN
    beyond = [Listed("anchor", at(10)), Listed("before", at(8.9)), Listed("old", at(0))]
    assert decide([Pending(1, "anchor")], beyond, set(), complete=False)[1].status == InputStatus.PENDING


def test_a_list_not_read_past_the_anchor_proves_nothing() -> None:
    """If the anchor is not in the pages read, the input stays uncertain."""
    listed = [Listed("mine-1", at(30)), Listed("mine-2", at(20))]
    decision = decide([Pending(1, "anchor")], listed, {"mine-1", "mine-2"}, complete=False)[1]
    assert decision.status == InputStatus.UNCERTAIN


def test_an_empty_team_anchor_needs_the_whole_list() -> None:
    """With no job at all before the first submission, only the complete list can prove absence."""
    listed = [Listed("mine-1", at(30))]
    assert decide([Pending(1, "")], listed, {"mine-1"}, complete=False)[1].status == InputStatus.UNCERTAIN
    assert decide([Pending(1, "")], listed, {"mine-1"}, complete=True)[1].status == InputStatus.PENDING
    assert decide([Pending(1, "")], listed, set(), complete=True)[1].status == InputStatus.UNCERTAIN


def _newer(times: list[int], anchor: int) -> list[int]:
    """The indexes of the jobs created in or after the anchor's second, the anchor aside."""
    return [i for i, t in enumerate(times) if t >= times[anchor] and i != anchor]


@st.composite
def job_lists(draw: st.DrawFn, *, with_own: bool = False) -> tuple[list[Listed], int, int | None, set[str], int]:
    """A newest-first job list with whole-second times and ties in any order; an anchor; maybe the input's job
    (always, *with_own*: drawn so, not filtered, or most draws would be thrown away)."""
    times = sorted(draw(st.lists(st.integers(0, 20), min_size=2 if with_own else 1, max_size=25)), reverse=True)
    ids = [f"job-{i}" for i in range(len(times))]
    listed = [Listed(job_id, at(t)) for job_id, t in zip(ids, times, strict=True)]
    anchors = [a for a in range(len(listed)) if _newer(times, a)] if with_own else list(range(len(listed)))
    anchor = draw(st.sampled_from(anchors))
    newer = _newer(times, anchor)
    own = draw(st.sampled_from(newer)) if newer and (with_own or draw(st.booleans())) else None
    claimed = {ids[i] for i in range(len(ids)) if i != own and draw(st.booleans())}
    read = draw(st.integers(1, len(listed)))
    return listed, anchor, own, claimed, read


@given(job_lists(with_own=True))
def test_an_input_whose_job_exists_is_never_sent_again(
    case: tuple[list[Listed], int, int | None, set[str], int],
) -> None:
    """Soundness: if the input's job is in the list, unclaimed, the decision is never 'pending'."""
    listed, anchor, own, claimed, read = case
    assert own is not None
    pages = listed[:read]
    decision = decide([Pending(7, listed[anchor].id)], pages, claimed, complete=read == len(listed))[7]
    assert decision.status == InputStatus.UNCERTAIN


@given(job_lists())
def test_a_fully_read_list_with_every_newer_job_claimed_sends_the_input_again(
    case: tuple[list[Listed], int, int | None, set[str], int],
) -> None:
    """Completeness: when every job from the anchor's second on is claimed and the list was read, resend."""
    listed, anchor, _, claimed, _ = case
    anchor_time = listed[anchor].created_at
    assert anchor_time is not None
    newer = {item.id for item in listed if item.created_at and item.created_at >= anchor_time - timedelta(seconds=1)}
    claimed = claimed | (newer - {listed[anchor].id})
    assert decide([Pending(7, listed[anchor].id)], listed, claimed, complete=True)[7].status == InputStatus.PENDING
