"""identify(): every kind of audio source, both voiceprint shapes, the request body and the returned Job."""

from __future__ import annotations

import io
import json
import logging
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from clientkit import API_KEY, JOB_ID, PRESIGNED_URL, Api

from pyannoteai_identify import APIError, Job, Matching, RateLimitError, ValidationError, Voiceprint
from pyannoteai_identify._validation import MAX_AUDIO_SECONDS

pytestmark = pytest.mark.anyio

AUDIO_BYTES = b"RIFF" + bytes(range(256)) * 40


def _audio_file(folder: Path, name: str) -> Path:
    """A local audio file of AUDIO_BYTES, to be uploaded."""
    path = folder / name
    path.write_bytes(AUDIO_BYTES)
    return path


def _notes(error: BaseException) -> list[str]:
    return list(getattr(error, "__notes__", []))


def _mock_identify(router: respx.Router, status: str = "created") -> respx.Route:
    return router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": status})


def _mock_upload(router: respx.Router) -> tuple[respx.Route, respx.Route]:
    media = router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    put = router.put(PRESIGNED_URL).respond(200)
    return media, put


def _body(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


@pytest.mark.parametrize("url", ["https://files.example.com/meeting.wav?sig=1", "media://meetings/2024/call.wav"])
async def test_identify_with_a_url_sends_it_as_is_and_returns_an_identify_job(
    api: Api, router: respx.Router, url: str
) -> None:
    """An https or media:// URL goes straight into the request; the answer becomes a Job of kind identify."""
    route = _mock_identify(router)
    job = await api.identify(url, {"John": "vp-john"})
    assert isinstance(job, Job)
    assert (job.id, str(job.status), job.kind) == (JOB_ID, "created", "identify")
    assert router.calls.call_count == 1
    assert _body(route) == {
        "url": url,
        "voiceprints": [{"label": "John", "voiceprint": "vp-john"}],
        "webhookStatusOnly": False,
        "exclusive": False,
        "turnLevelConfidence": False,
        "confidence": False,
    }
    assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("model", ["precision-2", "precision-1", "a-model-of-next-year"])
async def test_identify_sends_the_model_as_given_and_none_leaves_it_to_the_api(
    api: Api, router: respx.Router, model: str
) -> None:
    """``model`` is a field of the identify request (api-reference §3.6), whose enum the sources do
    not agree on (§11: precision-2 only, or precision-1 and precision-2) and have changed twice: any
    model name is passed on as it is, as openai-python passes ``model``, and the API judges it;
    without one the request has no ``model`` and the API picks its default."""
    route = _mock_identify(router)
    await api.identify("https://files.example.com/meeting.wav", {"John": "vp-john"}, model=model)
    assert _body(route)["model"] == model
    await api.identify("https://files.example.com/meeting.wav", {"John": "vp-john"}, model=None)
    assert "model" not in _body(route)


async def test_identify_with_a_local_path_uploads_first_then_submits_the_media_url(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A path is uploaded (media/input, then PUT without the key) and identify gets the media:// URL."""
    audio = _audio_file(tmp_path, "team meeting.wav")
    media, put = _mock_upload(router)
    identify = _mock_identify(router)

    job = await api.identify(audio, {"John": "vp-john"})

    assert job.id == JOB_ID
    assert [call.request.url.path for call in router.calls] == ["/v1/media/input", "/upload/abc", "/v1/identify"]
    media_url = _body(media)["url"]
    assert media_url.startswith("media://") and media_url.endswith("team-meeting.wav")
    put_request = put.calls.last.request
    assert "Authorization" not in put_request.headers
    assert put_request.headers["Content-Length"] == str(len(AUDIO_BYTES))
    assert put_request.content == AUDIO_BYTES
    assert _body(identify)["url"] == media_url


@pytest.mark.parametrize("submit", ["identify", "submit_voiceprint"])
async def test_a_job_refused_after_its_upload_names_the_media_url_and_a_429_says_no_job_exists(
    api: Api, router: respx.Router, tmp_path: Path, submit: str
) -> None:
    """The upload went through, then the API refused the job (a 429 from a burst of submissions):
    the error said neither that submitting again is safe (a 429 creates nothing) nor where the
    audio now is, so a retry uploaded the whole file again."""
    audio = _audio_file(tmp_path, "meeting.wav")
    media, _ = _mock_upload(router)
    path = "/v1/identify" if submit == "identify" else "/v1/voiceprint"
    limited = {"requestId": "r-429", "message": "Too many requests"}
    router.post(path).respond(429, json=limited, headers={"Retry-After": "59"})
    args = (audio, {"John": "vp-john"}) if submit == "identify" else (audio,)
    with pytest.raises(RateLimitError) as caught:
        await getattr(api, submit)(*args)
    media_url = _body(media)["url"]
    assert "Retry after 59 s; no job was created, so submitting again then bills once" in str(caught.value)
    assert _notes(caught.value) == [
        f"the audio was uploaded to {media_url}: pass that URL as audio to submit again without uploading it again"
    ]


async def test_a_job_creation_interrupted_after_its_upload_logs_the_media_url(
    api: Api, router: respx.Router, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ctrl-C (or a cancellation, which an outer timeout turns into a TimeoutError whose context
    alone keeps the note) while the POST is in flight: the media:// URL is logged too, as the
    job that may exist is, so that it is not lost with a swallowed exception."""
    audio = _audio_file(tmp_path, "meeting.wav")
    media, _ = _mock_upload(router)

    def interrupted(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    router.post("/v1/identify").mock(side_effect=interrupted)
    with caplog.at_level(logging.WARNING, logger="pyannoteai_identify"), pytest.raises(KeyboardInterrupt):
        await api.identify(audio, {"John": "vp-john"})
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 2 and "the job may exist" in logged[0]
    assert logged[1].startswith(f"the audio was uploaded to {_body(media)['url']}: pass that URL")


async def test_the_same_exception_raised_again_after_an_upload_gets_the_upload_note_once(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """A mock's side_effect raises one exception object at every call: each call noted it again."""
    audio = _audio_file(tmp_path, "meeting.wav")
    _mock_upload(router)
    refused = PermissionError("egress blocked")
    router.post("/v1/identify").mock(side_effect=refused)
    for _ in range(3):
        with pytest.raises(PermissionError):
            await api.identify(audio, {"John": "vp-john"}, media_key="meeting.wav")
    notes = _notes(refused)
    assert len(notes) == 2
    assert notes[0].startswith("POST /v1/identify failed in the http_client's transport or event hooks")
    assert notes[1].startswith("the audio was uploaded to media://meeting.wav: pass that URL")


async def test_a_job_submitted_with_a_url_gets_no_upload_note(api: Api, router: respx.Router) -> None:
    """Nothing was uploaded: the error is the API's alone."""
    router.post("/v1/identify").respond(400, json={"requestId": "r", "message": "bad"})
    with pytest.raises(APIError) as caught:
        await api.identify("https://files.example.com/a.wav", {"John": "vp-john"})
    assert _notes(caught.value) == []


async def test_identify_with_a_binary_file_object_uploads_it_from_its_current_position(
    api: Api, router: respx.Router
) -> None:
    """A file object is streamed from where it stands, with a Content-Length, then identified."""
    file = io.BytesIO(b"HEADER" + AUDIO_BYTES)
    file.seek(6)
    media, put = _mock_upload(router)
    identify = _mock_identify(router)

    await api.identify(file, {"John": "vp-john"})

    put_request = put.calls.last.request
    assert put_request.content == AUDIO_BYTES
    assert put_request.headers["Content-Length"] == str(len(AUDIO_BYTES))
    assert "Authorization" not in put_request.headers
    assert _body(identify)["url"] == _body(media)["url"]


async def test_media_key_names_the_uploaded_object(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """media_key chooses the media:// URL of the upload (with or without the scheme)."""
    audio = _audio_file(tmp_path, "a.wav")
    media, _ = _mock_upload(router)
    identify = _mock_identify(router)
    await api.identify(audio, {"John": "vp"}, media_key="meetings/2024-01-15/call.wav")
    assert _body(media) == {"url": "media://meetings/2024-01-15/call.wav"}
    assert _body(identify)["url"] == "media://meetings/2024-01-15/call.wav"


async def test_upload_progress_of_identify_ends_at_the_file_size(
    api: Api, router: respx.Router, tmp_path: Path
) -> None:
    """on_upload_progress reports the bytes sent, ending at the total."""
    audio = _audio_file(tmp_path, "a.wav")
    _mock_upload(router)
    _mock_identify(router)
    progress: list[tuple[int, int | None]] = []
    await api.identify(audio, {"John": "vp"}, on_upload_progress=lambda sent, total: progress.append((sent, total)))
    assert progress[-1] == (len(AUDIO_BYTES), len(AUDIO_BYTES))


async def test_voiceprints_as_mapping_or_sequence_send_the_same_body(api: Api, router: respx.Router) -> None:
    """{"John": vp} and [Voiceprint("John", vp)] are the same request, in the given order."""
    route = _mock_identify(router)
    await api.identify("https://e.example/a.wav", {"John": "vp-j", "Mary": "vp-m"})
    from_mapping = _body(route)
    await api.identify("https://e.example/a.wav", [Voiceprint("John", "vp-j"), Voiceprint("Mary", "vp-m")])
    assert _body(route) == from_mapping
    assert from_mapping["voiceprints"] == [
        {"label": "John", "voiceprint": "vp-j"},
        {"label": "Mary", "voiceprint": "vp-m"},
    ]


async def test_every_option_reaches_the_request_in_the_api_field_names(api: Api, router: respx.Router) -> None:
    """num_speakers, matching, confidence, exclusive, turn-level confidence and webhooks are sent camelCase."""
    route = _mock_identify(router)
    await api.identify(
        "https://e.example/a.wav",
        {"John": "vp"},
        num_speakers=2,
        matching=Matching(exclusive=False, threshold=42),
        confidence=True,
        exclusive=True,
        turn_level_confidence=True,
        webhook="https://hooks.example.com/pyannote",
        webhook_status_only=True,
    )
    assert _body(route) == {
        "url": "https://e.example/a.wav",
        "voiceprints": [{"label": "John", "voiceprint": "vp"}],
        "webhook": "https://hooks.example.com/pyannote",
        "webhookStatusOnly": True,
        "numSpeakers": 2,
        "exclusive": True,
        "turnLevelConfidence": True,
        "confidence": True,
        "matching": {"exclusive": False, "threshold": 42.0},
    }


async def test_matching_as_a_mapping_sends_only_the_given_keys(api: Api, router: respx.Router) -> None:
    """matching={"threshold": 10} leaves exclusive to the API's default."""
    route = _mock_identify(router)
    await api.identify("https://e.example/a.wav", {"John": "vp"}, matching={"threshold": 10})
    assert _body(route)["matching"] == {"threshold": 10.0}


async def test_identify_returns_the_status_the_api_gave(api: Api, router: respx.Router) -> None:
    """A JobCreated with status pending gives a pending Job that is not terminal."""
    _mock_identify(router, status="pending")
    job = await api.identify("https://e.example/a.wav", {"John": "vp"})
    assert str(job.status) == "pending"
    assert not job.is_terminal


async def test_failed_upload_raises_before_identify_is_sent(api: Api, router: respx.Router, tmp_path: Path) -> None:
    """A refused PUT raises an APIError that says the media was not stored; no identify job is created."""
    audio = _audio_file(tmp_path, "a.wav")
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).mock(return_value=httpx.Response(403, text="SignatureDoesNotMatch"))
    identify = _mock_identify(router)
    with pytest.raises(APIError, match="presigned URL failed") as caught:
        await api.identify(audio, {"John": "vp"})
    assert caught.value.status_code == 403
    assert "not stored" in str(caught.value)
    assert identify.call_count == 0


@pytest.mark.parametrize("seconds", [MAX_AUDIO_SECONDS, MAX_AUDIO_SECONDS + 1], ids=["24-h", "over-24-h"])
async def test_a_wav_over_the_api_duration_limit_is_refused_before_anything_is_sent(
    api: Api, router: respx.Router, tmp_path: Path, seconds: float
) -> None:
    """A local WAV lasting over 24 h (the API's limit) was uploaded and billed to fail: its header is
    read first, and such a file is refused naming its duration; 24 h itself is accepted."""
    path = tmp_path / "day.wav"
    with wave.open(str(path), "wb") as writer:  # 1 frame a second keeps a 24-hour file at 86 KB
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(1)
        writer.writeframes(b"\x80" * int(seconds))
    router.post("/v1/media/input").respond(201, json={"url": PRESIGNED_URL})
    router.put(PRESIGNED_URL).respond(200)
    router.post("/v1/identify").respond(200, json={"jobId": JOB_ID, "status": "created"})
    if seconds > MAX_AUDIO_SECONDS:
        with pytest.raises(ValidationError, match=rf"lasts {seconds:.1f} s; the API processes at most 86400 s"):
            await api.identify(path, {"Alice": "QUJD"})
        assert router.calls.call_count == 0
    else:
        assert (await api.identify(path, {"Alice": "QUJD"})).id == JOB_ID
