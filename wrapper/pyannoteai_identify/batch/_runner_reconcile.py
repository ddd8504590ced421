"""Phase 3 of a batch run: inputs left in ``submitting`` are settled against the job list.

What the list proves is decided by ``_reconcile`` (pure); this phase waits for an interrupted
submission to land, reads the list back past the anchors, and records the decisions.
"""

from __future__ import annotations

import logging
import math
import time
from datetime import datetime

import httpx

from ..errors import (
    APIConnectionError,
    InvalidResponseError,
    RateLimitError,
    ServerError,
)
from . import _joblist
from ._manifest import InputStatus
from ._reconcile import Pending, decide
from ._retry import ends_the_run
from ._runner_core import PAGE_SIZE, EngineCore

__all__ = ["MAX_RECONCILE_SETTLE", "RECONCILE_MARGIN", "Reconciling", "settle_seconds"]

logger = logging.getLogger("pyannoteai_identify.batch")

#: Seconds added to the client's read timeout to give an interrupted submission time to land.
RECONCILE_MARGIN = 2.0
#: The settle time when the client has no read timeout.
MAX_RECONCILE_SETTLE = 300.0


def settle_seconds(timeout: httpx.Timeout) -> float:
    """How long after an interrupted submission began the job list can prove it created nothing.

    The API may create the job at any moment until it answers, and the client waits for that
    answer up to its read timeout: a request older than that plus a margin has landed or never
    will. (A fixed 2 s was too short: a POST the API took 5 s to answer was proven absent and
    billed twice.)
    """
    read = timeout.read if timeout.read is not None else MAX_RECONCILE_SETTLE
    return min(read, MAX_RECONCILE_SETTLE) + RECONCILE_MARGIN


class Reconciling(EngineCore):
    """Phase 3: inputs left in ``submitting`` are settled against the job list."""

    async def reconcile(self) -> None:
        """Settle every input left in ``submitting``: back to pending if proven job-less, else uncertain."""
        rows = await self._store(self.manifest.rows, InputStatus.SUBMITTING)
        if not rows:
            return
        # A request sent just before a crash may still be in the API's hands: let it land first.
        newest = max(_epoch(row.submit_started_at) for row in rows)
        settle = settle_seconds(self.ctx.settings.timeout)
        if newest + settle > time.time():
            logger.info(
                "waiting up to %.0f s for an interrupted submission to land before reading the job list", settle
            )
        await self._sleep(max(0.0, min(newest + settle - time.time(), settle)))
        anchors = {row.anchor or "" for row in rows}
        max_pages = math.ceil(max(self.total, 1) / PAGE_SIZE) + 10
        try:
            listed, complete = await _joblist.read_past_anchors(self._list_reader("reconcile"), anchors, max_pages)
        except (RateLimitError, ServerError, APIConnectionError, InvalidResponseError) as error:
            if ends_the_run(error):
                raise  # as a 401: the inputs stay submitting for the next run
            # Nothing can be proven without the list: the inputs stay submitting, never resent.
            for row in rows:
                note = f"the job list could not be read to settle an interrupted submission ({error}); run again"
                await self._store(self.manifest.note, row.id, note)
                self._noted.add(row.id)
            return
        claimed = await self._store(self.manifest.claimed_jobs)
        decisions = decide([Pending(row.id, row.anchor) for row in rows], listed, claimed, complete=complete)
        await self._store(
            self.manifest.resolve_uncertain, {key: (d.status, d.reason, d.candidate) for key, d in decisions.items()}
        )
        self._noted.update(decisions)
        for input_id, decision in decisions.items():
            logger.warning("input %d: %s", input_id, decision.reason)
            self._stage(input_id, "failed" if decision.status == InputStatus.UNCERTAIN else "pending")


def _epoch(iso: str | None) -> float:
    return datetime.fromisoformat(iso).timestamp() if iso else 0.0
