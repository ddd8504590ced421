"""Seconds given as any real number (numpy.int64, Fraction, Decimal) wherever the SDK takes them
outside the client: the webhook verifier, receiver and broker, the batch, the test doubles, the
sandbox and the results. Each reads them as the client does (see tests/client/test_client_numbers.py)
and keeps a plain float; a bool, text, NaN, an infinity or a negative number stays refused."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from numberkit import INFINITE, NOT_SECONDS, SECONDS, Int64

from pyannoteai_identify import webhooks
from pyannoteai_identify.batch._limiter import RateLimiter
from pyannoteai_identify.batch._settings import check_positive
from pyannoteai_identify.receiver import WebhookBroker, WebhookReceiver
from pyannoteai_identify.results import Confidence
from pyannoteai_identify.sandbox._clock import Clock, Timing
from pyannoteai_identify.testing import MockAPI, make_delivery, make_identify_output, signed_delivery

SECRET = "whsec_test_pyannoteai_identify"


JOB_ID = "5b4e4a4c-0000-4000-8000-000000000001"


def _delivery() -> tuple[bytes, dict[str, str]]:
    return signed_delivery(make_delivery("identify", job_id=JOB_ID), SECRET, timestamp=int(time.time()))


def _published() -> WebhookBroker:
    """A broker that has the event of JOB_ID already: a wait for it ends at once, whatever its timeout."""
    broker = WebhookBroker()
    broker.publish(webhooks.parse(*_delivery(), SECRET))
    return broker


#: Each place that takes seconds: (what it is called, a call that takes *seconds* and gives back
#: what it kept of them, or None when it keeps nothing to look at).
PLACES: list[tuple[str, Callable[[Any], object]]] = [
    ("verify(tolerance=)", lambda s: webhooks.verify(*_delivery(), SECRET, tolerance=s)),
    ("verify(now=)", lambda s: webhooks.verify(*_delivery(), SECRET, tolerance=None, now=s)),
    ("parse(tolerance=)", lambda s: webhooks.parse(*_delivery(), SECRET, tolerance=s)),
    ("WebhookReceiver(tolerance=)", lambda s: WebhookReceiver(SECRET, tolerance=s).tolerance),
    ("WebhookReceiver(body_timeout=)", lambda s: WebhookReceiver(SECRET, body_timeout=s).body_timeout),
    ("WebhookBroker(max_age=)", lambda s: WebhookBroker(max_age=s).max_age),
    ("WebhookBroker.wait(timeout=)", lambda s: _published().wait(JOB_ID, s)),
    ("batch check_positive", lambda s: check_positive("poll_interval", s)),
    ("RateLimiter(window=)", lambda s: RateLimiter(10, window=s).window),
    ("MockAPI.advance", lambda s: MockAPI().advance(s)),
    ("make_identify_output(turn_seconds=)", lambda s: make_identify_output(turn_seconds=s)),
    ("Confidence(resolution=)", lambda s: Confidence([1, 2], s).resolution),
    ("sandbox Clock.advance", lambda s: Clock().advance(s)),
    ("sandbox Timing", lambda s: Timing(queue_seconds=s, job_seconds=s, speed=s).speed),
]


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
@pytest.mark.parametrize(("place", "call"), PLACES, ids=[place for place, _ in PLACES])
def test_seconds_of_any_real_number_are_taken_and_kept_as_a_float(
    place: str, call: Callable[[Any], object], seconds: object, expected: float
) -> None:
    """webhooks.verify(tolerance=numpy.int64(300)), WebhookBroker(max_age=Fraction(...)), ...:
    refused as "not a number of seconds" though each is one."""
    kept = call(seconds)
    if isinstance(kept, int | float | Fraction | Decimal | Int64):
        assert kept == expected and type(kept) is float, place


@pytest.mark.parametrize("seconds", NOT_SECONDS)
@pytest.mark.parametrize(("place", "call"), PLACES, ids=[place for place, _ in PLACES])
def test_what_is_no_number_of_seconds_is_still_refused_everywhere(
    place: str, call: Callable[[Any], object], seconds: object
) -> None:
    """A bool, text, a complex, NaN, an infinity or a negative number: refused, as before."""
    with pytest.raises(ValueError):  # ValidationError is one, and the test doubles raise ValueError
        call(seconds)


def _outcome(call: Callable[[Any], object], seconds: object) -> str:
    try:
        call(seconds)
    except ValueError:
        return "refused"
    return "taken"


@pytest.mark.parametrize("seconds", INFINITE)
@pytest.mark.parametrize(("place", "call"), PLACES, ids=[place for place, _ in PLACES])
def test_an_infinite_real_number_is_taken_or_refused_as_float_inf_is(
    place: str, call: Callable[[Any], object], seconds: object
) -> None:
    """Decimal("Infinity") or a Fraction past the largest float is what float("inf") is: refused
    where a bound is needed (a timeout, a window), taken where none is (a webhook tolerance)."""
    assert _outcome(call, seconds) == _outcome(call, math.inf), place


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
def test_confidence_at_takes_a_time_of_any_real_number(seconds: object, expected: float) -> None:
    """Confidence(resolution=Decimal("0.5")) is taken, yet .at(Decimal("2.5")) raised TypeError
    (Decimal / float): the time read back takes what the resolution takes."""
    scores = Confidence([float(i) for i in range(10)], 0.5)
    assert scores.at(seconds) == scores.at(expected)


@pytest.mark.parametrize(("seconds", "expected"), SECONDS)
def test_the_mock_retention_takes_seconds_of_any_real_number(seconds: object, expected: float) -> None:
    """MockAPI(retention_seconds=Decimal(...)) was kept as given, and the first presigned URL or
    finished job added it to the float clock: a TypeError inside the mock's handler. The sandbox's
    retention_seconds takes it as a float."""
    api = MockAPI(retention_seconds=seconds)  # type: ignore[arg-type]
    assert api.retention_seconds == expected and type(api.retention_seconds) is float
    api.retention_seconds = seconds  # type: ignore[assignment]
    assert api.retention_seconds == expected and type(api.retention_seconds) is float


@pytest.mark.parametrize("seconds", NOT_SECONDS)
def test_the_mock_retention_refuses_what_is_no_number_of_seconds(seconds: object) -> None:
    with pytest.raises(ValueError, match="retention_seconds"):
        MockAPI(retention_seconds=seconds)  # type: ignore[arg-type]
