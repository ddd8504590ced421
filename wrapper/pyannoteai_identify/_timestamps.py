"""The API's timestamps (``createdAt``, ``updatedAt``) as aware datetimes: one parser for every reader."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["parse_timestamp"]


def parse_timestamp(text: str) -> datetime:
    """*text*, an ISO 8601 date-time, as an aware datetime: one without an offset is read as UTC.

    Every timestamp the API documents is UTC (``2024-02-20T12:00:00Z``, api-reference §6). A naive
    datetime would make user code that compares it with an aware one (``datetime.now(UTC)``, another
    job's time) raise ``TypeError``, so an answer that leaves the offset out is read as UTC; one with
    an offset keeps it. Raises ``ValueError`` when *text* is not an ISO 8601 date-time.
    """
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
