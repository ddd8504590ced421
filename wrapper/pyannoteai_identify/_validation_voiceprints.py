"""Checks of voiceprints: the enrolled speakers identify compares the audio with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._validation_basics import _text
from ._validation_limits import (
    LABEL_MAX,
    LABEL_MIN,
    LABEL_PATTERN,
    MAX_VOICEPRINTS,
    MIN_VOICEPRINTS,
    VOICEPRINT_MAX,
    VOICEPRINT_MIN,
)
from .errors import ValidationError


@dataclass(frozen=True, slots=True)
class Voiceprint:
    """An enrolled speaker: the *label* identify reports, and the *voiceprint* string of a voiceprint job."""

    label: str
    voiceprint: str

    def __repr__(self) -> str:
        return f"Voiceprint(label={self.label!r}, voiceprint=<{len(self.voiceprint)} chars>)"


def check_voiceprints(value: object) -> list[Voiceprint]:
    """A mapping label → voiceprint, or a sequence of ``Voiceprint``; checked against the contract."""
    if isinstance(value, Mapping):
        items = [Voiceprint(label, voiceprint) for label, voiceprint in value.items()]
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = list(value)
    else:
        raise ValidationError(
            "voiceprints", value, "must be a mapping of label to voiceprint, or a sequence of Voiceprint"
        )
    if not MIN_VOICEPRINTS <= len(items) <= MAX_VOICEPRINTS:
        raise ValidationError(
            "voiceprints",
            f"<{len(items)} voiceprints>",
            f"must hold {MIN_VOICEPRINTS} to {MAX_VOICEPRINTS} voiceprints",
        )
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Voiceprint):
            raise ValidationError(f"voiceprints[{index}]", item, "must be a Voiceprint(label, voiceprint)")
        label = _text(f"voiceprints[{index}].label", item.label)
        if not LABEL_MIN <= len(label) <= LABEL_MAX:
            raise ValidationError(
                f"voiceprints[{index}].label", label, f"must be {LABEL_MIN} to {LABEL_MAX} characters long"
            )
        if not LABEL_PATTERN.search(label):
            raise ValidationError(
                f"voiceprints[{index}].label", label, 'must not start with "SPEAKER_" (in any case): reserved'
            )
        folded = label.casefold()
        if folded in seen:
            raise ValidationError(
                f"voiceprints[{index}].label", label, f"duplicates the label of voiceprints[{seen[folded]}]"
            )
        seen[folded] = index
        voiceprint = _text(f"voiceprints[{index}].voiceprint", item.voiceprint)
        if not VOICEPRINT_MIN <= len(voiceprint) <= VOICEPRINT_MAX:
            raise ValidationError(
                f"voiceprints[{index}].voiceprint",
                f"<{len(voiceprint)} chars>",
                f"must be {VOICEPRINT_MIN} to {VOICEPRINT_MAX} characters long",
            )
    return items
