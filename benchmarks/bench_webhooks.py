"""webhooks.verify against a bare HMAC check and against the standardwebhooks library.

The bare baseline is what a receiver would write by hand with the stdlib: build
``v0:{ts}:{body}``, ``hmac.new(...).digest()``, ``hmac.compare_digest``. It parses no header, checks
no timestamp and accepts one encoding only, so it is the ceiling; ``verify`` must keep at least 0.8
of its throughput. ``standardwebhooks`` (Svix's reference implementation) verifies the same body
with its own header scheme and the same key; ``verify`` must be at least as fast. All three verify
against the real clock, with one secret, and are timed in alternating rounds so that machine noise
hits them alike.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from datetime import UTC, datetime

from standardwebhooks import Webhook

from pyannoteai_identify import webhooks

from ._harness import Metric, best_of, ratio_metric

SECRET = "whsec_benchmark_secret_0123456789abcdef"
KEY = SECRET.encode("utf-8")
SIZES = {"1 KiB": 1024, "1 MiB": 1024 * 1024}


def _body(size: int) -> bytes:
    """A JSON-looking ASCII body of exactly *size* bytes (standardwebhooks needs text)."""
    head = b'{"jobId":"3c8a89a5-dcc6-4edb-a75d-ffd64739674d","status":"succeeded","output":{"voiceprint":"'
    tail = b'"}}'
    return head + b"A" * (size - len(head) - len(tail)) + tail


def _contenders(body: bytes) -> dict[str, Callable[[], object]]:
    timestamp = int(time.time())
    headers = webhooks.sign(body, SECRET, timestamp)
    expected = bytes.fromhex(headers[webhooks.SIGNATURE_HEADER])
    stamp = str(timestamp).encode("ascii")

    def bare() -> object:
        digest = hmac.new(KEY, b"v0:%s:%s" % (stamp, body), hashlib.sha256).digest()
        return hmac.compare_digest(digest, expected)

    def ours() -> object:
        webhooks.verify(body, headers, SECRET)
        return None

    standard = Webhook(base64.b64encode(KEY).decode("ascii"))
    standard_headers = {
        "webhook-id": "msg_benchmark",
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard.sign("msg_benchmark", datetime.fromtimestamp(timestamp, UTC), body.decode()),
    }

    def standardwebhooks() -> object:
        return standard.verify(body, standard_headers, json_parse=False)

    if not bare():
        raise AssertionError("the bare baseline does not verify its own signature")
    ours()
    standardwebhooks()
    return {"bare": bare, "ours": ours, "standardwebhooks": standardwebhooks}


def _throughputs(body: bytes, rounds: int, number: int) -> dict[str, float]:
    """Bytes per second of each contender: the best of *rounds* alternating timings of *number* calls."""
    contenders = _contenders(body)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(rounds):
        for name, function in contenders.items():
            best[name] = min(best[name], best_of(function, repeat=1, number=number))
    return {name: len(body) / seconds / 1e6 for name, seconds in best.items()}


def run(quick: bool) -> list[Metric]:
    """The four ratios: verify vs bare HMAC and verify vs standardwebhooks, on 1 KiB and 1 MiB."""
    metrics: list[Metric] = []
    for label, size in SIZES.items():
        small = size < 64 * 1024
        rounds = 3 if quick else 9
        number = (1000 if quick else 10_000) if small else (3 if quick else 40)
        throughput = _throughputs(_body(size), rounds, number)
        metrics.append(
            ratio_metric(
                f"webhook verify {label} throughput vs bare hmac",
                throughput["ours"],
                throughput["bare"],
                0.8,
                higher_is_better=True,
                unit="MB/s",
                note="bare = hmac.new(...).digest() + hmac.compare_digest, no header or timestamp checks",
            )
        )
        metrics.append(
            ratio_metric(
                f"webhook verify {label} throughput vs standardwebhooks",
                throughput["ours"],
                throughput["standardwebhooks"],
                1.0,
                higher_is_better=True,
                unit="MB/s",
                note="standardwebhooks.Webhook.verify(json_parse=False), same body and key",
            )
        )
    return metrics
