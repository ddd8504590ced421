"""One way to show a URL that may hold a secret: logs, errors and batch files all use it.

The query of a presigned URL is its signature (whoever reads it can overwrite the upload until it
expires), and a user's signed input URL is the same; the fragment goes too, as it never reaches a
server and may hold a token, and so does a ``user:password@``. What remains still says which file
it was.
"""

from __future__ import annotations

__all__ = ["ALL_HIDDEN", "CREDENTIALS_HIDDEN", "QUERY_HIDDEN", "hide_secrets"]

QUERY_HIDDEN = "?<query hidden>"
CREDENTIALS_HIDDEN = "<credentials hidden>@"
ALL_HIDDEN = "<hidden>"


def hide_secrets(url: str) -> str:
    """*url* as a log line, an error or a batch file may show it: its ``user:password@`` hidden,
    and its query and fragment replaced by ``?<query hidden>``; unchanged if it has none of them.

    Read as plain text, not parsed: the URL being shown may be one that a parser refuses (a
    password typed with a ``/`` in it, a missing ``https://``), and its secrets must go all the
    same. Everything up to the last ``@`` before the query goes. An ``@`` after a ``?`` or ``#``
    may be in the query, or in a password holding a ``?`` or ``#``: there is no telling, so all
    after the scheme goes.
    """
    scheme, separator, rest = url.partition("://")
    if not separator or any(mark in scheme for mark in "?#@"):  # no "://" before the query or the "@"
        head, colon, tail = url.partition(":")
        if colon and not any(mark in head for mark in "/?#@"):
            scheme, separator, rest = head, colon, tail  # a user name or a scheme ("mailto:"): it stays
        else:
            scheme, separator, rest = "", "", url
    at = rest.rfind("@")
    if at < 0:
        return f"{scheme}{separator}{_without_query(rest)}"
    if at < _query_start(rest):
        return f"{scheme}{separator}{CREDENTIALS_HIDDEN}{_without_query(rest[at + 1 :])}"
    return f"{scheme}{separator}{ALL_HIDDEN}"


def _query_start(text: str) -> int:
    """Where the query or the fragment of *text* starts (its first ``?`` or ``#``), or its length."""
    return min((index for index in (text.find("?"), text.find("#")) if index >= 0), default=len(text))


def _without_query(text: str) -> str:
    cut = _query_start(text)
    return text if cut == len(text) else text[:cut] + QUERY_HIDDEN
