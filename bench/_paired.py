"""Paired rounds, the way every bench compares two tools (issue 14, "benchmarks that cannot flatter").

* Each round runs every side once, back to back, in a working folder of its own made for that run (nothing one run
  leaves, `.hypothesis/`, `.schemathesis/`, reports, reaches another); the caller starts a fresh target inside it.
* The order rotates from round to round, so no side always runs first (on a cooler machine) or last.
* The figure is the median of the per-round ratios, with their spread (lowest, highest): never a ratio of two
  medians, never each side's best round.
* The machine's load average is printed at the start and at the end: other jobs on these cores skew every figure.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

R = TypeVar("R")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine(when: str) -> str:
    """One line: cores and load average, `when` being "start" or "end"."""
    return f"{os.cpu_count()} cores, load average at {when} (1, 5, 15 min): {load_average()}"


@dataclass(frozen=True)
class Side(Generic[R]):
    name: str
    run: Callable[[Path], R]  # given a fresh, empty working folder of its own


@dataclass(frozen=True)
class Round(Generic[R]):
    number: int  # from 1
    order: tuple[str, ...]
    results: dict[str, R]


def paired(sides: Sequence[Side[R]], rounds: int, root: Path | None = None) -> Iterator[Round[R]]:
    """`rounds` rounds of every side, in rotating order, each run in a fresh folder (removed after the run)."""
    if rounds < 1:
        raise ValueError("at least one round")
    base = Path(tempfile.mkdtemp(prefix="apitest-bench-", dir=root))
    try:
        for number in range(1, rounds + 1):
            shift = (number - 1) % len(sides)
            order = [*sides[shift:], *sides[:shift]]
            results: dict[str, R] = {}
            for side in order:
                folder = base / f"round{number}-{side.name.replace(' ', '_').replace('/', '_')}"
                folder.mkdir()
                try:
                    results[side.name] = side.run(folder)
                finally:
                    shutil.rmtree(folder, ignore_errors=True)
            yield Round(number, tuple(s.name for s in order), results)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@dataclass(frozen=True)
class Ratios:
    """Per-round ratios of one measure (e.g. apitest's wall time / the CLI's, both from the same round)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def describe(self) -> str:
        low, high = min(self.values), max(self.values)
        each = ", ".join(f"{v:.2f}" for v in self.values)
        return f"median {self.median:.2f} (lowest {low:.2f}, highest {high:.2f}; rounds: {each})"


def ratios(rounds: Sequence[Round[R]], measure: Callable[[R], float], numerator: str, denominator: str) -> Ratios:
    """`measure(numerator) / measure(denominator)` within each round."""
    return Ratios(tuple(measure(r.results[numerator]) / measure(r.results[denominator]) for r in rounds))
