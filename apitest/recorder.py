"""Crash-safe recording: every result is appended to a JSONL file the moment it exists.

Each process (the pytest controller and every xdist worker) appends to its own file in the run's record
folder; the controller merges them all into one `RunResult` at the end. A crash, Ctrl-C or a killed worker
loses nothing already written, so the report is always built from what was gathered.

A recorder also keeps its lines in memory (a run's records are a few MB at most). If its file cannot be written
(disk full, permissions, the folder removed or replaced), it says why once (`WriteFailure`) and goes on in memory;
its process then hands its lines to the merge instead of its file (`read_records(folder, handed)`): an xdist worker
through xdist's `workeroutput`, the controller directly. Nothing is lost, and the run ends as a broken setup.
"""

from __future__ import annotations

import errno
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .redact import Redactor
from .results import RECORD_KINDS, Record, RunMeta, RunResult, from_json, to_json

R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class WriteFailure:
    """Why a process's records are not all in its file: the OS error's text and number (None: the file went away)."""

    reason: str
    errno: int | None = None

    @classmethod
    def from_os_error(cls, exc: OSError) -> WriteFailure:
        if isinstance(exc, FileExistsError):  # the folder, made on the first record, is a file
            return cls("a file is in its place", errno.ENOTDIR)
        return cls(exc.strerror or str(exc), exc.errno)


REMOVED = WriteFailure("its files were removed or replaced during the run")


class Recorder:
    """Appends records to `folder/records-<name>.jsonl`, one JSON line each, flushed at once.

    Every record passes through `redactor` first: this is the one place secrets are masked, for every record type.
    It never raises for its file: a write that fails is noted once (`failure`) and the records stay in memory.
    """

    def __init__(self, folder: Path, name: str, redactor: Redactor | None = None) -> None:
        self.name = name
        self.path = folder / f"records-{name}.jsonl"
        self.redactor = redactor or Redactor()
        self.failure: WriteFailure | None = None
        self._lines: list[str] = []  # every record, written or not
        self._written = 0  # bytes appended to `path`
        self._lock = threading.Lock()

    def record(self, record: R) -> R:
        """Writes `record`, masked; returns the masked record (what any other output must show)."""
        record = self.redactor.record(record)
        line = json.dumps({"kind": type(record).__name__, "data": to_json(record)}, separators=(",", ":"))
        with self._lock:
            self._lines.append(line)
            if self.failure is None:
                try:
                    if not self._written:
                        # Made on the first record, so a pytest run that collects no suite leaves no folder behind;
                        # never again, so a folder removed during the run is noticed, not made anew half empty.
                        self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._written += self._append(line)
                except OSError as exc:
                    self.failure = WriteFailure.from_os_error(exc)
        return record

    def _append(self, line: str) -> int:
        data = (line + "\n").encode("utf-8")
        with self.path.open("ab") as fh:
            fh.write(data)
        return len(data)

    def fail(self, exc: OSError) -> None:
        """Another writer in the records folder (the fuzz pool) failed: the folder is not to be trusted."""
        with self._lock:
            if self.failure is None:
                self.failure = WriteFailure.from_os_error(exc)

    def check(self) -> WriteFailure | None:
        """Why this process's file does not hold all its records (a write failed, or the file went away since), or
        None if it does. Then its `lines()` must be read instead."""
        with self._lock:
            if self.failure is None and self._lines:
                try:
                    whole = self.path.stat().st_size == self._written
                except OSError:
                    whole = False
                if not whole:
                    self.failure = REMOVED
            return self.failure

    def lines(self) -> list[str]:
        """Every record of this process, as the lines of its file."""
        with self._lock:
            return list(self._lines)


def read_records(folder: Path, handed: Mapping[str, Sequence[str]] | None = None) -> list[Record]:
    """Every record of every process, skipping a torn last line left by a crash: from its file in `folder`, or from
    `handed` (process name -> its lines) for a process whose file does not hold them all."""
    handed = handed or {}
    files = {path.stem.removeprefix("records-"): path for path in folder.glob("records-*.jsonl")}
    texts: list[Sequence[str]] = []
    for name in sorted(files.keys() | handed.keys()):
        if name in handed:
            texts.append(handed[name])
        elif files[name].is_file():  # not a device, which would read forever
            try:
                texts.append(files[name].read_text(encoding="utf-8").splitlines())
            except OSError:
                continue  # the folder broke under the merge: what the processes handed over is all there is
    records: list[Record] = []
    for lines in texts:
        for line in lines:
            try:
                entry = json.loads(line)
                records.append(from_json(RECORD_KINDS[entry["kind"]], entry["data"]))
            except (ValueError, KeyError, TypeError):
                continue
    return records


def merge(folder: Path, meta: RunMeta, handed: Mapping[str, Sequence[str]] | None = None) -> RunResult:
    result = RunResult(meta=meta)
    for record in read_records(folder, handed):
        result.add(record)
    result.sort()
    return result
