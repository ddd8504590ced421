"""The settings of one batch run: the identify options every input shares, and how the run is tuned.

Both are checked before any request; ``Options.fingerprint`` binds a manifest to the options its
jobs were submitted with, so a resumed run cannot silently mix two sets of settings.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass

from .. import _core
from .._numbers import real
from .._validation import Matching, Voiceprint
from ..errors import ValidationError

#: The default bound on one run: audio lasts at most 24 hours and results are kept 24 hours.
DEFAULT_TIMEOUT = 48 * 3600.0


@dataclass(frozen=True)
class Options:
    """The validated identify options every input of the batch is submitted with."""

    voiceprints: tuple[Voiceprint, ...]
    num_speakers: int | None
    matching: Matching | None
    confidence: bool
    exclusive: bool
    turn_level_confidence: bool
    webhook: str | None
    model: str | None = None

    def request(self, url: str) -> _core.RequestKwargs:
        return _core.identify_request(
            url=url,
            voiceprints=list(self.voiceprints),
            num_speakers=self.num_speakers,
            matching=self.matching,
            confidence=self.confidence,
            exclusive=self.exclusive,
            turn_level_confidence=self.turn_level_confidence,
            webhook=self.webhook,
            webhook_status_only=False,
            model=self.model,
        )

    def fingerprint(self) -> tuple[str, str]:
        """A hash of what decides a job's result (not the webhook), and a description without secrets."""
        data: dict[str, object] = {
            "voiceprints": [[v.label, v.voiceprint] for v in self.voiceprints],
            "num_speakers": self.num_speakers,
            "matching": None if self.matching is None else [self.matching.exclusive, self.matching.threshold],
            "confidence": self.confidence,
            "exclusive": self.exclusive,
            "turn_level_confidence": self.turn_level_confidence,
        }
        if self.model is not None:
            # Only when given: without a model the digest stays the one manifests written before
            # ``model`` existed hold, so they resume; any model, the API's default too, is another.
            data["model"] = self.model
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        text = (
            f"labels {', '.join(v.label for v in self.voiceprints)}; num_speakers={self.num_speakers}; "
            f"matching={data['matching']}; confidence={self.confidence}; exclusive={self.exclusive}; "
            f"turn_level_confidence={self.turn_level_confidence}; model={self.model!r}; settings sha256 {digest[:12]}"
        )
        return digest, text


@dataclass(frozen=True)
class Tuning:
    """How the run is paced and what it does again; see ``identify_batch`` for each field."""

    concurrency: int
    poll_interval: float
    status_share: float
    timeout: float
    retry_failed: bool
    resubmit_expired: bool
    resubmit_uncertain: bool
    adopt_uncertain: bool


def check_positive(field: str, value: object, *, maximum: float = math.inf) -> float:
    """*value* as a float when it is a finite number above 0 (and at most *maximum*): any real
    number (:func:`.._numbers.real`), not a bool."""
    number = real(value)
    if number is None or not 0 < number <= maximum:
        bound = "" if maximum == math.inf else f" ≤ {maximum:g}"
        raise ValidationError(field, value, f"must be a positive number{bound}")
    if not math.isfinite(number):
        raise ValidationError(field, value, "must be finite: every wait has a bound")
    return number


def check_concurrency(value: object) -> int:
    """*value* when it is a whole number from 1 to 64."""
    if type(value) is not int or not 1 <= value <= 64:
        raise ValidationError("concurrency", value, "must be a whole number from 1 to 64")
    return value
