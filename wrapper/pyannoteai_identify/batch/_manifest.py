"""The batch manifest: one SQLite file (standard library) holding the state of every input.

Each input has one row: where it comes from, its content hash, the URL the API reads, the job id,
the status, timestamps and where its results were written. Every change is one transaction in
WAL mode, so a committed change survives a killed process; the mark the billing protocol rests
on is also flushed to disk (``synchronous=FULL``), so it survives a power cut. The submission
protocol that never bills twice relies on that:
``mark_submitting`` commits *before* the request that creates a job is sent, and ``record_job``
commits the job id as soon as the answer arrives. A ``jobs`` table keeps every job id the batch
ever received, so reconciliation can tell the batch's jobs from unknown ones.

Statuses (``InputStatus``)::

    pending ──▶ submitting ──▶ submitted ──▶ succeeded
       ▲            │    └──▶ uncertain        ├──▶ failed   (job failed / canceled / input refused)
       └────────────┘ (reconciled: no job)     └──▶ expired  (output deleted after 24 h)
    uncertain ──▶ submitted   only with --adopt-uncertain (its one candidate job)
    failed / expired / uncertain ──▶ pending   only with --retry-failed / --resubmit-expired / --resubmit-uncertain

A process lock (``flock`` on ``<manifest>.lock``) keeps two runs from sharing one manifest: both
would submit the same pending inputs. The operating system drops it when the process dies.

This module holds the queries; the record types are in ``_manifest_records``, the schema and how
values are stored in ``_manifest_schema``, the process lock and fork guard in ``_manifest_lock``,
and the connection (opening, transactions, closing) in ``_manifest_db``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from ._manifest_db import _Database
from ._manifest_records import InputStatus, ManifestError, NewInput, Row
from ._manifest_schema import _COLUMNS, _from_db, _row, _text, _to_db, utc_now

__all__ = ["InputStatus", "Manifest", "ManifestError", "NewInput", "Row"]


class Manifest(_Database):
    """The state of a batch in one SQLite file; every method is one transaction and thread-safe.

    In a process forked after it was opened, every method raises ``ManifestError`` (SQLite's
    connection cannot cross a fork), and ``close()`` leaves the parent's database and lock alone.

    Args:
        path: the database file (created if missing), or ``":memory:"`` for a throw-away manifest.
    """

    # --- settings ------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._connection() as db:
            found = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def bind_settings(self, fingerprint: str, description: str) -> None:
        """Tie the manifest to one set of voiceprints and options; refuse to resume it with others.

        Jobs already submitted used the first settings: mixing would give one batch two meanings.
        """
        with self._transaction() as db:
            found = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
            if found is None:
                db.execute("INSERT INTO meta (key, value) VALUES ('settings', ?)", (fingerprint,))
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('settings_text', ?)", (description,))
                return
        if found[0] != fingerprint:
            before = self.get_meta("settings_text") or "?"
            raise ManifestError(
                f"the manifest {self.path} was started with other voiceprints or options ({before}); "
                f"now: {description}. Use a new --manifest for the new settings"
            )

    # --- inputs --------------------------------------------------------------------------------

    def sources(self) -> dict[str, tuple[int, int | None, int | None, InputStatus]]:
        """Every known source → (id, size, mtime_ns, status), to tell new inputs from known ones."""
        with self._connection() as db:
            rows = db.execute("SELECT source, id, size, mtime_ns, status FROM inputs").fetchall()
        return {_from_db(source): (id_, size, mtime, InputStatus(status)) for source, id_, size, mtime, status in rows}

    def names(self) -> set[str]:
        with self._connection() as db:
            return {name for (name,) in db.execute("SELECT name FROM inputs")}

    def add_inputs(self, items: Iterable[NewInput]) -> int:
        """Insert inputs not seen before (one transaction); return how many were new."""
        now = utc_now()
        added = 0
        with self._transaction() as db:
            for item in items:
                status = InputStatus.FAILED if item.reason else InputStatus.PENDING
                cursor = db.execute(
                    "INSERT OR IGNORE INTO inputs (source, kind, name, size, mtime_ns, sha256, audio_url, status, "
                    "reason, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        _to_db(item.source),
                        item.kind,
                        item.name,
                        item.size,
                        item.mtime_ns,
                        item.sha256,
                        item.audio_url,
                        status.value,
                        _text(item.reason),
                        now,
                        now,
                    ),
                )
                added += cursor.rowcount
        return added

    def refresh_file(self, input_id: int, size: int, mtime_ns: int, sha256: str, reason: str | None) -> None:
        """A pending or failed file changed on disk (its size or mtime): keep its new size and hash.

        Its upload is kept when the bytes are the same. A pending input, or one refused before any
        job, is judged again (pending, or failed with *reason*); the input of a failed job stays
        failed whatever its bytes, as only ``--retry-failed`` may bill it again.
        """
        with self._transaction() as db:
            found = db.execute("SELECT status, job_id, sha256 FROM inputs WHERE id = ?", (input_id,)).fetchone()
            if found is None or found[0] not in (InputStatus.PENDING.value, InputStatus.FAILED.value):
                return
            status, job_id, old_sha256 = found
            keep_upload = "audio_url" if old_sha256 == sha256 else "NULL"
            keep_time = "uploaded_at" if old_sha256 == sha256 else "NULL"
            judged = status == InputStatus.PENDING.value or job_id is None
            new_status = (InputStatus.FAILED if reason else InputStatus.PENDING).value if judged else status
            db.execute(
                f"UPDATE inputs SET size = ?, mtime_ns = ?, sha256 = ?, audio_url = {keep_upload}, "
                f"uploaded_at = {keep_time}, status = ?, reason = CASE WHEN ? THEN ? ELSE reason END, "
                "updated_at = ? WHERE id = ?",
                (size, mtime_ns, sha256, new_status, judged, reason, utc_now(), input_id),
            )

    def rows(self, *statuses: InputStatus) -> list[Row]:
        """Every input (in the order they were added), or those with one of *statuses*."""
        query = f"SELECT {_COLUMNS} FROM inputs"
        params: tuple[str, ...] = ()
        if statuses:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            params = tuple(s.value for s in statuses)
        with self._connection() as db:
            return [_row(values) for values in db.execute(query + " ORDER BY id", params)]

    def get(self, input_id: int) -> Row:
        with self._connection() as db:
            values = db.execute(f"SELECT {_COLUMNS} FROM inputs WHERE id = ?", (input_id,)).fetchone()
        if values is None:
            raise KeyError(input_id)
        return _row(values)

    def counts(self) -> dict[InputStatus, int]:
        with self._connection() as db:
            found = dict(db.execute("SELECT status, COUNT(*) FROM inputs GROUP BY status").fetchall())
        return {status: int(found.get(status.value, 0)) for status in InputStatus}

    def file_stamp(self, input_id: int) -> tuple[int | None, int | None]:
        """The size and modification time (ns) recorded when the file was hashed."""
        with self._connection() as db:
            found = db.execute("SELECT size, mtime_ns FROM inputs WHERE id = ?", (input_id,)).fetchone()
        return (None, None) if found is None else (found[0], found[1])

    def reusable_upload(self, sha256: str, fresh_after: str) -> str | None:
        """A ``media://`` URL of the same content uploaded after *fresh_after* (ISO time), if any."""
        with self._connection() as db:
            found = db.execute(
                "SELECT audio_url FROM inputs WHERE sha256 = ? AND kind = 'file' AND uploaded_at > ? "
                "ORDER BY uploaded_at DESC LIMIT 1",
                (sha256, fresh_after),
            ).fetchone()
        return None if found is None else str(found[0])

    # --- the submission protocol ------------------------------------------------------------

    def record_upload(self, input_id: int, media_url: str) -> None:
        with self._transaction() as db:
            now = utc_now()
            db.execute(
                "UPDATE inputs SET audio_url = ?, uploaded_at = ?, updated_at = ? WHERE id = ?",
                (media_url, now, now, input_id),
            )

    def mark_submitting(self, input_id: int, anchor: str | None) -> bool:
        """Commit that a job is about to be requested for the input; False if it is no longer pending.

        *anchor* is the newest job id the batch knew at this moment: any job this request creates
        is listed after it, which is what reconciliation looks for.
        """
        with self._transaction(durable=True) as db:
            now = utc_now()
            cursor = db.execute(
                "UPDATE inputs SET status = 'submitting', anchor = ?, attempts = attempts + 1, reason = NULL, "
                "submit_started_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
                (anchor, now, now, input_id),
            )
            return cursor.rowcount == 1

    def record_job(self, input_id: int, job_id: str, job_status: str) -> None:
        """Commit the job id the API returned (the first thing done with the answer)."""
        with self._transaction() as db:
            now = utc_now()
            db.execute(
                "UPDATE inputs SET status = 'submitted', job_id = ?, job_status = ?, submitted_at = ?, "
                "finished_at = NULL, updated_at = ? WHERE id = ?",
                (job_id, job_status, now, now, input_id),
            )
            db.execute(
                "INSERT OR IGNORE INTO jobs (job_id, input_id, submitted_at) VALUES (?, ?, ?)", (job_id, input_id, now)
            )

    def unmark_submitting(self, input_id: int, status: InputStatus, reason: str | None) -> None:
        """The submission's outcome is known without a job: back to pending (retry) or failed."""
        with self._transaction() as db:
            db.execute(
                "UPDATE inputs SET status = ?, reason = ?, updated_at = ? WHERE id = ? AND status = 'submitting'",
                (status.value, _text(reason), utc_now(), input_id),
            )

    def note(self, input_id: int, reason: str) -> None:
        """Keep the input in its status, with *reason* (shown in the summary)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE inputs SET reason = ?, updated_at = ? WHERE id = ?", (_text(reason), utc_now(), input_id)
            )

    def newest_job(self) -> str | None:
        """The job id the batch recorded last (an anchor for the next submissions)."""
        with self._connection() as db:
            found = db.execute("SELECT job_id FROM jobs ORDER BY rowid DESC LIMIT 1").fetchone()
        return None if found is None else str(found[0])

    def claimed_jobs(self) -> set[str]:
        """Every job id the batch ever received, including those of earlier attempts."""
        with self._connection() as db:
            return {job_id for (job_id,) in db.execute("SELECT job_id FROM jobs")}

    # --- job progress and outcomes --------------------------------------------------------------

    def set_job_status(self, updates: Mapping[str, str]) -> None:
        """Store the last status the API reported for each job id (one transaction)."""
        if not updates:
            return
        now = utc_now()
        with self._transaction() as db:
            db.executemany(
                "UPDATE inputs SET job_status = ?, updated_at = ? WHERE job_id = ? AND status = 'submitted'",
                [(status, now, job_id) for job_id, status in updates.items()],
            )

    def record_success(
        self,
        job_id: str,
        result_json: str,
        result_rttm: str,
        speakers: Sequence[str],
        talk_time: Mapping[str, float],
    ) -> bool:
        """The job's results are on disk; False if the job was already finished (a repeat)."""
        with self._transaction() as db:
            now = utc_now()
            cursor = db.execute(
                "UPDATE inputs SET status = 'succeeded', job_status = 'succeeded', reason = NULL, finished_at = ?, "
                "result_json = ?, result_rttm = ?, speakers = ?, talk_time = ?, updated_at = ? "
                "WHERE job_id = ? AND status = 'submitted'",
                (now, result_json, result_rttm, json.dumps(list(speakers)), json.dumps(dict(talk_time)), now, job_id),
            )
            db.execute("UPDATE jobs SET outcome = 'succeeded' WHERE job_id = ?", (job_id,))
            return cursor.rowcount == 1

    def record_job_end(self, job_id: str, status: InputStatus, job_status: str, reason: str) -> bool:
        """The job ended without a result (failed, canceled, or its output expired)."""
        with self._transaction() as db:
            now = utc_now()
            cursor = db.execute(
                "UPDATE inputs SET status = ?, job_status = ?, reason = ?, finished_at = ?, updated_at = ? "
                "WHERE job_id = ? AND status = 'submitted'",
                (status.value, job_status, _text(reason), now, now, job_id),
            )
            db.execute("UPDATE jobs SET outcome = ? WHERE job_id = ?", (status.value, job_id))
            return cursor.rowcount == 1

    def reopen(self, input_id: int) -> None:
        """A recorded result file is missing: the job goes back to ``submitted`` so it is fetched again."""
        with self._transaction() as db:
            db.execute(
                "UPDATE inputs SET status = 'submitted', result_json = NULL, result_rttm = NULL, updated_at = ? "
                "WHERE id = ? AND status = 'succeeded' AND job_id IS NOT NULL",
                (utc_now(), input_id),
            )

    def record_input_failure(self, input_id: int, reason: str, *, recheck: bool = False) -> None:
        """The input could not be sent (unreadable file, refused upload): failed, with the reason.

        With *recheck* (its file was gone or unreadable when it was to be uploaded, after it was
        hashed) the recorded size and mtime are forgotten: the next run finds the file changed and
        judges it anew, so a file that is back as it was is sent without ``--retry-failed``.
        """
        stamp = ", size = NULL, mtime_ns = NULL" if recheck else ""
        with self._transaction() as db:
            db.execute(
                f"UPDATE inputs SET status = 'failed', reason = ?, updated_at = ?{stamp} "
                "WHERE id = ? AND status = 'pending'",
                (_text(reason), utc_now(), input_id),
            )

    def resolve_uncertain(self, decisions: Mapping[int, tuple[InputStatus, str, str | None]]) -> None:
        """Apply reconciliation: each ``submitting`` input becomes pending (no job) or uncertain (with a candidate)."""
        now = utc_now()
        with self._transaction(durable=True) as db:
            db.executemany(
                "UPDATE inputs SET status = ?, reason = ?, candidate = ?, updated_at = ? "
                "WHERE id = ? AND status = 'submitting'",
                [
                    (status.value, reason, candidate, now, input_id)
                    for input_id, (status, reason, candidate) in decisions.items()
                ],
            )

    def candidates(self) -> dict[int, str]:
        """Uncertain inputs with exactly one candidate job, when no two inputs share it."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT id, candidate FROM inputs WHERE status = 'uncertain' AND candidate IS NOT NULL"
            ).fetchall()
        shared = {job for job in (c for _, c in rows) if sum(1 for _, other in rows if other == job) > 1}
        return {input_id: job for input_id, job in rows if job not in shared}

    def adopt(self, input_id: int, job_id: str) -> bool:
        """Make an uncertain input's candidate its job (``--adopt-uncertain``); False if not applicable."""
        with self._transaction(durable=True) as db:
            now = utc_now()
            taken = db.execute("SELECT 1 FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
            if taken is not None:
                return False
            cursor = db.execute(
                "UPDATE inputs SET status = 'submitted', job_id = ?, job_status = 'created', submitted_at = ?, "
                "reason = 'adopted: the one job created after its interrupted submission', candidate = NULL, "
                "updated_at = ? WHERE id = ? AND status = 'uncertain' AND candidate = ?",
                (job_id, now, now, input_id, job_id),
            )
            if cursor.rowcount != 1:
                return False
            db.execute("INSERT INTO jobs (job_id, input_id, submitted_at) VALUES (?, ?, ?)", (job_id, input_id, now))
            return True

    def requeue(self, statuses: Iterable[InputStatus]) -> int:
        """Send inputs in *statuses* back to pending (the explicit retry flags); return how many.

        The old job id stays in the ``jobs`` table, so reconciliation still knows it is the batch's.
        """
        wanted = [s.value for s in statuses]
        if not wanted:
            return 0
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE inputs SET status = 'pending', job_id = NULL, job_status = NULL, finished_at = NULL, "
                f"reason = NULL, candidate = NULL, updated_at = ? WHERE status IN ({', '.join('?' * len(wanted))})",
                (utc_now(), *wanted),
            )
            return cursor.rowcount
