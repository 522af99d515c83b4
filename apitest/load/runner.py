"""Run one load profile in a Locust child process, under a hard time bound, and read back its statistics.

Locust never runs in this process (its gevent monkey-patching breaks pytest): the child is
`python -m apitest.load._locust_main RUN.json`, in a session of its own, so that on overrun the whole
process group (the child and any local workers) is killed by its id.
"""

from __future__ import annotations

import json
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..children import Child, python, python_env
from ..errors import ConfigError
from .shapes import Plan

PROGRESS_PREFIX = "@apitest "  # as in _locust_main
STARTUP_ALLOWANCE_S = 30.0  # importing locust, loading the locustfile, spawning local workers
STOP_ALLOWANCE_S = 20.0  # stopping users, the workers' last reports, writing the result
KILL_GRACE_S = 3.0

Listener = Callable[[dict[str, Any]], None]


class LoadRunError(Exception):
    """The Locust child crashed or overran its time bound: the item errors with this one line."""


@dataclass(frozen=True, slots=True)
class RunSpec:
    """What one Locust child runs."""

    profile: str
    host: str
    locustfiles: tuple[Path, ...]
    plan: Plan
    cwd: Path
    workers: int = 0
    master: str | None = None  # "HOST:PORT" to bind for remote workers; None starts `workers` local ones
    worker_wait_s: float = 60.0
    env: Mapping[str, str] = field(default_factory=dict)  # for the Locust processes (credentials: never in a file)
    allow_hosts: tuple[str, ...] = ()  # where a redirect may lead besides loopback ([load] allow_hosts)

    @property
    def time_limit_s(self) -> float:
        waiting = self.worker_wait_s if self.workers else 0.0
        return self.plan.duration_s + STARTUP_ALLOWANCE_S + waiting + STOP_ALLOWANCE_S


def run_profile(spec: RunSpec, listener: Listener | None = None) -> dict[str, Any]:
    """The child's raw statistics (see `_locust_main.run`); ConfigError for a setup problem, LoadRunError else."""
    run_dir = Path(tempfile.mkdtemp(prefix=f"apitest-load-{spec.profile}-"))
    try:
        config_path = _write_config(spec, run_dir)
        return _run(spec, run_dir, config_path, listener or (lambda event: None))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _write_config(spec: RunSpec, run_dir: Path) -> Path:
    timetable = spec.plan.timetable
    timetable_data = None
    if timetable is not None:
        timetable_data = {
            "rate": timetable.rate,
            "duration_s": timetable.duration_s,
            "start_rate": timetable.start_rate,
            "ramp_s": timetable.ramp_s,
        }
    plugin_file = None
    if spec.workers:
        # Workers load this file with the locustfile (`-f -` fetches both from the master): same pacing everywhere.
        plugin_file = run_dir / f"apitest_plugin_{spec.profile.replace('-', '_')}_{secrets.token_hex(4)}.py"
        plugin_config = {"timetable": timetable_data, "workers": spec.workers, "allow_hosts": list(spec.allow_hosts)}
        plugin_file.write_text(
            f'"""apitest load profile {spec.profile!r}: request pacing and per-second reports. Generated."""\n\n'
            "from apitest.load._plugin import install\n\n"
            f"install({plugin_config!r})\n",
            encoding="utf-8",
        )
    config = {
        "profile": spec.profile,
        "host": spec.host,
        "locustfiles": [str(p) for p in spec.locustfiles],
        "plugin_file": str(plugin_file) if plugin_file else None,
        "stages": [[s.end_s, s.users, s.spawn_rate] for s in spec.plan.stages],
        "timetable": timetable_data,
        "workers": spec.workers,
        "allow_hosts": list(spec.allow_hosts),
        "master": spec.master,
        "worker_wait_s": spec.worker_wait_s,
        "run_dir": str(run_dir),
        "output": str(run_dir / "result.json"),
        "hard_limit_s": spec.time_limit_s + KILL_GRACE_S,
    }
    path = run_dir / "run.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _run(spec: RunSpec, run_dir: Path, config_path: Path, listener: Listener) -> dict[str, Any]:
    stderr_path = run_dir / "stderr.log"
    with stderr_path.open("wb") as stderr:
        # its own process group: stopping it ends its local workers too
        child = Child(
            python("apitest.load._locust_main", str(config_path)),
            cwd=spec.cwd,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**python_env(PYTHONUNBUFFERED="1"), **spec.env},
        )
    process = child.process
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    other: deque[str] = deque(maxlen=20)
    reader = threading.Thread(target=_read_stdout, args=(process, events, other), daemon=True)
    reader.start()
    deadline = time.monotonic() + spec.time_limit_s
    try:
        while process.poll() is None:
            if time.monotonic() > deadline:
                child.stop(KILL_GRACE_S)
                raise LoadRunError(
                    f"load profile {spec.profile!r} did not finish within {spec.time_limit_s:.0f} s "
                    f"(duration {spec.plan.duration_s:g} s + allowances); killed Locust (pid {process.pid}) and its workers."
                )
            _drain(events, listener)
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                pass
    finally:
        # Interrupted (Ctrl-C), failed above, or done: nothing of the child's group (local workers that missed the
        # master's quit) outlives the run.
        child.stop(KILL_GRACE_S)
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        _drain(events, listener)
    return _read_result(spec, run_dir, process.returncode, stderr_path, other)


def _read_stdout(process: subprocess.Popen[bytes], events: queue.Queue[dict[str, Any]], other: deque[str]) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line.startswith(PROGRESS_PREFIX):
            try:
                events.put(json.loads(line[len(PROGRESS_PREFIX) :]))
            except ValueError:
                other.append(line)
        elif line:
            other.append(line)


def _drain(events: queue.Queue[dict[str, Any]], listener: Listener) -> None:
    while True:
        try:
            listener(events.get_nowait())
        except queue.Empty:
            return


def _read_result(
    spec: RunSpec, run_dir: Path, code: int | None, stderr_path: Path, other: Sequence[str]
) -> dict[str, Any]:
    output = run_dir / "result.json"
    try:
        raw: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = _tail(stderr_path, other)
        raise LoadRunError(
            f"Locust exited with status {code} without a result for profile {spec.profile!r}: {tail}"
        ) from None
    if "setup_error" in raw:
        raise ConfigError(f"load profile {spec.profile!r}: {raw['setup_error']}")
    return raw


def _tail(stderr_path: Path, other: Sequence[str]) -> str:
    try:
        lines = [
            line for line in stderr_path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()
        ]
    except OSError:
        lines = []
    lines = lines or list(other)
    return " | ".join(lines[-6:]) if lines else "no output"
