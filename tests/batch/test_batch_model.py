"""identify_batch's ``model``: sent with every submission, part of the manifest's settings, and a
manifest started without one (by this version or the one before ``model`` existed) resumes unchanged."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest
from batchkit import MODES, VOICEPRINTS, make_audio, requests_of, run_batch

from pyannoteai_identify._validation import Matching, Voiceprint
from pyannoteai_identify.batch import BatchReport, ManifestError
from pyannoteai_identify.batch._settings import Options
from pyannoteai_identify.errors import ValidationError
from pyannoteai_identify.sandbox import Sandbox
from pyannoteai_identify.testing import MockAPI


def _run_on_mock(mode: str, mock: MockAPI, inputs: list[Path], tmp_path: Path, **options: Any) -> BatchReport:
    """``Client.identify_batch`` (sync) or ``AsyncClient.identify_batch`` (async) against *mock*, with the
    default share of its rate limit: the status sweeps, 12 s apart, are waited on the mock's virtual clock."""
    options = {"manifest": tmp_path / "m.sqlite", "out": tmp_path / "out", "poll_interval": 0.05, **options}
    if mode == "sync":
        with mock.client() as client:
            return client.identify_batch(inputs, VOICEPRINTS, **options)

    async def main() -> BatchReport:
        async with mock.async_client() as client:
            return await client.identify_batch(inputs, VOICEPRINTS, **options)

    return anyio.run(main)


@pytest.mark.parametrize("model", ["precision-1", "a-model-of-next-year", None])
@pytest.mark.parametrize("mode", MODES)
def test_every_submission_of_the_batch_sends_its_model_and_none_leaves_it_out(
    pyannoteai_mock: MockAPI, tmp_path: Path, real_sleeps: list[float], mode: str, model: str | None
) -> None:
    """``identify_batch(model=...)`` is identify's ``model`` for every input: sent as given (the API
    judges the name); without one, no submission has a ``model`` and the API picks its default."""
    inputs = make_audio(tmp_path / "in", 2)
    report = _run_on_mock(mode, pyannoteai_mock, inputs, tmp_path, model=model)

    assert real_sleeps == []  # every wait of the batch is on the mock's virtual clock
    assert report.ok, report.failures
    bodies = [call.json for call in pyannoteai_mock.calls("identify")]
    assert len(bodies) == 2
    if model is None:
        assert ["model" in body for body in bodies] == [False, False]
    else:
        assert [body["model"] for body in bodies] == [model, model]


def _options(model: str | None, **changes: Any) -> Options:
    settings: dict[str, Any] = {
        "voiceprints": (Voiceprint("Alice", "QUxJQ0U="), Voiceprint("Bob", "Qk9C")),
        "num_speakers": 2,
        "matching": Matching(exclusive=False, threshold=40.0),
        "confidence": True,
        "exclusive": False,
        "turn_level_confidence": True,
        "webhook": "https://hooks.example.test/x",
        "model": model,
        **changes,
    }
    return Options(**settings)


def test_without_a_model_the_settings_digest_is_the_one_the_version_before_model_wrote() -> None:
    """A manifest holds the digest of its settings and refuses another: the digest of settings without a
    model must stay the one the previous version wrote (pinned here, computed by that version), or
    every manifest it left would refuse to resume; a model, any model, is another digest."""
    assert _options(None).fingerprint()[0] == "249492d9fe93dfa385b0c6d00eb2cecdf62251c61fcf75b6fa683d923f5c6cd2"
    defaults = {"num_speakers": None, "matching": None, "confidence": False, "turn_level_confidence": False}
    plain = _options(None, voiceprints=(Voiceprint("Alice", "QUxJQ0U="),), webhook=None, **defaults)
    assert plain.fingerprint()[0] == "b93274aecaa8ccaf5824a3dcee059fc83e112d7a6e70518e3a9fe72d3812e3c4"

    digests = {_options(model).fingerprint()[0] for model in (None, "precision-1", "precision-2")}
    assert len(digests) == 3  # precision-2, the API's default today, is still not "the API's choice"
    digest, text = _options("precision-1").fingerprint()
    assert "model='precision-1'" in text and digest[:12] in text


def _digest_before_model(voiceprints: dict[str, str]) -> str:
    """The settings digest of the version before ``model``, for a batch with default options."""
    data = {
        "voiceprints": [[label, voiceprint] for label, voiceprint in voiceprints.items()],
        "num_speakers": None,
        "matching": None,
        "confidence": False,
        "exclusive": False,
        "turn_level_confidence": False,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _settings_of(manifest: Path) -> str:
    with closing(sqlite3.connect(manifest)) as db:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
    return str(value)


@pytest.mark.parametrize("mode", MODES)
def test_a_manifest_started_without_a_model_resumes_without_one_and_refuses_another_model(
    sandbox: Sandbox, tmp_path: Path, mode: str
) -> None:
    """A run without a model binds its manifest to the digest the previous version wrote for the same
    settings, so a manifest of that version resumes (nothing submitted again); resuming it with a model
    is refused as another threshold is, before any request."""
    make_audio(tmp_path / "audio", 2)
    first = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path)
    assert first.ok
    assert _settings_of(tmp_path / "manifest.sqlite") == _digest_before_model(VOICEPRINTS)

    again = run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model=None)
    assert again.ok and sandbox.stats.submissions == 2

    sandbox.stats.reset()
    with pytest.raises(ManifestError, match=r"other voiceprints or options .*now: .*model='precision-1'"):
        run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model="precision-1")
    assert requests_of(sandbox) == {}


@pytest.mark.parametrize("mode", MODES)
def test_a_manifest_started_with_a_model_resumes_with_it_and_refuses_another_or_none(
    sandbox: Sandbox, tmp_path: Path, mode: str
) -> None:
    """The model decides the result: a manifest started with one resumes with the same model only."""
    make_audio(tmp_path / "audio", 2)
    assert run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model="precision-2").ok
    assert run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model="precision-2").ok
    assert sandbox.stats.submissions == 2

    sandbox.stats.reset()
    for other in ("precision-1", None):
        with pytest.raises(ManifestError, match="model='precision-2'"):
            run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model=other)
    assert requests_of(sandbox) == {}


@pytest.mark.parametrize("model", ["", 2, b"precision-2"])
@pytest.mark.parametrize("mode", MODES)
def test_a_model_that_cannot_be_a_name_is_refused_before_any_request(
    sandbox: Sandbox, tmp_path: Path, mode: str, model: object
) -> None:
    """An empty name, a number or bytes is a ValidationError naming ``model``, as for identify,
    before the key check, any upload or any submission."""
    make_audio(tmp_path / "audio", 1)
    with pytest.raises(ValidationError) as raised:
        run_batch(mode, sandbox, [tmp_path / "audio"], tmp_path, model=model)
    assert raised.value.field == "model"
    assert requests_of(sandbox) == {}
