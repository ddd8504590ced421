"""Suite-wide settings: Hypothesis profiles, the async backend, and an environment free of real keys."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# `dev` keeps local runs quick; `ci` (selected by nox in CI) runs more examples, reproducibly.
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _no_real_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may pick up a developer's real key, base URL or webhook secret from the environment."""
    for name in ("PYANNOTEAI_API_KEY", "PYANNOTEAI_BASE_URL", "PYANNOTEAI_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
