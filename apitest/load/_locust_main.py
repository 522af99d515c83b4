"""The Locust child process of one load profile: `python -m apitest.load._locust_main RUN.json`.

With `_plugin`, the only module that imports locust, and it only ever runs in a child process: importing locust
monkey-patches gevent, which breaks pytest, anyio and schemathesis in the same process.

It loads the locustfile, runs the profile's stages (a lone process, or a master with local or remote workers),
samples the stats every second for the timeline and the parent's progress line (Locust's own history samples
every 5 s), and writes the raw statistics as JSON for the parent (`runner.py`) to turn into a LoadResult.
Protocol: progress lines on stdout start with `@apitest `; the result file holds either the statistics or
`{"setup_error": "..."}` for a problem in the user's setup (bad locustfile, workers that never came).
"""

from __future__ import annotations

import json
import logging
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import locust  # monkey-patches gevent: this module runs only as a child process's main
from locust.env import Environment
from locust.runners import MasterRunner, Runner
from locust.stats import StatsEntry, calculate_response_time_percentile, diff_response_time_dicts
from locust.util.load_locustfile import load_locustfile

from . import _plugin
from .shapes import Stage

PROGRESS_PREFIX = "@apitest "
WORKER_COMMAND = "locust --worker --master-host {host} --master-port {port} -f -"

logger = logging.getLogger("apitest.load")


class SetupError(Exception):
    """The user's setup is wrong: the parent reports it as a ConfigError."""


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    output = Path(config["output"])
    # Belt and braces: the parent kills our process group at the same bound, but a parent killed with -9 cannot.
    signal.alarm(max(1, int(config["hard_limit_s"])))
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        result = run(config)
    except SetupError as exc:
        result = {"setup_error": str(exc)}
    output.write_text(json.dumps(result), encoding="utf-8")
    return 0


def emit(kind: str, **data: Any) -> None:
    print(PROGRESS_PREFIX + json.dumps({"kind": kind, **data}), flush=True)


