"""Live conformance: the server at --base-url still answers as openapi.yaml says.

Run with ``nox -s conformance -- --base-url https://api.pyannote.ai`` and ``PYANNOTEAI_API_KEY``
set. Every response the client receives is validated against the contract (declared status,
content type, body schema, rate-limit headers), so a team learns in CI when the upstream API
drifts. These checks bill nothing; the one marked ``billing`` submits a tiny identify job and
runs only with ``--allow-billing``. Without --base-url, all of them are deselected.
"""

from __future__ import annotations

import io
import math
import struct
import uuid
import wave
from typing import Any

import pytest

from pyannoteai_identify import (
    BadRequestError,
    Client,
    IdentifyResult,
    JobCanceledError,
    JobFailedError,
    KeyStatus,
    NotFoundError,
)
from pyannoteai_identify.testing import make_voiceprint

pytestmark = pytest.mark.live


def _tiny_wav(seconds: float = 2.0, rate: int = 16000) -> bytes:
    """A short mono 16-bit WAV (a 220 Hz tone): the smallest upload a billing check needs."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * n / rate))) for n in range(int(seconds * rate))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return buffer.getvalue()


def test_key_check_answers_as_the_contract_says(live_client: Client, live_exchanges: Any) -> None:
    """GET /v1/test answers a spec-valid TestResponse, which the client returns as a KeyStatus."""
    try:
        status = live_client.test()
    finally:  # the schema names a contract break even when the client refused the answer first
        if live_exchanges.responses:  # none: the client's own error (no connection) says what happened
            live_exchanges.assert_conform()
    assert isinstance(status, KeyStatus)


def test_first_page_of_the_job_list_answers_as_the_contract_says(live_client: Client, live_exchanges: Any) -> None:
    """GET /v2/jobs (first page only) answers a spec-valid JobList."""
    page = list(live_client.jobs(page_size=5, max_items=5))
    assert len(page) <= 5
    live_exchanges.assert_conform()


def test_unknown_job_answers_404_and_raises_not_found(live_client: Client, live_exchanges: Any) -> None:
    """GET /v1/jobs/<random uuid> answers a spec-valid 404, which the client raises as NotFoundError."""
    with pytest.raises(NotFoundError) as caught:
        live_client.get_job(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    live_exchanges.assert_conform()


@pytest.mark.billing
def test_tiny_identify_job_answers_as_the_contract_says_from_upload_to_end(
    live_client: Client, live_exchanges: Any, live_timeout: float
) -> None:
    """Upload 2 s of audio, submit an identify job and wait: every answer on the way is spec-valid.

    The audio is a tone and the voiceprint synthetic, so the API may refuse the voiceprint (a
    documented 400) or fail the job; both are answers the contract describes and the client
    reports as documented, so the check is about their shape, not about the outcome.
    """
    media_url = live_client.upload(io.BytesIO(_tiny_wav()), key=f"pyannoteai-identify-conformance/{uuid.uuid4()}.wav")
    try:
        job = live_client.identify(media_url, voiceprints={"Probe": make_voiceprint("probe")}, num_speakers=1)
    except BadRequestError:
        pass
    else:
        try:
            result = live_client.wait(job, timeout=live_timeout)
        except (JobFailedError, JobCanceledError):
            pass
        else:
            assert isinstance(result, IdentifyResult)
    live_exchanges.assert_conform()
