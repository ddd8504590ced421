"""The sandbox accepts the official SDK's habit of sending null for options it leaves unset."""

from __future__ import annotations

import httpx

from pyannoteai_identify.sandbox import Sandbox, voiceprint_for


def test_null_optional_fields_are_read_as_absent(client: httpx.Client) -> None:
    """numSpeakers, confidence, exclusive and turnLevelConfidence as null create a job, like upstream."""
    body = {
        "url": "media://nowhere.wav",
        "voiceprints": [{"label": "Alice", "voiceprint": voiceprint_for("Alice")}],
        "numSpeakers": None,
        "confidence": None,
        "exclusive": None,
        "turnLevelConfidence": None,
        "webhook": None,
    }
    response = client.post("/v1/identify", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "created"


def test_a_null_required_field_is_still_a_field_error(client: httpx.Client, sandbox: Sandbox) -> None:
    """Forgiving null stops at required fields: url=null is a 400 naming url, and nothing is created."""
    body = {"url": None, "voiceprints": [{"label": "Alice", "voiceprint": voiceprint_for("Alice")}]}
    response = client.post("/v1/identify", json=body)
    assert response.status_code == 400
    assert {"field": "url", "message": "Must be a string"} in response.json()["errors"]
    assert sandbox.stats.submissions == 0


def test_the_model_is_any_non_empty_string_or_null(client: httpx.Client, sandbox: Sandbox) -> None:
    """``model`` is in the contract as an open string (api-reference §3.6 and §11 disagree on its
    enum): any name creates a job, null is absent, and a number or an empty string is a 400 naming
    ``model``, as for any field the contract types, instead of a job created from a body the API
    would refuse."""
    voiceprints = [{"label": "Alice", "voiceprint": voiceprint_for("Alice")}]
    for model in ("precision-1", "precision-2", "a-model-of-next-year", None):
        response = client.post(
            "/v1/identify", json={"url": "media://nowhere.wav", "voiceprints": voiceprints, "model": model}
        )
        assert response.status_code == 200, response.text
    created = sandbox.stats.submissions
    for model, message in ((2, "Must be a string"), ("", "Must not be empty")):
        response = client.post(
            "/v1/identify", json={"url": "media://nowhere.wav", "voiceprints": voiceprints, "model": model}
        )
        assert response.status_code == 400, response.text
        assert {"field": "model", "message": message} in response.json()["errors"]
    assert sandbox.stats.submissions == created
