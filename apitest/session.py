"""The run as a whole: where records and reports go, and turning records into the final RunResult."""

from __future__ import annotations

import dataclasses
import errno
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import ConfigError
from .recorder import Recorder, WriteFailure, merge, read_records
from .results import Record, RunMeta, RunResult


@dataclass(slots=True)
class Session:
    report_dir: Path
    argv: tuple[str, ...]
    formats: tuple[str, ...]
    started: float = field(default_factory=time.time)
    result: RunResult | None = None
    written: list[Path] = field(default_factory=list)
    unwritable: str = ""  # why the report went to another folder than report_dir, and which
    unrecorded: str = ""  # why the records folder does not hold every record (the report does, from memory)
    recorder: Recorder | None = None  # this process's: its records are taken from memory, not from its file
    handed: dict[str, list[str]] = field(default_factory=dict)  # an xdist worker's records, where its file lacks some
    failures: list[WriteFailure] = field(default_factory=list)  # why those workers' files lack them

    @property
    def records(self) -> Path:
        return self.report_dir / ".records"

    def reset(self) -> None:
        self.check_writable()
        shutil.rmtree(self.records, ignore_errors=True)

    def check_writable(self) -> None:
        """ConfigError, naming the folder and the fix, if the report folder cannot be made or written to.

        Checked before anything runs, and without making the folder: a run that collects no suite leaves none.
        """
        folder = self.report_dir.absolute()
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        problem = None
        if existing is None:
            problem = "none of its parent folders exists"
        elif not existing.is_dir():
            problem = f"{existing} is a file" if existing != folder else "it is a file"
        elif not os.access(existing, os.W_OK | os.X_OK):
            problem = f"{existing} is not writable" if existing != folder else "it is not writable"
        elif existing == folder and self.records.exists() and not os.access(self.records, os.W_OK | os.X_OK):
            problem = f"{self.records} is not writable"
        if problem is not None:
            raise ConfigError(
                f"report folder {self.report_dir}: cannot write the report there ({problem}); "
                "choose a folder you can write to (--apitest-report-dir, or report_dir)."
            )

    def take(self, name: str, lines: list[str], failure: WriteFailure) -> None:
        """Records a worker handed over (its file does not hold them all): read instead of its file."""
        self.handed[name] = lines
        self.failures.append(failure)

    def _every_process(self) -> dict[str, list[str]]:
        own = {self.recorder.name: self.recorder.lines()} if self.recorder is not None else {}
        return {**self.handed, **own}

    def gathered(self) -> list[Record]:
        return read_records(self.records, self._every_process())

    def records_error(self) -> str | None:
        """The one line saying why the records folder lacks records, if it does (a broken setup: exit status 4).
        Asked at the end, once every process has recorded all it will."""
        own = self.recorder.check() if self.recorder is not None else None
        failures = [f for f in (own, *self.failures) if f is not None]
        if not failures:
            return None
        # an OS error says more than a file found gone (as other processes find it after one removed the folder)
        failure = next((f for f in failures if f.errno is not None), failures[0])
        if failure.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            fix = "Free space on its disk"
        elif failure.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            fix = "Make it writable"
        else:
            fix = "Leave it in place while apitest runs"
        return (
            f"records folder {self.records}: cannot write the run's records there ({failure.reason}); the report "
            f"still holds every result, kept in memory. {fix}, or choose another report folder "
            "(--apitest-report-dir, or report_dir)."
        )

    def finish(self, exit_status: int, complete: bool) -> RunResult:
        result = merge(self.records, self.meta(exit_status, complete), self._every_process())
        seeds = {s.seed for s in result.setups}
        result.meta = dataclasses.replace(
            result.meta,
            suites=tuple(sorted({i.suite for i in result.items})),
            seed=seeds.pop() if len(seeds) == 1 else None,  # one seed repeats the whole run
        )
        self.result = result
        return result

    def meta(self, exit_status: int, complete: bool) -> RunMeta:
        return RunMeta(
            started=self.started,
            finished=time.time(),
            apitest_version=__version__,
            python=sys.version.split()[0],
            platform=platform.platform(),
            argv=self.argv,
            complete=complete,
            exit_status=exit_status,
        )
