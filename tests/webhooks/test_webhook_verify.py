"""webhooks.verify and webhooks.sign: round trips, every refusal reason, rotation, tolerance edges."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from pyannoteai_identify import webhooks
from pyannoteai_identify.errors import ValidationError, WebhookVerificationError

SECRET = "whsec_verify_tests"
T0 = 1_700_000_000

bodies = st.binary(max_size=2048)


def _without_surrounding_whitespace(secret: str | bytes) -> bool:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return raw.strip() == raw


text_secrets = st.text(min_size=1, max_size=40).filter(_without_surrounding_whitespace)
secrets = (st.text(min_size=1, max_size=80) | st.binary(min_size=1, max_size=130)).filter(
    _without_surrounding_whitespace
)
timestamps = st.integers(min_value=0, max_value=10**12 - 1)
encodings = st.sampled_from(["hex", "base64"])


def reason_of(body: bytes, headers: dict[str, str], secret: webhooks.Secret = SECRET, **kwargs: object) -> str:
    with pytest.raises(WebhookVerificationError) as caught:
        webhooks.verify(body, headers, secret, **kwargs)  # type: ignore[arg-type]
    return caught.value.reason


def reference_hmac(key: bytes, timestamp: int, body: bytes) -> bytes:
    return hmac.new(key, b"v0:%d:%s" % (timestamp, body), hashlib.sha256).digest()


@given(body=bodies, secret=secrets, timestamp=timestamps, encoding=encodings)
def test_every_signed_delivery_verifies_in_both_encodings(
    body: bytes, secret: str | bytes, timestamp: int, encoding: webhooks.Encoding
) -> None:
    """Whatever the body, secret and timestamp, what sign() produces verifies."""
    headers = webhooks.sign(body, secret, timestamp, encoding)
    webhooks.verify(body, headers, secret, now=timestamp)


@given(body=bodies, secret=secrets, timestamp=timestamps)
@example(body=b"{}", secret=b"k" * 63, timestamp=1_700_000_000)
@example(body=b"{}", secret=b"k" * 64, timestamp=1_700_000_000)  # the SHA-256 block: kept, not hashed
@example(body=b"{}", secret=b"k" * 65, timestamp=1_700_000_000)
@example(body=b"{}", secret="é" * 32, timestamp=1_700_000_000)  # 64 bytes of UTF-8, 32 characters
def test_signature_is_the_documented_hmac_in_hex_and_base64(body: bytes, secret: str | bytes, timestamp: int) -> None:
    """sign() is HMAC-SHA256(UTF-8 secret, "v0:{ts}:{body}") as the stdlib computes it, long keys included."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    expected = reference_hmac(key, timestamp, body)
    assert webhooks.sign(body, secret, timestamp, "hex")["X-Signature"] == expected.hex()
    assert webhooks.sign(body, secret, timestamp, "base64")["X-Signature"] == base64.b64encode(expected).decode()
    assert webhooks.sign(body, secret, timestamp)["X-Request-Timestamp"] == str(timestamp)


@given(body=bodies, timestamp=timestamps, encoding=encodings, data=st.data())
def test_any_single_change_of_the_body_fails(
    body: bytes, timestamp: int, encoding: webhooks.Encoding, data: st.DataObject
) -> None:
    """Flipping any bit of the body, or adding or removing a byte, breaks the signature."""
    headers = webhooks.sign(body, SECRET, timestamp, encoding)
    change = data.draw(st.sampled_from(["flip", "append", "drop"] if body else ["append"]))
    if change == "append":
        tampered = body + data.draw(st.binary(min_size=1, max_size=1))
    elif change == "drop":
        index = data.draw(st.integers(0, len(body) - 1))
        tampered = body[:index] + body[index + 1 :]
    else:
        index = data.draw(st.integers(0, len(body) - 1))
        bit = data.draw(st.integers(0, 7))
        tampered = body[:index] + bytes([body[index] ^ (1 << bit)]) + body[index + 1 :]
    assert reason_of(tampered, headers, now=timestamp) == "signature_mismatch"


