"""Job statuses and job kinds: the documented statuses (which are terminal, from the contract), the
keys each output parser reads, and the kind of job an output's keys show (the API sends no type
field).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

from ._contract import SpecReader

_SPEC = SpecReader(__name__)


JobKind: TypeAlias = Literal["identify", "voiceprint", "diarization"]


class JobStatus(enum.StrEnum):
    """The documented job statuses (openapi.yaml's ``JobStatus`` enum, in its order).

    The terminal ones (``succeeded``, ``failed`` and ``canceled``) are those the contract lists in
    ``JobStatus.x-terminal``; ``is_terminal`` reads that list. A status from a newer API that is
    not listed here is kept as a plain ``str`` and counts as not finished. A test checks these
    members against the contract's enum.
    """

    PENDING = "pending"
    CREATED = "created"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        """True for the contract's terminal statuses (``x-terminal``: succeeded, failed and canceled)."""
        return self in _TERMINAL


#: The terminal statuses, from the contract (``components.schemas.JobStatus.x-terminal``).
_TERMINAL: frozenset[str] = frozenset(_SPEC.schema("JobStatus", "x-terminal"))


_STATUS_BY_VALUE = {status.value: status for status in JobStatus}


def coerce_status(value: str) -> JobStatus | str:
    """Map a status string to ``JobStatus``, keeping an unknown value as the plain string."""
    return _STATUS_BY_VALUE.get(value, value)


def is_terminal(status: str) -> bool:
    """True when *status* is terminal by the contract (``x-terminal``); unknown statuses are not."""
    return status in _TERMINAL


def _an(kind: str) -> str:
    """*kind* after its article: "an identify", "a voiceprint"."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


# The keys each parser (in ``_results_parse``) reads, by name: any other key is kept in ``extra``, so
# a key the contract gains before a parser reads it is kept, never dropped. These are the parsers' own lists,
# not copies of the contract: tests/contract/test_outputs_follow_spec.py checks that they are the
# properties of each output schema, so a key added to or renamed in openapi.yaml fails a test,
# naming the key, until the parser reads it.
_SHARED_KEYS = frozenset({"warning", "error"})
_DIARIZATION_KEYS = _SHARED_KEYS | {"diarization", "exclusiveDiarization", "confidence"}
_IDENTIFY_KEYS = _DIARIZATION_KEYS | {"identification", "voiceprints"}
_VOICEPRINT_KEYS = _SHARED_KEYS | {"voiceprint"}


def _kind_markers() -> tuple[tuple[JobKind, frozenset[str]], ...]:
    """The keys that tell the output shapes apart, from the contract, tried in the order of the
    ``anyOf`` of ``WebhookDelivery.output``. The diarization shape, which requires nothing, refuses
    (``not``) the keys that make an output one of the other two; each of those marks the shape
    that declares it. Any other diarization key but the shared ones marks a diarization output."""
    branches = _SPEC.schema("DiarizationJobOutput", "not", "anyOf")
    refused = frozenset(key for branch in branches for key in branch["required"])
    identify = refused & frozenset(_SPEC.properties("IdentifyJobOutput"))
    voiceprint = (refused & frozenset(_SPEC.properties("VoiceprintJobOutput"))) - identify
    shared = frozenset(_SPEC.properties("DiarizationJobOutput")).intersection(
        _SPEC.properties("IdentifyJobOutput"), _SPEC.properties("VoiceprintJobOutput")
    )
    diarization = frozenset(_SPEC.properties("DiarizationJobOutput")) - shared - refused
    return (("identify", identify), ("voiceprint", voiceprint), ("diarization", diarization))


_KIND_MARKERS = _kind_markers()
_OWN_MARKERS = dict(_KIND_MARKERS)


#: Every key of every output shape, from the parsers' lists (checked against the contract).
_OUTPUT_KEYS = _IDENTIFY_KEYS | _VOICEPRINT_KEYS


def _is_job_document(data: Mapping[str, Any]) -> bool:
    """True for a whole job (``GET /v1/jobs/{id}``'s body, the CLI's ``job --format json``): it has
    ``jobId``, ``status`` and ``output`` and no key of any output, so an output carrying those as
    unknown keys next to its own is still an output."""
    return "jobId" in data and "status" in data and "output" in data and _OUTPUT_KEYS.isdisjoint(data)


def infer_kind(output: Mapping[str, Any] | None) -> JobKind | None:
    """Tell the job type from its output keys: the API sends no type field.

    The keys come from the contract's output schemas: a key only ``IdentifyJobOutput`` has
    (``identification``, ``voiceprints``) → identify; a key only ``VoiceprintJobOutput`` has
    (``voiceprint``) → voiceprint; another key of ``DiarizationJobOutput`` (``diarization``, …) →
    diarization; anything else (no output, a warning or an error only) → None.
    """
    if not output:
        return None
    for kind, markers in _KIND_MARKERS:
        if not markers.isdisjoint(output):
            return kind
    return None
