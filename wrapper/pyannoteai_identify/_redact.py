"""One way to show a URL whose query may be a secret: logs, errors and batch files all use it.

The query of a presigned URL is its signature (whoever reads it can overwrite the upload until it
expires), and a user's signed input URL is the same; the fragment goes too, as it never reaches a
server and may hold a token. What remains still says which file it was.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["QUERY_HIDDEN", "hide_query"]

QUERY_HIDDEN = "?<query hidden>"


def hide_query(url: str) -> str:
    """*url* with its query and fragment replaced by ``?<query hidden>``; unchanged if it has neither."""
    parts = urlsplit(url)
    if not parts.query and not parts.fragment:
        return url
    return urlunsplit(parts._replace(query="", fragment="")) + QUERY_HIDDEN
