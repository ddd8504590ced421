"""webhooks.parse: verified deliveries become typed events, the same results as polling."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from pyannoteai_identify import webhooks
from pyannoteai_identify._spec import SPEC
from pyannoteai_identify.errors import WebhookVerificationError
from pyannoteai_identify.results import (
    DiarizationResult,
    IdentifyResult,
    JobStatus,
    VoiceprintResult,
    parse_job,
)
from pyannoteai_identify.testing import signed_delivery

SECRET = "whsec_parse_tests"
T0 = 1_700_000_000

IDENTIFY_OUTPUT: dict[str, Any] = {
    "identification": [
        {"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0, "diarizationSpeaker": "SPEAKER_00", "match": "John"},
        {"speaker": "SPEAKER_01", "start": 2.0, "end": 3.5, "diarizationSpeaker": "SPEAKER_01", "match": None},
    ],
    "voiceprints": [
        {"speaker": "SPEAKER_00", "match": "John", "confidence": {"John": 91}},
        {"speaker": "SPEAKER_01", "match": None, "confidence": {"John": 12}},
    ],
    "diarization": [
        {"speaker": "SPEAKER_00", "start": 0.5, "end": 2.0},
        {"speaker": "SPEAKER_01", "start": 2.0, "end": 3.5},
    ],
}


def delivery(payload: dict[str, Any], **kwargs: Any) -> tuple[bytes, dict[str, str]]:
    return signed_delivery(payload, SECRET, timestamp=T0, **kwargs)


def parse(payload: dict[str, Any], **kwargs: Any) -> webhooks.WebhookEvent:
    body, headers = delivery(payload)
    return webhooks.parse(body, headers, SECRET, now=T0, **kwargs)


def test_succeeded_identify_delivery_parses_to_the_same_result_as_polling() -> None:
    """An identify output becomes an IdentifyResult equal, field by field, to what parse_job gives."""
    payload = {"jobId": "job-1", "status": "succeeded", "output": IDENTIFY_OUTPUT}
    event = parse(payload)
    polled = parse_job(payload).output
    assert isinstance(event.result, IdentifyResult) and isinstance(polled, IdentifyResult)
    assert event.result.identification == polled.identification
    assert event.result.voiceprints == polled.voiceprints
    assert event.result.speakers == ["John"]
    assert (event.job_id, event.status, event.kind) == ("job-1", JobStatus.SUCCEEDED, "identify")
    assert event.error is None and event.timestamp == T0


@pytest.mark.parametrize(
    ("output", "kind", "result_type"),
    [
        ({"voiceprint": "U29tZUJhc2U2NERhdGE="}, "voiceprint", VoiceprintResult),
        ({"diarization": [{"speaker": "SPEAKER_00", "start": 0, "end": 4.25}]}, "diarization", DiarizationResult),
    ],
)
def test_voiceprint_and_diarization_outputs_parse_to_their_types(
    output: dict[str, Any], kind: str, result_type: type
) -> None:
    """The job type is inferred from the output keys, as when polling."""
    event = parse({"jobId": "j", "status": "succeeded", "output": output})
    assert event.kind == kind
    assert isinstance(event.result, result_type)


def test_known_kind_wins_over_the_output_keys() -> None:
    """kind= forces the parser, so a caller that knows the job type gets that type."""
    event = parse({"jobId": "j", "status": "succeeded", "output": IDENTIFY_OUTPUT}, kind="diarization")
    assert isinstance(event.result, DiarizationResult)
    assert event.kind == "diarization"


def test_status_only_delivery_parses_without_a_result() -> None:
    """A webhookStatusOnly delivery ({jobId, status}) parses, with result None."""
    event = parse({"jobId": "j", "status": "succeeded"})
    assert event.status == JobStatus.SUCCEEDED
    assert event.result is None and event.kind is None


def test_failed_delivery_carries_the_error_text_and_no_result() -> None:
    """A failed job's output.error becomes event.error; result stays None."""
    event = parse({"jobId": "j", "status": "failed", "output": {"error": "audio too short"}})
    assert event.status == JobStatus.FAILED
    assert event.result is None
    assert event.error == "audio too short"


def test_failed_delivery_without_output_takes_a_top_level_error() -> None:
    """A top-level error string is used when there is no output."""
    assert parse({"jobId": "j", "status": "failed", "error": "boom"}).error == "boom"


