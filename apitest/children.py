"""The run's child processes (served apps, Locust, pact verifiers): started, bounded and ended one way.

Each child starts in a process group of its own, so that stopping it stops whatever it started (Locust's workers,
uvicorn's reloader), and a Ctrl-C at the terminal reaches apitest alone, which then stops its children in order
instead of having them die under a run that is still judging their answers. `stop()` asks the group to end
(SIGTERM), waits a grace period, kills what is left (SIGKILL) and reaps the child.

A child must not outlive apitest either, however apitest ends: SIGKILL included, where no code of ours runs. So each
process that starts children also starts one *reaper* (`Reaper`): a tiny Python of its own session that reads the
process groups to watch from a pipe whose writing end only apitest holds. When apitest exits, the kernel closes that
end, the reaper reads end-of-file and kills every group still registered (SIGTERM, then SIGKILL half a second later).
This is a watched pipe rather than Linux's `prctl(PR_SET_PDEATHSIG)`: that signal reaches only the direct child (not
the Locust workers it started), fires when the *thread* that started the child ends, and needs a `preexec_fn`,
which is not safe in a process with threads.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])  # so a child imports this very apitest

Stream = int | IO[Any] | None


def python_env(*paths: str | Path, environ: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """An environment for a child Python: `paths` first on its path, then this apitest, then the inherited path."""
    env = dict(os.environ if environ is None else environ)
    inherited = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*map(str, paths), PACKAGE_ROOT, *inherited]))
    env.update(extra)
    return env


# The reaper's whole program: `python -I -S -c REAPER_CODE` (no site, no apitest: it starts in ~10 ms).
REAPER_CODE = """
import os, signal, sys, time
groups = set()
for line in sys.stdin:
    line = line.strip()
    if line[:1] == "+":
        groups.add(int(line[1:]))
    elif line[:1] == "-":
        groups.discard(int(line[1:]))
for sig in (signal.SIGTERM, signal.SIGKILL):
    for group in groups:
        try:
            os.killpg(group, sig)
        except OSError:
            pass
    if groups and sig == signal.SIGTERM:
        time.sleep(0.5)
"""


class Reaper:
    """Kills the registered process groups when this process ends, however it ends (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pid = os.getpid()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def watch(self, group: int) -> None:
        self._send(f"+{group}")

    def forget(self, group: int) -> None:
        self._send(f"-{group}")

    def _send(self, line: str) -> None:
        with self._lock:
            if self._process is None or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked child needs a reaper of its own
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-S", "-c", REAPER_CODE],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # neither a terminal's Ctrl-C nor a kill of apitest's group reaches it
                )
            stdin = self._process.stdin
            assert stdin is not None
            with contextlib.suppress(OSError, ValueError):
                stdin.write(line.encode() + b"\n")
                stdin.flush()

    def close(self) -> None:
        """At a normal exit: end the reaper (it kills any group still registered) and collect it, so no process is
        left running behind this one and Python has nothing to warn about."""
        with self._lock:
            process, self._process = self._process, None
        if process is None or self._pid != os.getpid():
            return
        with contextlib.suppress(OSError, ValueError):
            assert process.stdin is not None
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


REAPER = Reaper()  # one per process: it stands for the process's whole lifetime, like the signal handlers
atexit.register(REAPER.close)
_LIVE: weakref.WeakSet[Child] = weakref.WeakSet()


def kill_all() -> None:
    """SIGKILL to the group of every child still running (a run that must end now)."""
    for child in list(_LIVE):
        child.kill()


class Child:
    """One child process in its own process group; `stop()` ends the group and reaps the child.

    Example::

        with Child(python("uvicorn", "app:app")) as child:
            ...  # stopped (its whole group) on leaving; killed by the reaper if this process dies first
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        stdin: Stream = subprocess.DEVNULL,
        stdout: Stream = None,
        stderr: Stream = None,
        pass_fds: Sequence[int] = (),
        text: bool = False,
    ) -> None:
        self.argv = list(argv)
        self.process: subprocess.Popen[Any] = subprocess.Popen(
            self.argv,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            pass_fds=tuple(pass_fds),
            text=text,
            encoding="utf-8" if text else None,
            start_new_session=True,
        )
        REAPER.watch(self.process.pid)
        _LIVE.add(self)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def poll(self) -> int | None:
        return self.process.poll()

    def wait(self, timeout: float | None = None) -> int | None:
        """The exit status, or None if the child is still running after `timeout` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace: float = 3.0) -> int | None:
        """SIGTERM to the child's group, SIGKILL to what is left after `grace` seconds; the child is reaped."""
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            self.wait(grace)
        self.kill()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL to the whole group (what the child started too), then reap the child."""
        self._signal(signal.SIGKILL)
        self.wait(5.0)
        if self.process.returncode is not None and self in _LIVE:
            _LIVE.discard(self)
            REAPER.forget(self.process.pid)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.process.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def python(module: str, *args: str) -> list[str]:
    """The argv of `python -m module args...` with this interpreter."""
    return [sys.executable, "-m", module, *args]
