"""One way to show a URL whose query may be a secret: logs, errors and batch files all use it.

The query of a presigned URL is its signature (whoever reads it can overwrite the upload until it
expires), and a user's signed input URL is the same; the fragment goes too, as it never reaches a
server and may hold a token. What remains still says which file it was.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["CREDENTIALS_HIDDEN", "QUERY_HIDDEN", "hide_query", "hide_secrets"]

QUERY_HIDDEN = "?<query hidden>"
CREDENTIALS_HIDDEN = "<credentials hidden>@"


def hide_query(url: str) -> str:
    """*url* with its query and fragment replaced by ``?<query hidden>``; unchanged if it has neither."""
    parts = urlsplit(url)
    if not parts.query and not parts.fragment:
        return url
    return urlunsplit(parts._replace(query="", fragment="")) + QUERY_HIDDEN


def hide_secrets(url: str) -> str:
    """*url* as an error may show it: its ``user:password@`` hidden, and its query and fragment.

    Read as plain text, not parsed: the URL being shown may be one that a parser refuses (a
    password typed with a ``/``, ``#`` or ``?`` in it), and its secrets must go all the same. So
    everything up to the last ``@`` goes, even an ``@`` of the path or query: an error that shows
    too little is better than one that shows a password.
    """
    scheme, separator, rest = url.partition("://")
    if separator and "@" in rest:
        url = f"{scheme}{separator}{CREDENTIALS_HIDDEN}{rest.rpartition('@')[2]}"
    cut = min((index for index in (url.find("?"), url.find("#")) if index >= 0), default=-1)
    return url if cut < 0 else url[:cut] + QUERY_HIDDEN