def test_canceled_delivery_without_output_parses() -> None:
    """A canceled job arrives with status only."""
    event = parse({"jobId": "j", "status": "canceled"})
    assert (event.status, event.result, event.error) == (JobStatus.CANCELED, None, None)


def test_unknown_status_is_kept_as_a_string() -> None:
    """A status from a newer API does not crash parsing."""
    assert parse({"jobId": "j", "status": "archived"}).status == "archived"


def test_unknown_keys_are_kept_in_raw_and_extra() -> None:
    """New top-level and output keys are tolerated and visible."""
    output = {**IDENTIFY_OUTPUT, "newThing": 1}
    event = parse({"jobId": "j", "status": "succeeded", "output": output, "createdBy": "x"})
    assert event.raw["createdBy"] == "x"
    assert isinstance(event.result, IdentifyResult) and event.result.extra == {"newThing": 1}


def test_raw_is_read_only() -> None:
    """The parsed body cannot be changed through the event."""
    event = parse({"jobId": "j", "status": "canceled"})
    with pytest.raises(TypeError):
        event.raw["jobId"] = "other"  # type: ignore[index]


def test_an_event_pickles_and_copies_for_a_task_queue() -> None:
    """docs/webhooks.md hands events to a task queue (Celery, RQ), which pickles them; ``raw`` was a
    MappingProxyType, which neither pickles nor deep-copies."""
    event = parse({"jobId": "job-1", "status": "succeeded", "output": IDENTIFY_OUTPUT})
    for copied in (pickle.loads(pickle.dumps(event)), copy.deepcopy(event)):
        assert (copied.job_id, copied.status, copied.kind, copied.timestamp) == ("job-1", "succeeded", "identify", T0)
        assert copied.result == event.result
        assert copied.raw == event.raw
        with pytest.raises(TypeError):
            copied.raw["jobId"] = "other"  # type: ignore[index]


def test_the_public_names_of_webhooks_report_the_public_module() -> None:
    """``webhooks`` is the public face of private modules: each public class and function reports
    ``pyannoteai_identify.webhooks`` (a pickled event names its class's module, so a task queue's
    pickle loads in any version), and ``typing.get_type_hints`` resolves each class's annotations there."""
    import pickletools
    import typing

    for name in webhooks.__all__:
        value = getattr(webhooks, name)
        if isinstance(value, type) or (callable(value) and hasattr(value, "__code__")):
            assert value.__module__ == "pyannoteai_identify.webhooks", name
        if isinstance(value, type):
            typing.get_type_hints(value)
    event = parse({"jobId": "job-1", "status": "succeeded", "output": IDENTIFY_OUTPUT})
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        dumped = pickle.dumps(event, protocol)
        named = {str(arg) for op, arg, _ in pickletools.genops(dumped) if arg is not None and "webhook" in str(arg)}
        assert named and all("_webhook" not in text for text in named), named
        loaded = pickle.loads(dumped)
        assert type(loaded) is webhooks.WebhookEvent and loaded.result == event.result


def test_first_attempt_has_retry_num_zero() -> None:
    """Without retry headers, retry_num is 0 and retry_reason None."""
    event = parse({"jobId": "j", "status": "canceled"})
    assert (event.retry_num, event.retry_reason, event.is_retry) == (0, None, False)


def test_retry_headers_are_exposed() -> None:
    """x-retry-num and x-retry-reason become retry_num and retry_reason."""
    body, headers = delivery({"jobId": "j", "status": "canceled"}, retry_num=2, retry_reason="http_timeout")
    event = webhooks.parse(body, headers, SECRET, now=T0)
    assert (event.retry_num, event.retry_reason, event.is_retry) == (2, "http_timeout", True)


def test_the_first_retry_is_a_retry() -> None:
    """x-retry-num 1 (the first retry, sent at once after a failed attempt) makes is_retry True."""
    body, headers = delivery({"jobId": "j", "status": "canceled"}, retry_num=1, retry_reason="http_error")
    event = webhooks.parse(body, headers, SECRET, now=T0)
    assert (event.retry_num, event.is_retry) == (1, True)


def test_retry_headers_are_found_in_any_case() -> None:
    """Retry header names are case-insensitive too."""
    body, headers = delivery({"jobId": "j", "status": "canceled"})
    headers.update({"X-Retry-Num": "3", "X-RETRY-REASON": "http_error"})
    event = webhooks.parse(body, headers, SECRET, now=T0)
    assert (event.retry_num, event.retry_reason) == (3, "http_error")


