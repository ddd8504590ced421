"""The result files of a batch: each succeeded job's JSON and RTTM, their text, and settling what a
killed run left between writing them and recording them in the manifest (blocking calls: the engine
runs them in a worker thread)."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import APIError
from ..results import IdentifyResult
from ._inputs import shown_source
from ._manifest import InputStatus, Manifest, Row
from ._report import write_atomic

__all__ = ["not_utf8", "recover_results", "result_paths", "result_texts", "write_results"]


def result_paths(out: Path, row: Row) -> tuple[Path, Path]:
    """Where the input of *row* has its result written: its JSON and its RTTM, in *out*."""
    return out / f"{row.name}.json", out / f"{row.name}.rttm"


def result_texts(row: Row, job_id: str, result: IdentifyResult) -> tuple[str, str]:
    """The text of the JSON and of the RTTM written for the input of *row*."""
    shown = shown_source(row.source)
    document = {"input": shown, "jobId": job_id, "status": "succeeded", "output": result.to_dict()}
    file_id = row.name.replace("/", "__")
    return json.dumps(document, ensure_ascii=False), result.to_rttm(file_id)


def write_results(json_path: Path, json_text: str, rttm_path: Path, rttm_text: str) -> None:
    """Write both result files, each atomically (blocking: run in a thread)."""
    write_atomic(json_path, json_text)
    write_atomic(rttm_path, rttm_text)


def not_utf8(text: str) -> str | None:
    """None when *text* can be written as UTF-8; else its first character that cannot, escaped (ASCII)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return ascii(error.object[error.start : error.end])
    return None


def recover_results(manifest: Manifest, out: Path) -> None:
    """Settle what a killed run left between writing results and recording them, and the reverse
    (manifest and file work: run in a worker thread)."""
    for row in manifest.rows(InputStatus.SUBMITTED):
        path = out / f"{row.name}.json"
        if row.job_id is None or not path.is_file():
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            result = IdentifyResult.from_dict(document["output"])
        except (ValueError, KeyError, TypeError, APIError):
            continue
        if document.get("jobId") == row.job_id and (out / f"{row.name}.rttm").is_file():
            manifest.record_success(
                row.job_id, str(path), str(out / f"{row.name}.rttm"), result.speakers, result.talk_time()
            )
    for row in manifest.rows(InputStatus.SUCCEEDED):
        written = [row.result_json, row.result_rttm]
        if not all(path is not None and Path(path).is_file() for path in written):
            manifest.reopen(row.id)
