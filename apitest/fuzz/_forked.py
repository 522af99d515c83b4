"""A suite's fuzz run spread over processes forked from this one (`[fuzz] processes = N`, `--apitest-processes N`).

The operations are dealt into N groups by resource (groups.py). Everything a run needs before its first case (the
imports, the parsed spec and schemathesis's schema, its analysis of which responses feed which parameters,
Hypothesis's unicode tables) is made once, here, and then each group's engine run goes to a child made with
`os.fork()`, which inherits all of it for nothing: no interpreter starts, nothing is imported or parsed again. The
children share what they capture through the suite's `SharedPool` (_pool.py) while they run, and each hands its
items' results back in one pickle file. This process runs the stateful phase and the follow-ups once every child is
done, with the values, Location headers and accepted requests they all shared, as one process would.

Forking happens before any engine thread starts in this process. A child never returns into pytest: whatever
happens it ends with `os._exit`, and on Linux it dies with this process (PR_SET_PDEATHSIG), so a SIGKILL leaves no
fuzzing child behind; `close` (Ctrl-C, SIGTERM, the session's end) kills the children still running.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._engine import EngineError, FuzzRun, SuiteRun
from ._pool import SharedPool

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

POLL_S = 0.02


@dataclass
class _Child:
    pid: int
    group: str
    labels: tuple[str, ...]
    out: Path
    status: int | None = None  # its exit status once reaped
    results: dict[str, tuple[str, Any]] | None = None  # key -> ("ok", FuzzRun) | ("error", message)


class ForkedRun:
    """The stateless phases of a suite's operations, one forked child per group; `result(label)` waits for its
    child. `make_run(labels, pool)` builds a group's SuiteRun (in the child)."""

    def __init__(
        self,
        groups: Sequence[Sequence[str]],
        *,
        folder: Path,
        make_run: Callable[[Sequence[str], SharedPool, str], SuiteRun],
        group_name: Callable[[int], str],
    ) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._children: list[_Child] = []
        self._handed: set[str] = set()
        self._of: dict[str, _Child] = {}
        for index, labels in enumerate(groups):
            name = group_name(index)
            out = folder / f"results-{index}.pickle"
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child: measured by the tests through its results
                _child_main(labels, name, index, folder, out, make_run)
            child = _Child(pid, name, tuple(labels), out)
            self._children.append(child)
            for label in labels:
                self._of[label] = child

    @property
    def groups(self) -> list[str]:
        return [c.group for c in self._children]

    def claimable(self, key: str) -> bool:
        return key in self._of and key not in self._handed

    def result(self, key: str) -> FuzzRun:
        if not self.claimable(key):
            raise KeyError(f"{key!r} is not an unclaimed part of this run")
        child = self._of[key]
        self._handed.add(key)
        try:
            self._wait(child)
        except BaseException:
            self.close()
            raise
        assert child.results is not None
        outcome, value = child.results.get(key, ("error", "the process fuzzing this operation did not report it"))
        if outcome == "error":
            raise EngineError(str(value))
        run: FuzzRun = value
        return run

    def wait_all(self) -> set[str]:
        """Wait for every child; the groups whose child ended without its results."""
        for child in self._children:
            self._wait(child)
        return {c.group for c in self._children if not c.results or "__failed__" in c.results}

    def _wait(self, child: _Child) -> None:
        while child.results is None:
            if child.status is None:
                pid, status = os.waitpid(child.pid, os.WNOHANG)
                if pid:
                    child.status = os.waitstatus_to_exitcode(status)
            if child.status is not None:
                child.results = self._read(child)
                return
            time.sleep(POLL_S)

    def _read(self, child: _Child) -> dict[str, tuple[str, Any]]:
        try:
            with child.out.open("rb") as handle:
                results: dict[str, tuple[str, Any]] = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            why = f"the process fuzzing this group ended ({_how(child.status)}) without its results"
            return dict.fromkeys(child.labels, ("error", why)) | {"__failed__": ("error", why)}
        if "__failed__" in results:
            why = str(results["__failed__"][1])
            for label in child.labels:
                results.setdefault(label, ("error", why))
        return results

    def close(self) -> None:
        """Stop the children still running (an interrupted or stopped session)."""
        for child in self._children:
            if child.status is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    _, status = os.waitpid(child.pid, 0)
                    child.status = os.waitstatus_to_exitcode(status)


def _how(status: int | None) -> str:
    if status is None:
        return "still running"
    return f"killed by signal {-status}" if status < 0 else f"exit status {status}"


def _child_main(
    labels: Sequence[str],
    name: str,
    index: int,
    folder: Path,
    out: Path,
    make_run: Callable[[Sequence[str], SharedPool, str], SuiteRun],
) -> None:  # pragma: no cover - runs in the forked child
    status = 1
    try:
        _die_with_parent()
        # Ctrl-C reaches the whole process group: the parent decides, the child just stops with it
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        pool = SharedPool(folder, f"p{index}")
        results: dict[str, tuple[str, Any]] = {}
        try:
            run = make_run(labels, pool, name)
            for label in labels:
                try:
                    results[label] = ("ok", run.result(label))
                except EngineError as exc:
                    results[label] = ("error", str(exc))
            run.close()
        except Exception as exc:
            results["__failed__"] = ("error", f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
        finally:
            pool.close()
        partial = out.with_suffix(".partial")
        with partial.open("wb") as handle:
            pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(out)
        status = 0
    finally:
        os._exit(status)


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)


def prepare(schema: BaseSchema) -> None:
    """What the children should inherit rather than build: the schema's analysis, Hypothesis's tables."""
    analysis = getattr(schema, "analysis", None)
    if analysis is not None:
        with contextlib.suppress(Exception):  # an analysis that fails fails in the engine run, with its message
            _ = analysis.extra_data_source
    from ._generation_cache import GENERATION_CACHE

    with GENERATION_CACHE:
        from hypothesis.internal import charmap

        charmap.charmap()
        charmap.intervals_from_codec("utf-8")
