"""Checks of identify's options: number of speakers, model, matching and its threshold."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ._numbers import real
from ._validation_basics import _text, check_bool
from ._validation_limits import MODEL_MIN, NUM_SPEAKERS_VALUES, THRESHOLD_MAX, THRESHOLD_MIN
from .errors import ValidationError


@dataclass(frozen=True, slots=True)
class Matching:
    """How voiceprints are matched to speakers.

    Attributes:
        exclusive: never match two speakers to the same voiceprint (the API's default: True).
        threshold: do not match below this score, within the contract's bounds of ``Matching.threshold``
            (``_validation.THRESHOLD_MIN`` to ``THRESHOLD_MAX``, from openapi.yaml; the API's default:
            the minimum, which matches everyone).
    """

    exclusive: bool | None = None
    threshold: float | None = None


def check_num_speakers(value: object) -> int | None:
    """None (detect automatically) or one of the contract's values; ``True``, ``2.0`` and ``"2"`` are refused."""
    if value is None:
        return None
    *others, last = map(str, NUM_SPEAKERS_VALUES)
    allowed = f"{', '.join(others)} or {last}" if others else last
    if type(value) is not int or value not in NUM_SPEAKERS_VALUES:
        raise ValidationError("num_speakers", value, f"must be the integer {allowed}, or None to detect automatically")
    return value


def check_model(value: object) -> str | None:
    """None (the API's default model) or a model name: any non-empty string, passed on as it is.

    The contract types ``model`` as an open string: the sources disagree on its values and they
    have changed, so the API judges the name (a 400 naming ``model``), as openai-python leaves it to
    its API. Only what cannot be a name is refused here: a number, bytes, an empty string.
    """
    if value is None:
        return None
    model = _text("model", value)
    if len(model) < MODEL_MIN:
        # Worded for the SDK and the command line alike: None there is leaving --model out.
        raise ValidationError(
            "model", value, "must be a model name such as 'precision-2' (leave it out for the API's default)"
        )
    return model


def check_threshold(value: object) -> float | None:
    """None, or a number within the contract's bounds, as a float: any real number
    (:func:`._numbers.real`: ``numpy.int64``, ``Fraction``, ``Decimal``), not a bool.

    NaN compares false and a number too large for a float reads as infinite, so the one range
    check refuses NaN, infinities and ``10**400`` alike.
    """
    if value is None:
        return None
    threshold = real(value)
    if threshold is None:
        raise ValidationError(
            "matching.threshold", value, f"must be a number from {THRESHOLD_MIN:g} to {THRESHOLD_MAX:g}"
        )
    if not THRESHOLD_MIN <= threshold <= THRESHOLD_MAX:
        raise ValidationError("matching.threshold", value, f"must be from {THRESHOLD_MIN:g} to {THRESHOLD_MAX:g}")
    return threshold


def _and(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


def check_matching(value: object) -> Matching | None:
    if value is None:
        return None
    # The keys are Matching's fields (one per property of the contract's Matching, which
    # tests/contract checks), so a field added there is taken here with no other edit.
    keys = [item.name for item in dataclasses.fields(Matching)]
    if isinstance(value, Mapping):
        unknown = set(value) - set(keys)
        if unknown:
            # Sorted as text: a key that is not a string (1) cannot be compared with one that is.
            named = sorted(unknown, key=str)
            raise ValidationError("matching", value, f"unknown keys {named}; use {_and(keys)}")
        value = Matching(**{key: value.get(key) for key in keys})
    if not isinstance(value, Matching):
        shown = ", ".join(f"{key}=..." for key in keys)
        raise ValidationError("matching", value, f"must be a Matching({shown}) or a mapping")
    if value.exclusive is not None:
        check_bool("matching.exclusive", value.exclusive)
    # A fresh Matching of its fields, not dataclasses.replace: a user's subclass may have its own
    # __init__ (a preset taking no arguments), which replace would call with every field.
    fields = {key: getattr(value, key) for key in keys}
    return Matching(**{**fields, "threshold": check_threshold(value.threshold)})
