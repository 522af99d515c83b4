"""The run's child processes (served apps, Locust, pact verifiers): started, bounded and ended one way.

Each child starts in a process group of its own, so that stopping it stops whatever it started (Locust's workers,
uvicorn's reloader), and a Ctrl-C at the terminal reaches apitest alone, which then stops its children in order
instead of having them die under a run that is still judging their answers. `stop()` asks the group to end
(SIGTERM), waits a grace period, kills what is left (SIGKILL) and reaps the child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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


class Child:
    """One child process in its own process group; `stop()` ends the group and reaps the child."""

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