@given(body=bodies, timestamp=timestamps, other=timestamps, encoding=encodings)
def test_any_change_of_the_timestamp_fails(
    body: bytes, timestamp: int, other: int, encoding: webhooks.Encoding
) -> None:
    """A signature made for one timestamp does not verify under another, even with the window off."""
    assume(other != timestamp)
    headers = webhooks.sign(body, SECRET, timestamp, encoding)
    headers["X-Request-Timestamp"] = str(other)
    assert reason_of(body, headers, tolerance=None) == "signature_mismatch"


@given(body=bodies, timestamp=timestamps, encoding=encodings, data=st.data())
def test_any_single_change_of_the_signature_fails(
    body: bytes, timestamp: int, encoding: webhooks.Encoding, data: st.DataObject
) -> None:
    """Replacing any one character of X-Signature by any other character (in hex, other than the
    same digit in the other case) is refused."""
    headers = webhooks.sign(body, SECRET, timestamp, encoding)
    signature = headers["X-Signature"]
    index = data.draw(st.integers(0, len(signature) - 1))
    alphabet = (
        "0123456789abcdefABCDEF" if encoding == "hex" else "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/="
    )
    # Hex is case-insensitive: changing the case of one hex digit spells the same signature.
    same = (lambda c: c.lower() == signature[index]) if encoding == "hex" else (lambda c: c == signature[index])
    replacement = data.draw(st.sampled_from(alphabet).filter(lambda c: not same(c)))
    headers["X-Signature"] = signature[:index] + replacement + signature[index + 1 :]
    assert reason_of(body, headers, now=timestamp) in {"signature_mismatch", "malformed_signature"}


@given(body=bodies, secret=text_secrets, others=st.lists(text_secrets, max_size=4))
def test_rotation_accepts_a_delivery_signed_with_any_listed_secret(body: bytes, secret: str, others: list[str]) -> None:
    """With several secrets configured, a delivery signed with any one of them passes, wherever it is listed."""
    headers = webhooks.sign(body, secret, T0)
    for position in range(len(others) + 1):
        configured = [*others[:position], secret, *others[position:]]
        webhooks.verify(body, headers, configured, now=T0)


def test_rotation_refuses_a_delivery_signed_with_an_unlisted_secret() -> None:
    """Neither the old nor the new secret of a rotation accepts a third one's signature."""
    headers = webhooks.sign(b"{}", "retired-secret", T0)
    assert reason_of(b"{}", headers, ["old-secret", "new-secret"], now=T0) == "signature_mismatch"


@given(tolerance=st.integers(0, 10**6), offset=st.integers(-(2 * 10**6) - 2, 2 * 10**6 + 2))
def test_tolerance_accepts_exactly_the_closed_window_past_and_future(tolerance: int, offset: int) -> None:
    """A delivery passes iff |now - timestamp| <= tolerance, on both sides; one second beyond fails."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    if abs(offset) <= tolerance:
        webhooks.verify(b"{}", headers, SECRET, tolerance=tolerance, now=T0 + offset)
    else:
        assert reason_of(b"{}", headers, tolerance=tolerance, now=T0 + offset) == "timestamp_out_of_tolerance"


@pytest.mark.parametrize(
    ("now", "passes"),
    [(T0 + 600, True), (T0 + 601, False), (T0 - 600, True), (T0 - 601, False), (T0 + 600.5, False)],
)
def test_default_tolerance_is_600_seconds_at_its_edges(now: float, passes: bool) -> None:
    """The default window is 600 s each way, boundaries included."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    if passes:
        webhooks.verify(b"{}", headers, SECRET, now=now)
    else:
        assert reason_of(b"{}", headers, now=now) == "timestamp_out_of_tolerance"


