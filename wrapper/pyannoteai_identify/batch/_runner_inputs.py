"""Phase 1 of a batch run: the inputs the user named join the manifest (new files hashed in threads)."""

from __future__ import annotations

from collections.abc import Sequence

import anyio

from . import _files
from ._inputs import Found, output_name
from ._manifest import InputStatus, NewInput
from ._runner_core import EngineCore

__all__ = ["InputAdding"]


class InputAdding(EngineCore):
    """Phase 1: the inputs the user named join the manifest."""

    async def add_inputs(self, found: Sequence[Found]) -> None:
        known = await self._store(self.manifest.sources)
        taken = {name.casefold() for name in await self._store(self.manifest.names)}
        fresh: list[Found] = [item for item in found if item.source not in known]
        reopened = {
            item.source: entry
            for item in found
            if (entry := known.get(item.source)) is not None
            and item.kind == "file"
            and entry[3] in (InputStatus.PENDING, InputStatus.FAILED)
        }
        # Every file system call runs in a worker thread: the event loop's other tasks keep running.
        stamps = await self._file_work(_files.stamps, list(reopened))
        changed: list[tuple[int, str]] = [
            (entry[0], source)
            for source, entry in reopened.items()
            if (stamp := stamps[source]) is not None and stamp != (entry[1], entry[2])
        ]
        results: dict[str, tuple[int | None, int | None, str | None, str | None]] = {}

        async def one(source: str) -> None:
            results[source] = await self._file_work(_files.fingerprint, source)

        async with anyio.create_task_group() as group:
            for item in fresh:
                if item.kind == "file":
                    group.start_soon(one, item.source)
            for _, source in changed:
                group.start_soon(one, source)
        new_rows = []
        for item in fresh:
            name = output_name(item.stem, taken)
            if item.kind == "url":
                new_rows.append(NewInput(item.source, "url", name, audio_url=item.source))
                continue
            size, mtime, digest, reason = results[item.source]
            new_rows.append(NewInput(item.source, "file", name, size, mtime, digest, reason=reason))
        await self._store(self.manifest.add_inputs, new_rows)
        for input_id, source in changed:
            size, mtime, digest, reason = results[source]
            if size is not None and mtime is not None and digest is not None:
                await self._store(self.manifest.refresh_file, input_id, size, mtime, digest, reason)
            elif reason is not None:
                await self._store(self.manifest.record_input_failure, input_id, reason)