#: The ``x-retry-reason`` values openapi.yaml lists (api-reference.md 7.3: the failure codes).
_CONTRACT_RETRY_REASONS = next(
    parameter["schema"]["enum"]
    for parameter in SPEC["webhooks"]["jobCompleted"]["post"]["parameters"]
    if parameter["name"] == "x-retry-reason"
)


def test_the_retry_reason_type_has_exactly_the_contract_values_in_order() -> None:
    assert [reason.value for reason in webhooks.RetryReason] == _CONTRACT_RETRY_REASONS
    assert "RetryReason" in webhooks.__all__
    assert webhooks.RetryReason.__module__ == "pyannoteai_identify.webhooks"


@pytest.mark.parametrize("reason", _CONTRACT_RETRY_REASONS)
def test_a_retry_reason_the_contract_lists_is_typed_and_the_raw_value_kept(reason: str) -> None:
    """``retry_reason`` was only the raw header string: a handler had to compare it with names it
    copied from the docs. ``known_retry_reason`` is the ``RetryReason`` member the contract lists,
    ``retry_reason`` still the header as sent; the event still pickles naming the public module."""
    body, headers = delivery({"jobId": "j", "status": "canceled"}, retry_num=1, retry_reason=reason)
    event = webhooks.parse(body, headers, SECRET, now=T0)
    assert event.known_retry_reason is webhooks.RetryReason(reason)
    assert event.retry_reason == reason and type(event.retry_reason) is str
    loaded = pickle.loads(pickle.dumps(event))
    assert loaded.known_retry_reason is webhooks.RetryReason(reason)
    assert "pyannoteai_identify._" not in str(pickle.dumps(webhooks.RetryReason(reason), 0))


@pytest.mark.parametrize("raw", ["HTTP_TIMEOUT", "bogus", "http_timeout\x00", "\u212a"])
def test_a_retry_reason_the_contract_does_not_list_is_kept_raw_and_not_typed(raw: str) -> None:
    """The header is not signed: a value the contract does not list is no ``RetryReason`` (None),
    and ``retry_reason`` keeps it as sent (without surrounding whitespace), for logs that want it."""
    body, headers = delivery({"jobId": "j", "status": "canceled"})
    headers.update({"x-retry-num": "1", "x-retry-reason": f" {raw} "})
    event = webhooks.parse(body, headers, SECRET, now=T0)
    assert (event.retry_reason, event.known_retry_reason) == (raw, None)


def test_a_first_attempt_has_no_retry_reason_typed_or_raw() -> None:
    event = parse({"jobId": "j", "status": "canceled"})
    assert (event.retry_reason, event.known_retry_reason) == (None, None)


def test_a_malformed_retry_num_counts_as_a_first_attempt() -> None:
    """The retry headers are unsigned hints: a garbled value does not refuse a good delivery."""
    body, headers = delivery({"jobId": "j", "status": "canceled"})
    headers["x-retry-num"] = "two"
    assert webhooks.parse(body, headers, SECRET, now=T0).retry_num == 0


def test_parse_verifies_first() -> None:
    """A delivery signed with another secret is refused before its body is looked at."""
    body, headers = signed_delivery({"jobId": "j", "status": "canceled"}, "another-secret", timestamp=T0)
    with pytest.raises(WebhookVerificationError) as caught:
        webhooks.parse(body, headers, SECRET, now=T0)
    assert caught.value.reason == "signature_mismatch"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"not json", "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"[1, 2]", "body"),
        (b'{"status": "succeeded"}', "jobId"),
        (b'{"jobId": "", "status": "succeeded"}', "jobId: expected a job id"),
        (b'{"jobId": 5, "status": "succeeded", "output": {"identification": 5, "voiceprints": []}}', "jobId"),
        (b"[" * 100_000, "not JSON"),
        (b"\xef\xbb\xbfnot json", "not JSON"),
        (b"[1e400]", "body"),
    ],
)
@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_a_signed_but_malformed_body_is_malformed_body(body: bytes, needle: str, wrap: Callable[[bytes], Any]) -> None:
    """A correctly signed body that is not a JSON job per the contract is malformed_body, naming the
    problem, whichever bytes-like type carries it (orjson refuses the last two, so the standard
    library decodes them again, which takes no memoryview)."""
    headers = webhooks.sign(body, SECRET, T0)
    with pytest.raises(WebhookVerificationError, match=needle) as caught:
        webhooks.parse(wrap(body), headers, SECRET, now=T0)
    assert caught.value.reason == "malformed_body"


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_a_body_only_the_standard_library_decodes_parses_from_any_bytes_like_type(wrap: Callable[[bytes], Any]) -> None:
    """A UTF-8 byte order mark is refused by orjson and accepted by json.loads: the event is the same
    whether the body arrives as bytes, a bytearray or a memoryview (json.loads takes no memoryview)."""
    body = b'\xef\xbb\xbf{"jobId": "j", "status": "canceled"}'
    headers = webhooks.sign(body, SECRET, T0)
    event = webhooks.parse(wrap(body), headers, SECRET, now=T0)
    assert (event.job_id, event.status) == ("j", "canceled")


