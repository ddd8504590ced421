"""Checks of URLs: ``media://`` keys (their rule in words, read from the contract) and http(s) URLs."""

from __future__ import annotations

import re

import httpx

from ._redact import hide_secrets
from ._validation_basics import _text
from ._validation_limits import MEDIA_URL_MAX, MEDIA_URL_PATTERN
from .errors import ValidationError

_RANGE_WORDS = {("a", "z"): "lowercase letters", ("A", "Z"): "uppercase letters", ("0", "9"): "digits"}


def describe_media_url_pattern(pattern: str) -> str:
    """The rule of a ``media://`` URL in words, read from the contract's *pattern*.

    ``^media://[a-zA-Z0-9\\-_./]+$`` reads "media:// followed by letters, digits, '-', '_', '.' and '/'
    only"; a pattern of another shape is quoted as it is, so the message never lists characters
    the contract does not (or no longer) allows.
    """
    shape = re.fullmatch(r"\^media://\[((?:\\.|[^\\\]])+)\]\+\$", pattern)
    if shape is None:
        return f"must match the pattern {pattern}"
    tokens = re.findall(r"\\.|.", shape.group(1))
    if tokens[0] == "^" or any(re.fullmatch(r"\\[A-Za-z]", token) for token in tokens):
        return f"must match the pattern {pattern}"  # a negated class, or a class escape such as \\w
    chars = [token[-1] for token in tokens]  # an escaped character stands for itself
    words: list[str] = []
    index = 0
    while index < len(chars):
        if index + 2 < len(chars) and tokens[index + 1] == "-":  # an unescaped '-' between two: a range
            first, last = chars[index], chars[index + 2]
            words.append(_RANGE_WORDS.get((first, last), f"'{first}' to '{last}'"))
            index += 3
        else:
            words.append(f"'{chars[index]}'")
            index += 1
    if "lowercase letters" in words and "uppercase letters" in words:
        words[words.index("lowercase letters")] = "letters"
        words.remove("uppercase letters")
    listed = f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else words[0]
    return f"must be media:// followed by {listed} only"


MEDIA_URL_RULE = describe_media_url_pattern(MEDIA_URL_PATTERN.pattern)


def check_media_url(field: str, value: str) -> str:
    """A ``media://`` URL: the documented key pattern and length, and no ``.``/``..`` path segments."""
    _text(field, value)
    if len(value) > MEDIA_URL_MAX:
        raise ValidationError(field, value, f"must be at most {MEDIA_URL_MAX} characters long")
    if not MEDIA_URL_PATTERN.fullmatch(value):
        raise ValidationError(field, value, MEDIA_URL_RULE)
    segments = value.removeprefix("media://").split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise ValidationError(field, value, "must not contain empty, '.' or '..' path segments")
    return value


def _url_error(field: str, value: str, rule: str) -> ValidationError:
    """The error for a refused URL, which shows it without its query or password (a signature, a token)."""
    return ValidationError(field, value, rule, shown=hide_secrets(value))


def _http_url(field: str, value: str) -> str:
    if any(c.isspace() for c in value):
        raise _url_error(field, value, "must be a URL without whitespace")
    try:
        url = httpx.URL(value)
        # Read inside the try: httpx decodes an IDNA host lazily (idna.IDNAError is a ValueError).
        host, port = url.host, url.port
    except (httpx.InvalidURL, ValueError):
        raise _url_error(field, value, "must be a well-formed http(s) URL") from None
    if url.scheme not in ("http", "https") or not host:
        raise _url_error(field, value, "must be an http(s) URL with a host")
    if port is not None and not 0 < port <= 65535:
        raise _url_error(field, value, f"its port {port} is not a TCP port (1-65535)")
    return value


def check_webhook(value: object) -> str | None:
    if value is None:
        return None
    return _http_url("webhook", _text("webhook", value))
