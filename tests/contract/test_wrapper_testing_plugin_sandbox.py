"""The pytest plugin also gives consumer teams a real sandbox server as a fixture."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

CONSUMER_TEST = """
from pyannoteai_identify import Client, IdentifyResult
from pyannoteai_identify.sandbox import demo_audio, voiceprint_for


def test_identify_against_the_sandbox(sandbox, tmp_path):
    meeting = tmp_path / "meeting.wav"
    meeting.write_bytes(demo_audio())
    with Client(api_key=sandbox.api_key, base_url=sandbox.base_url) as client:
        job = client.identify(meeting, {"Alice": voiceprint_for("Alice"), "Bob": voiceprint_for("Bob")})
        result = client.wait(job, timeout=60)
    assert isinstance(result, IdentifyResult)
    assert set(result.talk_time()) == {"Alice", "Bob"}
    assert sandbox.stats.submissions == 1


@pytest.mark.sandbox(rate_limit=2)
def test_a_marked_test_gets_its_own_sandbox(sandbox):
    assert sandbox.limiter is not None
"""


def test_the_auto_loaded_plugin_provides_a_sandbox_fixture_and_marker(pytester: pytest.Pytester) -> None:
    """A consumer's test can take `sandbox` (and `@pytest.mark.sandbox(...)`) with no import or conftest."""
    pytester.makepyfile(test_consumer="import pytest\n" + CONSUMER_TEST)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=2)