@pytest.mark.parametrize("retry_delay", [0, 60, 300, 360])
def test_default_tolerance_accepts_every_documented_retry_even_with_the_first_timestamp(retry_delay: int) -> None:
    """Retries come at once, +1 min and +5 min: all pass if they reuse the first attempt's timestamp."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    webhooks.verify(b"{}", headers, SECRET, now=T0 + retry_delay + 5)


def test_tolerance_none_accepts_any_age() -> None:
    """tolerance=None turns the window off."""
    headers = webhooks.sign(b"{}", SECRET, 0)
    webhooks.verify(b"{}", headers, SECRET, tolerance=None, now=T0)


def test_verify_uses_the_clock_when_now_is_not_given() -> None:
    """Without now=, a delivery signed now passes and one from a day ago fails."""
    webhooks.verify(b"{}", webhooks.sign(b"{}", SECRET), SECRET)
    old = webhooks.sign(b"{}", SECRET, int(__import__("time").time()) - 86_400)
    assert reason_of(b"{}", old) == "timestamp_out_of_tolerance"


@pytest.mark.parametrize("tolerance", [-1, float("nan"), True])
def test_invalid_tolerance_is_rejected_naming_the_field(tolerance: float) -> None:
    """A negative, NaN or boolean tolerance raises ValidationError naming tolerance."""
    with pytest.raises(ValidationError, match="tolerance"):
        webhooks.verify(b"{}", webhooks.sign(b"{}", SECRET, T0), SECRET, tolerance=tolerance, now=T0)


@pytest.mark.parametrize("transform", [str.lower, str.upper, str.title])
def test_header_names_match_in_any_case(transform: object) -> None:
    """X-Signature and X-Request-Timestamp are found whatever the case of their names."""
    headers = {transform(k): v for k, v in webhooks.sign(b"{}", SECRET, T0).items()}  # type: ignore[operator]
    webhooks.verify(b"{}", headers, SECRET, now=T0)


def test_surrounding_whitespace_in_header_values_is_ignored() -> None:
    """Values padded with spaces (some proxies do) still verify."""
    headers = {k: f" {v} " for k, v in webhooks.sign(b"{}", SECRET, T0).items()}
    webhooks.verify(b"{}", headers, SECRET, now=T0)


def test_unpadded_base64_signature_verifies() -> None:
    """A base64 signature without its trailing '=' is accepted."""
    headers = webhooks.sign(b"{}", SECRET, T0, "base64")
    headers["X-Signature"] = headers["X-Signature"].rstrip("=")
    webhooks.verify(b"{}", headers, SECRET, now=T0)


@pytest.mark.parametrize("pad", [" {}", "{} ", "\t{}", "{}\t"])
def test_unpadded_base64_signature_with_whitespace_on_one_side_verifies(pad: str) -> None:
    """Whitespace on one side of a 43-character unpadded base64 signature is ignored, as for every
    other spelling: padded with it, the value is 44 characters long, the length of padded base64."""
    headers = webhooks.sign(b"{}", SECRET, T0, "base64")
    headers["X-Signature"] = pad.format(headers["X-Signature"].rstrip("="))
    webhooks.verify(b"{}", headers, SECRET, now=T0)


@pytest.mark.parametrize("missing", ["X-Signature", "X-Request-Timestamp"])
def test_missing_header_is_named(missing: str) -> None:
    """A delivery without one of the two headers is refused as missing_header, naming it."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    del headers[missing]
    with pytest.raises(WebhookVerificationError, match=missing) as caught:
        webhooks.verify(b"{}", headers, SECRET, now=T0)
    assert caught.value.reason == "missing_header"


@pytest.mark.parametrize("value", ["", "abc", "-5", "1.5", "1e9", "１２３", "1234567890123", "+17"])
def test_malformed_timestamp_is_refused(value: str) -> None:
    """A timestamp that is not whole ASCII seconds (at most 12 digits) is malformed_timestamp."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    headers["X-Request-Timestamp"] = value
    assert reason_of(b"{}", headers, tolerance=None) == "malformed_timestamp"


@pytest.mark.parametrize(
    "value",
    ["", "nothex", "z" * 64, "é" * 64, "sha256=" + "0" * 64, "A" * 43 + "B"],
)
def test_malformed_signature_is_refused(value: str) -> None:
    """A signature that is neither canonical hex nor canonical base64 of 32 bytes is malformed_signature."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    headers["X-Signature"] = value
    assert reason_of(b"{}", headers, now=T0) == "malformed_signature"


def _mixed_case(text: str) -> str:
    return "".join(c.upper() if i % 2 else c for i, c in enumerate(text))


