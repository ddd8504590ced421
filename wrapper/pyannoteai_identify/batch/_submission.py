"""What a submission's outcome means for its input (pure): the table of ``POST /v1/identify``'s answers.

The engine (``_runner_submit``) sends the request and performs the decision; this module only decides, so
every row of the table can be checked without a server. The rule behind it: an input goes back to
``pending`` only when the answer proves that no job was created; when a job may exist, it stays
``submitting`` for the reconciliation (``_reconcile``) to settle, and is never sent again unproven.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .._core import JOB_MAY_EXIST, LOOK_FOR_THE_JOB, MAY_HAVE_CREATED_A_JOB
from ..errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    PaymentRequiredError,
    RateLimitError,
    ServerError,
)
from ._retry import ends_the_run

__all__ = ["SETTLED_BY_THE_JOB_LIST", "Action", "Decision", "after_submission"]

#: What the batch does with an input whose job may exist: what the client's error tells a caller to
#: do (look for the job before submitting again), the reconciliation does (``_reconcile``), so the
#: reason recorded says this instead of that advice.
SETTLED_BY_THE_JOB_LIST = (
    "it stays submitting until the batch reads the job list: it is sent again only if the list shows that no "
    "job was created, and becomes uncertain otherwise"
)
#: The client's advice in its errors of a job that may exist, and what a batch's reason keeps of each.
_THE_CLIENTS_ADVICE = ((MAY_HAVE_CREATED_A_JOB, JOB_MAY_EXIST), (f" {LOOK_FOR_THE_JOB}", ""))


class Action(enum.StrEnum):
    """What the engine does with the input."""

    SUBMITTED = "submitted"  #: record the job and watch it
    RETRY = "retry"  #: no job was created: back to pending, sent again after a pause in this run
    HALT = "halt"  #: no job was created: back to pending, and submitting stops for the run
    FAILED = "failed"  #: the API refused the input for good: no job, it fails with the reason
    IN_DOUBT = "in_doubt"  #: a job may exist: stays submitting, for the reconciliation to settle


@dataclass(frozen=True, slots=True)
class Decision:
    """The *action*, and the *reason* to record with it (empty for a submitted input)."""

    action: Action
    reason: str = ""


def after_submission(error: APIConnectionError | APIError | None, *, answered: bool = False) -> Decision:
    """Decide what the outcome of one ``POST /v1/identify`` means for its input.

    *error* is None when a 2xx answer was read (a job id arrived); an ``APIConnectionError`` when
    no answer arrived; the ``APIError`` of an error answer; or, with *answered* (a 2xx came), the
    ``InvalidResponseError`` of an answer that could not be read.
    """
    if error is None:
        return Decision(Action.SUBMITTED)
    if answered:
        return _in_doubt(f"the answer could not be read: {_without_the_clients_advice(error)}")
    if isinstance(error, APIConnectionError):
        if error.request_sent:
            return _in_doubt(f"the answer was lost: {_without_the_clients_advice(error)}")
        return Decision(Action.HALT if ends_the_run(error) else Action.RETRY, f"not sent: {error}")
    if isinstance(error, RateLimitError):  # a refusal: no job exists, so sending again cannot bill twice
        return Decision(Action.RETRY, f"rate limited: {error}")
    if isinstance(error, AuthenticationError | PaymentRequiredError):
        return Decision(Action.HALT, str(error))
    if isinstance(error, ServerError):  # the API may have failed after creating the job (its error says so)
        return _in_doubt(f"the API failed: {_without_the_clients_advice(error)}")
    return Decision(Action.FAILED, f"refused by the API: {error}")


def _without_the_clients_advice(error: APIConnectionError | APIError) -> str:
    """*error*'s text without what it tells a caller to do about the job that may exist (look for it
    with ``client.jobs()``): in a batch, the batch does that itself, which its reason says instead;
    that the job may exist is kept."""
    text = str(error)
    for advice, kept in _THE_CLIENTS_ADVICE:
        text = text.replace(advice, kept)
    return text


def _in_doubt(what: str) -> Decision:
    """Left submitting: *what* happened (the client's error, which says that the job may exist), then
    what the batch does about it."""
    return Decision(Action.IN_DOUBT, f"{what.removesuffix('.')}; {SETTLED_BY_THE_JOB_LIST}")