def test_secret_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """parse() without a secret uses PYANNOTEAI_WEBHOOK_SECRET."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", SECRET)
    body, headers = delivery({"jobId": "j", "status": "canceled"})
    assert webhooks.parse(body, headers, now=T0).job_id == "j"


def test_missing_secret_is_no_secret_naming_the_variable() -> None:
    """parse() with no secret anywhere raises reason no_secret naming PYANNOTEAI_WEBHOOK_SECRET."""
    body, headers = delivery({"jobId": "j", "status": "canceled"})
    with pytest.raises(WebhookVerificationError, match="PYANNOTEAI_WEBHOOK_SECRET") as caught:
        webhooks.parse(body, headers, now=T0)
    assert caught.value.reason == "no_secret"


def test_as_job_gives_the_polling_shape() -> None:
    """event.as_job() is a Job with the same id, status, kind and output."""
    event = parse({"jobId": "job-9", "status": "succeeded", "output": IDENTIFY_OUTPUT})
    job = event.as_job()
    assert (job.id, job.status, job.kind, job.output) == ("job-9", JobStatus.SUCCEEDED, "identify", event.result)
    assert job.is_terminal


def test_event_repr_is_short_even_for_a_large_output() -> None:
    """repr shows the id, status and a summary, not the whole body."""
    turns = [dict(IDENTIFY_OUTPUT["identification"][0], start=i, end=i + 1) for i in range(5000)]
    output = {**IDENTIFY_OUTPUT, "identification": turns}
    event = parse({"jobId": "j", "status": "succeeded", "output": output})
    text = repr(event)
    assert "job_id='j'" in text and "succeeded" in text
    assert len(text) < 300
    assert len(json.dumps(output)) > 100_000


def test_an_output_breaking_the_contract_gives_an_event_without_result_naming_the_problem() -> None:
    """A signed delivery is genuine: an output this version cannot read comes as result None, with
    the reason in output_error and the body in raw, instead of being refused."""
    event = parse({"jobId": "j", "status": "succeeded", "output": {"identification": 5, "voiceprints": []}})
    assert (event.job_id, event.status, event.result) == ("j", JobStatus.SUCCEEDED, None)
    assert event.output_error is not None and "identification" in event.output_error
    assert event.raw["output"]["identification"] == 5


_UNDECLARED = {
    "createdAt-epoch": {"createdAt": 1708430400},
    "createdAt-prose": {"createdAt": "20 Feb 2024, noon"},
    "updatedAt-empty": {"updatedAt": ""},
    "warning-number": {"warning": 5},
}


@pytest.mark.parametrize("extra", list(_UNDECLARED.values()), ids=list(_UNDECLARED))
@pytest.mark.parametrize("output", [IDENTIFY_OUTPUT, {"identification": 5}], ids=["readable", "unreadable"])
def test_a_key_the_delivery_schema_does_not_declare_never_refuses_a_signed_delivery(
    extra: dict[str, Any], output: dict[str, Any]
) -> None:
    """The contract's WebhookDelivery declares jobId, status and output only (api-reference §7.2:
    no createdAt or updatedAt in a delivery). A signed delivery with another key, whatever its
    value, is genuine: it is read as without that key (kept in raw), its output as any other, not
    refused as malformed_body, which would have the API retry and then drop the job's only delivery."""
    assert set(SPEC["components"]["schemas"]["WebhookDelivery"]["properties"]) == {"jobId", "status", "output"}
    event = parse({"jobId": "j", "status": "succeeded", "output": output, **extra})
    assert (event.job_id, event.status, event.warning) == ("j", JobStatus.SUCCEEDED, None)
    assert all(event.raw[key] == value for key, value in extra.items())
    if output is IDENTIFY_OUTPUT:
        assert isinstance(event.result, IdentifyResult) and event.output_error is None
        assert event.as_job().output == event.result
    else:
        assert event.result is None and event.output_error is not None and "identification" in event.output_error