@pytest.mark.parametrize("spell", [str.upper, _mixed_case])
def test_uppercase_and_mixed_case_hex_signatures_verify(spell: Callable[[str], str]) -> None:
    """Hex is case-insensitive (the API reference says to accept hex or base64): an uppercase or
    mixed-case hex signature verifies and parses, as a lowercase one does."""
    body = b'{"jobId": "j", "status": "canceled"}'
    headers = webhooks.sign(body, SECRET, T0)
    headers["X-Signature"] = spell(headers["X-Signature"])
    assert headers["X-Signature"] != headers["X-Signature"].lower()
    webhooks.verify(body, headers, SECRET, now=T0)
    webhooks.verify(body, headers, ["other", SECRET], now=T0)
    assert webhooks.parse(body, headers, SECRET, now=T0).job_id == "j"


@pytest.mark.parametrize("spell", [str.upper, _mixed_case])
def test_uppercase_hex_of_another_signature_is_still_a_mismatch(spell: Callable[[str], str]) -> None:
    """Accepting either case does not loosen the check: the uppercase hex of a wrong digest is refused."""
    headers = webhooks.sign(b"{}", "not-the-secret", T0)
    headers["X-Signature"] = spell(headers["X-Signature"])
    assert reason_of(b"{}", headers, now=T0) == "signature_mismatch"


def test_mismatch_message_is_the_same_whichever_byte_differs() -> None:
    """The refusal says nothing about where the signature differs nor what was expected."""
    headers = webhooks.sign(b"{}", SECRET, T0)
    expected = headers["X-Signature"]
    messages = set()
    for index in (0, 31, 63):
        wrong = expected[:index] + ("0" if expected[index] != "0" else "1") + expected[index + 1 :]
        with pytest.raises(WebhookVerificationError) as caught:
            webhooks.verify(b"{}", {**headers, "X-Signature": wrong}, SECRET, now=T0)
        messages.add(str(caught.value))
        assert expected not in str(caught.value)
        assert wrong not in str(caught.value)
    assert len(messages) == 1


