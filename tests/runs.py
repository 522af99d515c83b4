"""`apitest run` as a real child process, for tests that signal it, kill it, or read everything it wrote.

A `Run` keeps the whole family of processes it saw (served apps, Locust and its workers, the pact verifier, the
reaper), found through /proc, so a test can assert that none of them outlives the run; whatever is left at the end of
the test is killed by its id. Every wait is bounded: a run that does not get there fails the test with its output.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

APPS = Path(__file__).parent / "apps"
ROOT = Path(__file__).parents[1]

# Text that means Python showed a traceback or its locals somewhere it must not (terminal or report file).
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \"[^\"]+\", line \d+|^E\s{3}|_ _ _ _", re.M)


def family(root: int) -> set[int]:
    """`root`'s descendants, however deep (a child in a session of its own included)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                ppid = int(stat.read().rsplit(") ", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(") ", 1)[1][0] != "Z"  # a zombie is dead, only not reaped yet
    except OSError:
        return False


def cpu_ticks(pid: int) -> int:
    """The CPU time `pid` has used so far, in clock ticks (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime and stime


def busiest(pids: list[int], interval: float = 1.0) -> int:
    """The one of `pids` that used the most CPU over `interval` seconds: the one doing the work now."""
    before = {pid: cpu_ticks(pid) for pid in pids}
    time.sleep(interval)
    return max(pids, key=lambda pid: cpu_ticks(pid) - before[pid])


def command_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


class Run:
    """One `apitest run FOLDER ARGS...` in a session of its own, output to `folder/output.txt`."""

    def __init__(
        self,
        folder: Path,
        *args: str,
        env: dict[str, str] | None = None,
        tmpdir: Path | None = None,
        prefix: Sequence[str] = (),
    ) -> None:
        self.folder = folder
        self.hits = folder / "hits.txt"
        self.hits.touch()
        self.output_path = folder / "output.txt"
        self.tmpdir = tmpdir or folder / "tmp"
        self.tmpdir.mkdir(exist_ok=True)
        environ = {
            **os.environ,
            "APITEST_TEST_HITS": str(self.hits),
            "TMPDIR": str(self.tmpdir),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:randomly",
            **(env or {}),
        }
        environ.pop("PYTEST_XDIST_WORKER", None)
        environ.pop("PYTEST_CURRENT_TEST", None)
        with self.output_path.open("wb") as out:
            self.process = subprocess.Popen(
                [*prefix, sys.executable, "-m", "apitest", "run", str(folder), *args],
                cwd=folder,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.seen: set[int] = set()

    @property
    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def lines_hit(self) -> list[str]:
        return self.hits.read_text(encoding="utf-8").splitlines()

    def watch(self) -> set[int]:
        """Note the run's processes as they are now (to check later that none outlives it)."""
        self.seen |= family(self.process.pid)
        return self.seen

    def wait_until(self, what: str, ready: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.watch()
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the run ended (exit {self.process.returncode}) before {what}:\n{self.output[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout:g} s:\n{self.output[-3000:]}")
            time.sleep(0.05)
        self.watch()

    def children_named(self, part: str) -> list[int]:
        return [pid for pid in family(self.process.pid) if part in command_of(pid)]

    def signal(self, signum: int) -> None:
        self.watch()
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float = 120.0) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the run did not end within {timeout:g} s:\n{self.output[-3000:]}") from None

    def survivors(self, timeout: float = 15.0) -> list[str]:
        """The run's processes still alive once `timeout` seconds have passed (the reaper acts on end-of-file)."""
        deadline = time.monotonic() + timeout
        while True:
            left = [pid for pid in self.seen if alive(pid)]
            if not left or time.monotonic() > deadline:
                return [f"{pid}: {command_of(pid)}" for pid in left]
            time.sleep(0.05)

    def report(self) -> dict[str, Any]:
        return json.loads((self.folder / "apitest-report" / "report.json").read_text(encoding="utf-8"))

    def close(self) -> None:
        """Whatever is left of the run (a failed test's), killed by id."""
        self.watch()
        for pid in sorted(self.seen | {self.process.pid}):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def report_files(folder: Path) -> dict[str, str]:
    """Every file the run wrote in its report folder, by name, as text."""
    found = {}
    for path in sorted((folder / "apitest-report").rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = path.read_text(encoding="utf-8", errors="replace")
    return found
