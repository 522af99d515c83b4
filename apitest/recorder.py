"""Crash-safe recording: every result is appended to a JSONL file the moment it exists.

Each process (the pytest controller and every xdist worker) appends to its own file in the run's record
folder; the controller merges them all into one `RunResult` at the end. A crash, Ctrl-C or a killed worker
loses nothing already written, so the report is always built from what was gathered.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TypeVar

from .redact import Redactor
from .results import RECORD_KINDS, Record, RunMeta, RunResult, from_json, to_json

R = TypeVar("R", bound=Record)


class Recorder:
    """Appends records to `folder/records-<name>.jsonl`, one JSON line each, flushed at once.

    Every record passes through `redactor` first: this is the one place secrets are masked, for every record type.
    """

    def __init__(self, folder: Path, name: str, redactor: Redactor | None = None) -> None:
        self.path = folder / f"records-{name}.jsonl"
        self.redactor = redactor or Redactor()
        self._lock = threading.Lock()

    def record(self, record: R) -> R:
        """Writes `record`, masked; returns the masked record (what any other output must show)."""
        record = self.redactor.record(record)
        line = json.dumps({"kind": type(record).__name__, "data": to_json(record)}, separators=(",", ":"))
        with self._lock:
            # Made on the first record, so a pytest run that collects no suite leaves no folder behind.
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append(line)
        return record

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
