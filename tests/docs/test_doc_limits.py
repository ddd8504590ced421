"""The contract's limits the documentation quotes in words are the ones openapi.yaml states.

README.md and docs/batch.md say "1 GiB", "100 MiB", "30 s", "24 hours" and "1 or 2" where users
read them, and README.md, docs/webhooks.md and the webhook's own description in openapi.yaml say
how long the API waits for a receiver's answer ("10 s"), how often it retries ("three times") and
when ("at once, after 1 minute and after 5 minutes"); the code reads the same facts from the
contract (``_spec.SPEC``), so an edit of openapi.yaml changes what the SDK (and the sandbox) does.
These tests make the same edit fail until the prose is updated too, naming the document and the
words to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pyannoteai_identify._contract import SpecReader
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.webhooks import DEFAULT_TOLERANCE

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"GiB": 1 << 30, "MiB": 1 << 20, "hours": 3600, "h": 3600, "minute": 60, "minutes": 60, "s": 1, "seconds": 1}
COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def _url_limit(schema: str, key: str) -> Any:
    return SPEC["components"]["schemas"][schema]["properties"]["url"][key]


def _amount(number: str, unit: str) -> int:
    return int(number) * UNITS[unit]


def _integers(words: str) -> list[int]:
    return [int(number) for number in re.findall(r"\d+", words)]


def _count(word: str) -> int:
    """Read "3" or "three" as 3."""
    return int(word) if word.isdigit() else COUNTS[word]


def _delays(words: str) -> list[int]:
    """Read "at once, after 1 minute and after 5 minutes" as [0, 60, 300]."""
    found = re.findall(r"(at once)|(\d+) (minutes?|s)\b", words)
    return [0 if once else _amount(number, unit) for once, number, unit in found]


def _minutes(words: str) -> list[int]:
    """Read "1 and 5" (minutes) as [60, 300]."""
    return [_amount(str(number), "minutes") for number in _integers(words)]


NUM_SPEAKERS = SPEC["components"]["schemas"]["IdentifyRequest"]["properties"]["numSpeakers"]["enum"]
# The 4xx that refuse a job-creating POST without creating a job, but 429, which README.md names apart.
REFUSALS_BUT_429 = sorted(SpecReader("pyannoteai_identify._core_jobs").job_refusals() - {429})
# api-reference §7.3: how long the API waits for a webhook receiver's answer, and the seconds before each retry.
DELIVERY = SPEC["webhooks"]["jobCompleted"]["post"]
WEBHOOK_TIMEOUT = DELIVERY["x-timeout-seconds"]
RETRY_DELAYS = DELIVERY["x-retry-delays-seconds"]
RETRIES = len(RETRY_DELAYS)

# (document, the words around the quoted limit with the limit as group(s), how the groups read, the contract's value)
QUOTES: list[tuple[str, str, Callable[..., Any], Any]] = [
    ("README.md", r"(\d+) (GiB|MiB) to identify", _amount, _url_limit("IdentifyRequest", "x-max-file-bytes")),
    (
        "README.md",
        r"(\d+) (GiB|MiB) for a voiceprint's audio",
        _amount,
        _url_limit("VoiceprintRequest", "x-max-file-bytes"),
    ),
    (
        "README.md",
        r"\((\d+) (hours); \d+ s for a voiceprint\)",
        _amount,
        _url_limit("IdentifyRequest", "x-max-duration-seconds"),
    ),
    (
        "README.md",
        r"\(\d+ hours; (\d+) (s) for a voiceprint\)",
        _amount,
        _url_limit("VoiceprintRequest", "x-max-duration-seconds"),
    ),
    (
        "README.md",
        r"\((\d+) (s) for a voiceprint, \d+ h for identify\)",
        _amount,
        _url_limit("VoiceprintRequest", "x-max-duration-seconds"),
    ),
    (
        "README.md",
        r"\(\d+ s for a voiceprint, (\d+) (h) for identify\)",
        _amount,
        _url_limit("IdentifyRequest", "x-max-duration-seconds"),
    ),
    ("docs/batch.md", r"over (\d+) (GiB|MiB), a WAV", _amount, _url_limit("IdentifyRequest", "x-max-file-bytes")),
    (
        "docs/batch.md",
        r"a WAV longer than (\d+) (hours)",
        _amount,
        _url_limit("IdentifyRequest", "x-max-duration-seconds"),
    ),
    (
        "docs/batch.md",
        r"file of the speaker \(at most (\d+) (s)\)",
        _amount,
        _url_limit("VoiceprintRequest", "x-max-duration-seconds"),
    ),
    ("README.md", r"num_speakers=\d+, # ([\d, or]+); None", _integers, NUM_SPEAKERS),
    ("README.md", r"num_speakers=True: must be the integer ([\d, or]+), or None", _integers, NUM_SPEAKERS),
    ("README.md", r"\[--num-speakers ([\d|]+)\]", _integers, NUM_SPEAKERS),
    ("README.md", r"another 4xx the contract declares for it: ([\d, ]+)\)", _integers, REFUSALS_BUT_429),
    ("README.md", r"\(the API waits (\d+) (s), then retries\)", _amount, WEBHOOK_TIMEOUT),
    ("docs/webhooks.md", r"the API retry (\w+) times and then drop", _count, RETRIES),
    ("docs/webhooks.md", r"then retries up to (\w+) times: at once", _count, RETRIES),
    (
        "docs/webhooks.md",
        r"retries up to \w+ times: (at once(?:,? (?:and )?after \d+ minutes?)+)",
        _delays,
        RETRY_DELAYS,
    ),
    ("docs/webhooks.md", r"the last one arrives about (\d+) (minutes) after it", _amount, sum(RETRY_DELAYS)),
    ("docs/webhooks.md", r"`x-retry-num` \((\d+)–(\d+)\)", lambda *ends: [int(end) for end in ends], [1, RETRIES]),
    ("docs/webhooks.md", r"the API itself waits (\d+) (s) for an answer", _amount, WEBHOOK_TIMEOUT),
    ("docs/webhooks.md", r"your server answers after the API's (\d+) (s)\)", _amount, WEBHOOK_TIMEOUT),
    ("docs/webhooks.md", r"The API waits (\d+) (seconds) for a 2xx", _amount, WEBHOOK_TIMEOUT),
    (
        "docs/webhooks.md",
        r"the API itself retries a failed delivery after ([\d and]+) minutes",
        _minutes,
        [delay for delay in RETRY_DELAYS if delay],
    ),
    ("openapi.yaml", r"The receiver must answer 2xx within (\d+) (seconds)", _amount, WEBHOOK_TIMEOUT),
    ("openapi.yaml", r"otherwise the API retries up to (\w+) times", _count, RETRIES),
    ("openapi.yaml", r"retries up to \w+ times \((at once(?:, after \d+ minutes?)+)\)", _delays, RETRY_DELAYS),
    ("openapi.yaml", r"([\d, or]+) on a retry; absent on the first attempt", _integers, list(range(1, RETRIES + 1))),
]


@pytest.mark.parametrize(
    ("document", "words", "read", "contract"), QUOTES, ids=[f"{quote[0]}-{index}" for index, quote in enumerate(QUOTES)]
)
def test_the_docs_quote_the_contracts_limits(
    document: str, words: str, read: Callable[..., Any], contract: Any
) -> None:
    """Each limit README.md, docs/batch.md, docs/webhooks.md and the webhook's description quote in words
    equals openapi.yaml's value (a changed limit regenerated fails here, naming the words to update,
    instead of leaving the old number in the docs)."""
    text = " ".join((ROOT / document).read_text(encoding="utf-8").split())  # a quote may wrap a line
    found = [read(*match.groups()) for match in re.finditer(words, text)]
    assert found, f"{document} no longer says {words!r}: update this test with its new wording"
    assert all(value == contract for value in found), (
        f"{document} quotes {found} where openapi.yaml now says {contract} ({words!r}): update the document"
    )


def test_the_default_tolerance_accepts_the_contracts_last_retry_signed_with_the_first_timestamp() -> None:
    """docs/webhooks.md (and ``DEFAULT_TOLERANCE``'s comment) say 600 s accepts every documented attempt even
    if a retry reuses the first attempt's timestamp: the last retry comes at most the delays plus one
    timeout per earlier attempt after the first, and a longer schedule in the contract must fail here."""
    latest = sum(RETRY_DELAYS) + RETRIES * WEBHOOK_TIMEOUT
    assert latest <= DEFAULT_TOLERANCE, f"the last retry can arrive {latest} s after the first attempt"


def test_the_docs_do_not_state_the_apis_answer_to_a_foreign_cursor() -> None:
    """What the API answers to a list cursor it did not issue is undocumented (openapi.yaml's
    ``cursor`` says so; api-reference §3.9 says nothing of it): a sentence of the docs on such a
    cursor names who answers it as it says (the sandbox, the mock), or says it is undocumented."""
    cursor = next(p for p in SPEC["paths"]["/v2/jobs"]["get"]["parameters"] if p["name"] == "cursor")
    assert "undocumented" in cursor["description"]
    for document in ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]:
        text = " ".join((ROOT / document).read_text(encoding="utf-8").split())
        for sentence in re.split(r"(?<=[.;])\s", text):
            if "did not issue" in sentence:
                assert re.search(r"sandbox|mock|undocumented", sentence), f"{document}: {sentence}"


def test_the_docs_do_not_state_the_rate_limits_scope_as_the_apis() -> None:
    """Which requests share one rate-limit budget (a key's, a team's, an endpoint's) the API's
    documentation does not say (api-reference §8: only a third party says per team and per endpoint):
    a sentence of the docs, or of the SDK's docstrings, that says "per team" says who reports it."""
    documents = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
    documents += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "wrapper").rglob("*.py"))
    for document in documents:
        text = " ".join((ROOT / document).read_text(encoding="utf-8").split())
        for sentence in re.split(r"(?<=[.;])\s", text):
            if re.search(r"\bper[- ]team\b", sentence, re.IGNORECASE):
                assert "third party" in sentence, f"{document}: {sentence}"
