"""The run as a whole: where records and reports go, and turning records into the final RunResult."""

from __future__ import annotations

import dataclasses
import platform
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .recorder import merge
from .results import RunMeta, RunResult


@dataclass(slots=True)
class Session:
    report_dir: Path
    argv: tuple[str, ...]
    formats: tuple[str, ...]
    started: float = field(default_factory=time.time)
    result: RunResult | None = None
    written: list[Path] = field(default_factory=list)

    @property
    def records(self) -> Path:
        return self.report_dir / ".records"

    def reset(self) -> None:
        shutil.rmtree(self.records, ignore_errors=True)

    def finish(self, exit_status: int, complete: bool) -> RunResult:
        result = merge(self.records, self.meta(exit_status, complete))
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
