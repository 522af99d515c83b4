"""Where a suite's fuzz run stands, as the engine adapter reports it and the progress bar shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunStatus:
    phase: str
    operations_done: int
    operations: int
    cases: int
    findings: int