@pytest.mark.parametrize("extra", list(_UNDECLARED.values()), ids=list(_UNDECLARED))
def test_a_failed_delivery_with_an_undeclared_key_keeps_its_error_text(extra: dict[str, Any]) -> None:
    """as_job() of such a delivery reads its output as polling does, without the undeclared key."""
    event = parse({"jobId": "j", "status": "failed", "output": {"error": "Could not load audio"}, **extra})
    assert event.error == "Could not load audio"
    job = event.as_job()
    assert job.output is not None and job.output.error == "Could not load audio"


def test_a_top_level_warning_string_is_still_the_events_warning() -> None:
    """A warning sent beside the output (as JobCreated carries one) is kept, as before."""
    event = parse({"jobId": "j", "status": "succeeded", "output": {"voiceprint": "abc"}, "warning": "short audio"})
    assert event.warning == "short audio"


@pytest.mark.parametrize("output", [{"separation": [1]}, {}, {"warning": "odd"}])
def test_an_output_of_no_known_job_type_is_not_read_as_an_empty_diarization(output: dict[str, Any]) -> None:
    """Before, any unknown output became DiarizationResult(segments=0): a handler stored "no speech"."""
    event = parse({"jobId": "j", "status": "succeeded", "output": output})
    assert event.result is None and event.kind is None
    assert event.output_error is not None and "no known job type" in event.output_error


def test_an_unknown_output_is_read_as_the_kind_the_caller_names() -> None:
    """With kind given, the caller's knowledge wins, as for polling."""
    event = parse({"jobId": "j", "status": "succeeded", "output": {"voiceprint": "abc"}}, kind="voiceprint")
    assert isinstance(event.result, VoiceprintResult) and event.output_error is None


def test_as_job_of_a_failed_delivery_keeps_the_error_text_as_polling_does() -> None:
    """as_job() promises the shape polling returns: output.error of a failed job included."""
    payload = {"jobId": "j", "status": "failed", "output": {"error": "Could not load audio"}}
    job = parse(payload).as_job()
    polled = parse_job(payload)
    assert job.output is not None and polled.output is not None
    assert job.output.error == polled.output.error == "Could not load audio"


def test_as_job_of_a_canceled_delivery_with_only_a_warning_keeps_it_as_polling_does() -> None:
    """A job that did not succeed and carries only output.warning: as_job() keeps the output polling gives."""
    payload = {"jobId": "j", "status": "canceled", "output": {"warning": "audio was cut"}}
    job = parse(payload).as_job()
    polled = parse_job(payload)
    assert polled.output is not None and polled.output.warning == "audio was cut"
    assert job.output is not None and job.output.warning == polled.output.warning


@pytest.mark.parametrize("status", ["failed", "canceled"])
def test_as_job_of_a_delivery_that_did_not_succeed_keeps_every_output_key_as_polling_does(status: str) -> None:
    """as_job() built a failed output from ``error``/``warning`` alone, dropping the other keys the
    delivery's output carried (a partial ``diarization``, a key of a newer API): it differed from
    the job polling gives for the same body. Now it is that job's output, key for key."""
    output = {"error": "out of memory", "diarization": [{"speaker": "A", "start": 0.0, "end": 1.0}], "stage": 2}
    payload = {"jobId": "j", "status": status, "output": output}
    job = parse(payload).as_job()
    assert job.output == parse_job(payload).output
    assert job.output is not None and job.output.to_dict() == output


def test_the_error_verify_raises_is_still_importable_from_webhooks() -> None:
    """``from pyannoteai_identify.webhooks import WebhookVerificationError`` worked before webhooks.py
    was split into private modules (it imported the error), and users' code does it."""
    from pyannoteai_identify import errors, webhooks

    assert webhooks.WebhookVerificationError is errors.WebhookVerificationError
