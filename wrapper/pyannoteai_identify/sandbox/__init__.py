"""A local, stateful fake of the pyannoteAI API: real HTTP, real validation, honest fake results.

Every operation of ``openapi.yaml`` is served with bearer auth, contract validation (400 field
errors), presigned uploads to a ``media://`` store, jobs that move created → running → succeeded
or failed (or canceled, when asked for), result retention, cursor paging, the sliding-window rate
limit, signed webhooks with retries, and fault injection. Results are computed, not canned: under the signal model of
:mod:`._signal` each speaker is a pure tone, so identification follows the audio.

    from pyannoteai_identify.sandbox import Sandbox, demo_audio

    with Sandbox(speed=60) as sandbox:           # a simulated minute lasts a second
        ...                                      # point a client at sandbox.base_url / sandbox.api_key
        sandbox.faults.next(2, "5xx")            # the next two requests fail with 503
        sandbox.faults.fail_next_job("boom")     # the next job fails with output.error "boom"
        sandbox.faults.cancel_next_job()         # the next one ends canceled (no output, webhook too)
        assert sandbox.stats.requests["identify"] == 1

:class:`Sandbox` and :func:`serve` need the ``sandbox`` extra (starlette, uvicorn, jsonschema)
and are imported on first use; the audio helpers (:func:`demo_audio`, :func:`synthesize_speech`,
…) need nothing beyond the standard library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._clock import Clock, Timing
from ._defaults import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET
from ._demo import DEMO_TURNS, demo_audio, voice_sample, voiceprint_for
from ._faults import DroppedConnection, Fault, FaultKind, Faults
from ._signal import Analysis, AudioError, analyse, similarity, synthesize_speech, tone_for
from ._signal import Speaker as Speaker  # the names annotations use, for typing.get_type_hints
from ._signal import ToneSegment as ToneSegment
from ._stats import Delivery, DeliveryOutcome, Stats  # noqa: F401

if TYPE_CHECKING:
    from ._cli import serve
    from ._server import Sandbox

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WEBHOOK_SECRET",
    "DEMO_TURNS",
    "Analysis",
    "AudioError",
    "Clock",
    "Delivery",
    "DroppedConnection",
    "Fault",
    "FaultKind",
    "Faults",
    "Sandbox",
    "Stats",
    "Timing",
    "analyse",
    "demo_audio",
    "serve",
    "similarity",
    "synthesize_speech",
    "tone_for",
    "voice_sample",
    "voiceprint_for",
]

# A class's repr, help(), a pickle and Sphinx name it by its module, and a traceback a function:
# what is public here, though defined in the private modules, reports this one (the server parts
# when first read, below).
for _public in (
    Analysis,
    AudioError,
    Clock,
    Delivery,
    DroppedConnection,
    Fault,
    Faults,
    Stats,
    Timing,
    analyse,
    demo_audio,
    similarity,
    synthesize_speech,
    tone_for,
    voice_sample,
    voiceprint_for,
):
    _public.__module__ = __name__
del _public

_LAZY = {"Sandbox": "._server", "serve": "._cli"}
_EXTRA_HINT = "the sandbox server needs its extra: pip install 'pyannoteai-identify[sandbox]'"


def __getattr__(name: str) -> Any:
    """Import the server parts (starlette, uvicorn, jsonschema) only when they are used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        value = getattr(importlib.import_module(module, __name__), name)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(f"{error}; {_EXTRA_HINT}", name=error.name) from error
    value.__module__ = __name__
    globals()[name] = value
    return value
