"""What spec-diff reports: one ``Change`` between two OpenAPI documents, and the error raised for a
document it cannot read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Direction = Literal["request", "response"]


class SpecDiffError(Exception):
    """A document could not be read as OpenAPI 3.x (missing file, bad syntax, wrong version, bad $ref)."""


@dataclass(frozen=True, order=True)
class Change:
    """One difference between OURS and OTHER.

    Attributes:
        location: the operation (``POST /v1/identify``) or webhook (``WEBHOOK jobCompleted POST``).
        part: where in the operation: ``request body``, ``response 200``, ``parameter query limit``, …
        path: the JSON path inside that part (``$.voiceprints[*].label``); ``""`` for the part itself.
        kind: a stable identifier of the sort of change (``field-removed``, ``enum-values-added``, …).
        breaking: True when a client built on OURS can fail against OTHER.
        message: the change in words.
        needs_client_edit: True for a change that breaks nothing but that the client handles as it
            should only after a hand edit (a new error status: a plain ``APIError`` until it has an
            exception; README "When the API changes" says what to edit).
    """

    location: str
    part: str
    path: str
    kind: str
    breaking: bool = field(compare=False)
    message: str = field(compare=False)
    needs_client_edit: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The change as a JSON-ready mapping."""
        return asdict(self)

    def describe(self) -> str:
        """One line: where, then what."""
        where = "  ".join(item for item in (self.location, self.part, self.path) if item)
        return f"{where}: {self.message}"
