"""Crash-safe recording: every result is appended to a JSONL file the moment it exists.

Each process (the pytest controller and every xdist worker) appends to its own file in the run's record
folder; the controller merges them all into one `RunResult` at the end. A crash, Ctrl-C or a killed worker
loses nothing already written, so the report is always built from what was gathered.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from .results import RECORD_KINDS, Record, RunMeta, RunResult, from_json, to_json


class Recorder:
    """Appends records to `folder/records-<name>.jsonl`, one JSON line each, flushed at once."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / f"records-{name}.jsonl"
        self._lock = threading.Lock()

    def record(self, record: Record) -> None:
        line = json.dumps({"kind": type(record).__name__, "data": to_json(record)}, separators=(",", ":"))
        with self._lock:
            # Made on the first record, so a pytest run that collects no suite leaves no folder behind.
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append(line)

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()


def read_records(folder: Path) -> list[Record]:
    """Every record of every process, skipping a torn last line left by a crash."""
    records: list[Record] = []
    for path in sorted(folder.glob("records-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                records.append(from_json(RECORD_KINDS[entry["kind"]], entry["data"]))
            except (ValueError, KeyError, TypeError):
                continue
    return records


def merge(folder: Path, meta: RunMeta) -> RunResult:
    result = RunResult(meta=meta)
    for record in read_records(folder):
        result.add(record)
    result.sort()
    return result