def test_signatures_are_compared_with_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison goes through hmac.compare_digest, the constant-time one."""
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    headers = webhooks.sign(b"{}", SECRET, T0)
    webhooks.verify(b"{}", headers, SECRET, now=T0)
    assert calls == [(headers["X-Signature"], headers["X-Signature"])]


def test_every_rotation_key_is_tried_even_after_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    """With three secrets the work is the same whichever matches: all three are compared."""
    calls: list[object] = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(a) or real(a, b))
    headers = webhooks.sign(b"{}", "first", T0)
    webhooks.verify(b"{}", headers, ["first", "second", "third"], now=T0)
    assert len(calls) == 3


def test_verifying_reserialised_json_instead_of_the_raw_body_fails() -> None:
    """The pitfall: json.dumps(json.loads(raw)) has other bytes, so only the raw body verifies."""
    raw = '{"jobId":"j-1","status":"succeeded","output":{"voiceprint":"Zoë"}}'.encode()
    headers = webhooks.sign(raw, SECRET, T0)
    webhooks.verify(raw, headers, SECRET, now=T0)
    reserialised = json.dumps(json.loads(raw)).encode()
    assert reserialised != raw
    assert reason_of(reserialised, headers, now=T0) == "signature_mismatch"


@pytest.mark.parametrize("body", ['{"jobId": "j"}', {"jobId": "j"}])
def test_a_body_that_is_not_bytes_is_a_type_error_pointing_to_the_raw_body(body: object) -> None:
    """Passing a str or a parsed dict raises TypeError telling how to get the raw bytes."""
    with pytest.raises(TypeError, match="raw request bytes"):
        webhooks.verify(body, webhooks.sign(b"{}", SECRET, T0), SECRET, now=T0)  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [bytearray(b'{"a":1}'), memoryview(b'{"a":1}')])
def test_bytearray_and_memoryview_bodies_verify(body: bytes) -> None:
    """Buffers other than bytes are accepted as they are."""
    webhooks.verify(body, webhooks.sign(bytes(body), SECRET, T0), SECRET, now=T0)


@pytest.mark.parametrize("secret", ["", b"", [], [""]])
def test_an_empty_secret_is_no_secret(secret: webhooks.Secret) -> None:
    """An empty secret, or an empty list of them, is refused as no_secret rather than used."""
    assert reason_of(b"{}", webhooks.sign(b"{}", SECRET, T0), secret, now=T0) == "no_secret"


def test_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """secret=None reads PYANNOTEAI_WEBHOOK_SECRET, stripped of a trailing newline."""
    monkeypatch.setenv("PYANNOTEAI_WEBHOOK_SECRET", SECRET + "\n")
    webhooks.verify(b"{}", webhooks.sign(b"{}", SECRET, T0), None, now=T0)


def test_no_secret_anywhere_names_the_environment_variable() -> None:
    """With neither an argument nor the variable, the error says to set PYANNOTEAI_WEBHOOK_SECRET."""
    with pytest.raises(WebhookVerificationError, match="PYANNOTEAI_WEBHOOK_SECRET") as caught:
        webhooks.verify(b"{}", webhooks.sign(b"{}", SECRET, T0), None, now=T0)
    assert caught.value.reason == "no_secret"


@pytest.mark.parametrize("secret", ["whsec_abc\n", " whsec_abc", b"whsec_abc\r\n", ["whsec_ok", "whsec_abc\n"]])
def test_a_secret_with_surrounding_whitespace_is_refused_saying_so(secret: webhooks.Secret) -> None:
    """A secret read from a file kept its newline: every delivery then failed as signature_mismatch,
    with nothing pointing at the secret (only PYANNOTEAI_WEBHOOK_SECRET was stripped)."""
    body, headers = b"{}", webhooks.sign(b"{}", "whsec_abc", T0)
    assert reason_of(body, headers, secret, now=T0) == "no_secret"
    with pytest.raises(WebhookVerificationError, match="whitespace"):
        webhooks.verify(body, headers, secret, now=T0)


def test_bytes_like_secrets_are_one_secret_and_sign_takes_one_secret() -> None:
    """A bytearray secret was read as a sequence of secrets ("secret[0] must be a str or bytes, not
    int"), and sign() given a list signed with its first secret silently."""
    headers = webhooks.sign(b"{}", bytearray(b"whsec_abc"), T0)
    assert headers == webhooks.sign(b"{}", "whsec_abc", T0)
    webhooks.verify(b"{}", headers, memoryview(b"whsec_abc"), now=T0)
    with pytest.raises(TypeError, match="one secret"):
        webhooks.sign(b"{}", ["whsec_abc", "whsec_new"], T0)  # type: ignore[arg-type]


def test_a_secret_of_the_wrong_type_is_a_type_error() -> None:
    """A number, or a list holding one, is not a secret."""
    with pytest.raises(TypeError, match="secret"):
        webhooks.verify(b"{}", {}, 123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"secret\[1\]"):
        webhooks.verify(b"{}", {}, ["ok", 5])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"encoding": "base32"}, "encoding"), ({"timestamp": -1}, "timestamp"), ({"timestamp": 1.5}, "timestamp")],
)
def test_sign_rejects_bad_arguments_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    """sign() refuses an unknown encoding or a timestamp that is not whole non-negative seconds."""
    with pytest.raises(ValidationError, match=field):
        webhooks.sign(b"{}", SECRET, **kwargs)  # type: ignore[arg-type]


def test_verify_reads_the_secret_from_the_environment_when_none_is_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    """verify(body, headers) with no secret argument, as parse() and the docs allow."""
    from pyannoteai_identify.testing import signed_delivery

    monkeypatch.setenv(webhooks.SECRET_ENV, "whsec_from_env")
    body, headers = signed_delivery({"jobId": "j", "status": "succeeded"}, "whsec_from_env")
    webhooks.verify(body, headers)


def test_an_empty_body_is_refused_saying_it_is_empty_and_why_it_may_be() -> None:
    """A genuine delivery read as no bytes (Flask's request.stream after request.get_json() or
    get_data() consumed it; a chunked body a WSGI server or Django hands over as empty) was refused
    as "a wrong secret, or a body that is not the raw bytes received": the operator rotates a secret
    that was right. The reason is the same; the message says the body was empty and what empties it."""
    raw = b'{"jobId":"j-1","status":"failed"}'
    headers = webhooks.sign(raw, SECRET, T0)
    with pytest.raises(WebhookVerificationError) as caught:
        webhooks.verify(b"", headers, SECRET, now=T0)
    assert caught.value.reason == "signature_mismatch"
    message = str(caught.value)
    assert "body is empty" in message
    assert "already read" in message and "chunked" in message
    assert SECRET not in message and headers["X-Signature"] not in message
