"""A local, stateful fake of the pyannoteAI API: real HTTP, real validation, honest fake results.

Every operation of ``openapi.yaml`` is served with bearer auth, contract validation (400 field
errors), presigned uploads to a ``media://`` store, jobs that move created → running → succeeded
or failed, result retention, cursor paging, the sliding-window rate limit, signed webhooks with
retries, and fault injection. Results are computed, not canned: under the signal model of
:mod:`._signal` each speaker is a pure tone, so identification follows the audio.

    from pyannoteai_identify.sandbox import Sandbox, demo_audio

    with Sandbox(speed=60) as sandbox:           # a simulated minute lasts a second
        ...                                      # point a client at sandbox.base_url / sandbox.api_key
        sandbox.faults.next(2, "5xx")            # the next two requests fail with 503
        assert sandbox.stats.requests["identify"] == 1

Requires the ``sandbox`` extra (starlette, uvicorn, jsonschema).
"""

from ._cli import serve
from ._clock import Clock, Timing
from ._demo import DEMO_TURNS, demo_audio, voice_sample, voiceprint_for
from ._faults import DroppedConnection, Fault, FaultKind, Faults
from ._server import DEFAULT_API_KEY, DEFAULT_WEBHOOK_SECRET, Sandbox
from ._signal import Analysis, AudioError, analyse, similarity, synthesize_speech, tone_for
from ._stats import Delivery, Stats

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
