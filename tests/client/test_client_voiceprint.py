"""create_voiceprint() and submit_voiceprint(): upload if needed, submit, wait, return the voiceprint."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import respx
from clientkit import JOB_ID, PRESIGNED_URL, VOICEPRINT, Api, FakeTime, job_response, write_wav

from pyannoteai_identify import JobFailedError, ValidationError, VoiceprintResult, WaitTimeoutError

pytestmark = pytest.mark.anyio

JOB_PATH = f"/v1/jobs/{JOB_ID}"


def _mock_submit(router: respx.Router) -> respx.Route:
    return router.post("/v1/voiceprint").respond(200, json={"jobId": JOB_ID, "status": "created"})


async def test_create_voiceprint_uploads_submits_waits_and_returns_the_string(
    api: Api, router: respx.Router, fake_time: FakeTime, tmp_path: Path
) -> None:
    """A short local WAV is uploaded, a voiceprint job submitted with its media URL, and its voiceprint returned."""
    media = router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    put = router.put(PRESIGNED_URL).respond(200)
    submit = _mock_submit(router)
    router.get(JOB_PATH).mock(
        side_effect=[job_response("running"), job_response("succeeded", {"voiceprint": VOICEPRINT})]
    )
    wav = write_wav(tmp_path / "john.wav", 5.0)
    statuses: list[str] = []

    voiceprint = await api.create_voiceprint(wav, on_status=lambda job: statuses.append(str(job.status)))

    assert voiceprint == VOICEPRINT
    media_url = json.loads(media.calls.last.request.content)["url"]
    assert json.loads(submit.calls.last.request.content) == {"url": media_url, "webhookStatusOnly": False}
    assert put.calls.last.request.content == wav.read_bytes()
    assert [call.request.url.path for call in router.calls] == [
        "/v1/media/input",
        "/upload/abc",
        "/v1/voiceprint",
        JOB_PATH,
        JOB_PATH,
    ]
    assert statuses == ["running", "succeeded"]
    assert len(fake_time.sleeps) == 1


async def test_create_voiceprint_from_a_url_skips_the_upload(api: Api, router: respx.Router) -> None:
    """An https or media:// URL is submitted as is."""
    submit = _mock_submit(router)
    router.get(JOB_PATH).respond(200, json=job_response("succeeded", {"voiceprint": VOICEPRINT}).json())
    assert await api.create_voiceprint("media://enrolment/john.wav") == VOICEPRINT
    assert json.loads(submit.calls.last.request.content)["url"] == "media://enrolment/john.wav"
    assert router.calls.call_count == 2


async def test_a_wav_of_exactly_30_seconds_is_accepted(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """The 30-second limit is inclusive."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    _mock_submit(router)
    router.get(JOB_PATH).respond(200, json=job_response("succeeded", {"voiceprint": VOICEPRINT}).json())
    assert await api.create_voiceprint(write_wav(tmp_path / "edge.wav", 30.0)) == VOICEPRINT


async def test_a_wav_longer_than_30_seconds_is_refused_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A 45-second WAV is refused, naming its duration and the limit; nothing is uploaded or billed."""
    with pytest.raises(ValidationError) as caught:
        await api.create_voiceprint(write_wav(tmp_path / "long.wav", 45.0))
    assert caught.value.field == "audio"
    assert "45.0 s" in caught.value.rule and "30 s" in caught.value.rule
    assert router.calls.call_count == 0


async def test_a_wav_file_object_longer_than_30_seconds_is_refused_before_any_request(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A web service has file objects (an upload), not paths: their WAV header is read too, and the
    object is left where it was. It used to be uploaded and billed, then fail at the API."""
    data = write_wav(tmp_path / "long.wav", 45.0).read_bytes()
    file = io.BytesIO(b"junk" + data)
    file.seek(4)
    with pytest.raises(ValidationError) as caught:
        await api.create_voiceprint(file)
    assert "45.0 s" in caught.value.rule and router.calls.call_count == 0
    assert file.tell() == 4


async def test_a_wav_file_object_within_the_limit_is_sent_whole(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """Reading the header does not eat the start of the upload."""
    data = write_wav(tmp_path / "ok.wav", 3.0).read_bytes()
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    put = router.put(PRESIGNED_URL).respond(200)
    _mock_submit(router)
    router.get(JOB_PATH).respond(200, json=job_response("succeeded", {"voiceprint": VOICEPRINT}).json())
    assert await api.create_voiceprint(io.BytesIO(data)) == VOICEPRINT
    assert put.calls.last.request.content == data


async def test_audio_that_is_not_wav_is_left_to_the_api(api: Api, router: respx.Router) -> None:
    """The duration is read only from WAV headers; other bytes are uploaded for the API to judge."""
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    _mock_submit(router)
    router.get(JOB_PATH).respond(200, json=job_response("succeeded", {"voiceprint": VOICEPRINT}).json())
    assert await api.create_voiceprint(io.BytesIO(b"ID3\x04" + b"\x00" * 512)) == VOICEPRINT


async def test_submit_voiceprint_returns_a_voiceprint_job(api: Api, router: respx.Router) -> None:
    """submit_voiceprint sends the webhook options and returns a Job of kind voiceprint, without waiting."""
    submit = _mock_submit(router)
    job = await api.submit_voiceprint(
        "https://files.example.com/john.wav", webhook="https://hooks.example.com/vp", webhook_status_only=True
    )
    assert (job.id, str(job.status), job.kind) == (JOB_ID, "created", "voiceprint")
    assert json.loads(submit.calls.last.request.content) == {
        "url": "https://files.example.com/john.wav",
        "webhook": "https://hooks.example.com/vp",
        "webhookStatusOnly": True,
    }
    assert router.calls.call_count == 1
    router.get(JOB_PATH).respond(200, json=job_response("succeeded", {"voiceprint": VOICEPRINT}).json())
    result = await api.wait(job)
    assert isinstance(result, VoiceprintResult)


async def test_a_failed_voiceprint_job_raises_with_the_api_reason(api: Api, router: respx.Router) -> None:
    """create_voiceprint raises JobFailedError carrying output.error."""
    _mock_submit(router)
    router.get(JOB_PATH).respond(200, json=job_response("failed", {"error": "More than one speaker"}).json())
    with pytest.raises(JobFailedError, match="More than one speaker"):
        await api.create_voiceprint("media://enrolment/two.wav")


async def test_create_voiceprint_honours_its_timeout(api: Api, router: respx.Router, fake_time: FakeTime) -> None:
    """timeout= bounds the wait; the error carries the job id to resume with."""
    _mock_submit(router)
    router.get(JOB_PATH).mock(side_effect=lambda request: job_response("running"))
    with pytest.raises(WaitTimeoutError) as caught:
        await api.create_voiceprint("media://enrolment/john.wav", timeout=20)
    assert caught.value.job_id == JOB_ID
    assert sum(fake_time.sleeps) == pytest.approx(20.0)