def run(config: dict[str, Any]) -> dict[str, Any]:
    state = _plugin.install(
        {"timetable": config["timetable"], "workers": config["workers"], "allow_hosts": config.get("allow_hosts", [])}
    )
    files: list[str] = config["locustfiles"]
    user_classes = _load_users(files)
    stages = [Stage(*s) for s in config["stages"]]
    workers: int = config["workers"]
    env = Environment(
        user_classes=user_classes,
        events=locust.events,
        host=config["host"],
        locustfile=Path(files[0]).name,
        parsed_locustfiles=[*files, *([config["plugin_file"]] if config.get("plugin_file") else [])],
        stop_timeout=0.0,
    )
    processes: list[subprocess.Popen[bytes]] = []
    runner: Runner
    if workers:
        runner, port = _master(env, config.get("master"))
    else:
        runner = env.create_local_runner()
    hooks: Any = env.events  # locust's EventHook.fire is untyped
    hooks.init.fire(environment=env, runner=runner, web_ui=None)
    try:
        if isinstance(runner, MasterRunner):
            if config.get("master") is None:
                processes = _start_workers(env, port, workers, Path(config["run_dir"]))
            _wait_for_workers(runner, workers, float(config["worker_wait_s"]), config.get("master"), port, processes)
        sampler = Sampler(env, runner)
        started = time.monotonic()
        sampler.start(started)
        # An arrival profile ends as soon as its timetable has run (its last stage has slack for spawning).
        stopped = _drive(runner, stages, started, (lambda: state.paced) if config["timetable"] else None)
        sampler.stop()
        runner.quit()
        sampler.sample(final=True)  # what the users and workers reported while stopping
    except BaseException:
        runner.quit()  # tells connected workers to quit too
        raise
    finally:
        _reap(processes)
    state.sync_missed()
    duration = float(config["timetable"]["duration_s"]) if config["timetable"] else stopped - started
    stats = env.stats
    return {
        "duration_s": round(duration, 3),
        "users_max": sampler.users_max,
        "missed_starts": state.missed_starts,
        "workers": workers,
        "total": _entry(stats.total),
        "entries": [_entry(e) for e in sorted(stats.entries.values(), key=lambda e: (e.name, e.method))],
        "errors": [
            {"method": e.method, "name": e.name, "error": e.parse_error(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
        "timeline": sampler.timeline,
    }


def _load_users(files: list[str]) -> list[type[locust.User]]:
    users: dict[str, type[locust.User]] = {}
    for file in files:
        try:
            found, _shapes = load_locustfile(file)
        except SystemExit as exc:
            raise SetupError(
                f"locustfile {file} could not be loaded (exit {exc.code}); run `locust -f {file} --headless -t 1s` to see why."
            ) from exc
        except Exception as exc:
            raise SetupError(f"locustfile {file} fails to import: {type(exc).__name__}: {exc}") from exc
        users.update(found)
    if not users:
        raise SetupError(
            f"locustfile {', '.join(files)} defines no User class; subclass locust.FastHttpUser (or HttpUser)."
        )
    return list(users.values())


def _master(env: Environment, bind: str | None) -> tuple[MasterRunner, int]:
    """A master on `bind` ("HOST:PORT", for remote workers), else on a free loopback port for local workers."""
    if bind is not None:
        host, _, port_text = bind.rpartition(":")
        try:
            return env.create_master_runner(master_bind_host=host, master_bind_port=int(port_text)), int(port_text)
        except SystemExit:
            raise SetupError(f"[load] master = {bind!r}: cannot bind the Locust master there (port in use?).") from None
    for _ in range(5):  # a free port can be taken between our probe and the master's bind: try again
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        try:
            return env.create_master_runner(master_bind_host="127.0.0.1", master_bind_port=port), port
        except SystemExit:
            continue
    raise RuntimeError("could not bind the Locust master on a free 127.0.0.1 port")


def _start_workers(env: Environment, port: int, count: int, run_dir: Path) -> list[subprocess.Popen[bytes]]:
    files = ",".join(env.parsed_locustfiles or [])
    command = [sys.executable, "-m", "locust", "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
    command += ["-f", files, "--loglevel", "WARNING"]
    processes = []
    for i in range(count):
        log = (run_dir / f"worker-{i}.log").open("wb")
        processes.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL))
        log.close()
    return processes


def _wait_for_workers(
    runner: MasterRunner,
    expected: int,
    wait_s: float,
    bind: str | None,
    port: int,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    if bind is not None:
        host = bind.rpartition(":")[0]
        host = socket.gethostname() if host in ("*", "0.0.0.0", "::") else host
        emit("waiting", expected=expected, command=WORKER_COMMAND.format(host=host, port=port))
    deadline = time.monotonic() + wait_s
    while len(runner.clients.ready) < expected:
        if time.monotonic() > deadline:
            got = len(runner.clients.ready)
            if bind is not None:
                raise SetupError(
                    f"only {got} of {expected} workers connected to the master on {bind} within {wait_s:g} s; start them with: {WORKER_COMMAND.format(host='MASTER_HOST', port=port)}"
                )
            dead = [p.args for p in processes if p.poll() is not None]
            raise RuntimeError(
                f"only {got} of {expected} local workers connected within {wait_s:g} s (exited: {len(dead)})"
            )
        gevent.sleep(0.1)
    emit("workers", connected=len(runner.clients.ready))


def _drive(runner: Runner, stages: list[Stage], started: float, done: Callable[[], bool] | None) -> float:
    """Each stage's users from its start to its end, to the tenth of a second (Locust's shapes tick each second).

    Returns when the stop began: stopping a master waits for its workers' reports.
    """
    starter: gevent.Greenlet | None = None
    for stage in stages:
        if starter is not None:
            starter.kill(block=True)  # a master still ramping to the last stage stops ramping
        starter = gevent.spawn(runner.start, stage.users, stage.spawn_rate)
        end = started + stage.end_s
        while (now := time.monotonic()) < end and not (done is not None and done()):
            gevent.sleep(min(0.1, end - now))
    if starter is not None:
        starter.kill(block=True)
    stopping = time.monotonic()
    runner.stop()
    return stopping


def _reap(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class Sampler:
    """Per-second points of the whole profile: users, requests/s, latency percentiles and errors of that second."""

    def __init__(self, env: Environment, runner: Runner) -> None:
        self.env = env
        self.runner = runner
        self.timeline: list[dict[str, Any]] = []
        self.users_max = 0
        self._greenlet: gevent.Greenlet | None = None
        self._requests = 0
        self._failures = 0
        self._times: dict[int, int] = {}
        self._last = 0.0

    def start(self, started: float) -> None:
        self._started = self._last = started
        self._greenlet = gevent.spawn(self._loop)

    def _loop(self) -> None:
        second = 1
        while True:
            gevent.sleep(max(0.0, self._started + second - time.monotonic()))
            self.sample()
            second += 1

    def sample(self, final: bool = False) -> None:
        now = time.monotonic()
        total = self.env.stats.total
        if final and total.num_requests == self._requests:
            return
        times = dict(total.response_times)
        delta = diff_response_time_dicts(times, self._times)
        counted = sum(v for v in delta.values() if v > 0)
        requests = max(total.num_requests - self._requests, 0)
        errors = max(total.num_failures - self._failures, 0)
        users = int(self.runner.user_count)
        elapsed = max(now - self._last, 1e-6)
        self.users_max = max(self.users_max, users)

        def pct(q: float) -> float:
            return float(calculate_response_time_percentile(delta, counted, q)) if counted > 0 else 0.0

        point = {
            "t": round(now - self._started, 2),
            "users": users,
            "rps": round(requests / elapsed, 2),
            "p50_ms": pct(0.5),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "errors": errors,
        }
        self.timeline.append(point)
        emit("sample", requests=total.num_requests, failures=total.num_failures, **point)
        self._requests, self._failures, self._times, self._last = total.num_requests, total.num_failures, times, now

    def stop(self) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=True)


def _entry(entry: StatsEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "method": entry.method or "",
        "num_requests": entry.num_requests,
        "num_failures": entry.num_failures,
        "num_none_requests": entry.num_none_requests,
        "total_response_time": entry.total_response_time,
        "max_response_time": entry.max_response_time,
        "response_times": {str(k): v for k, v in entry.response_times.items() if v},
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
