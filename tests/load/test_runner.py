"""Real Locust child processes against a real server on 127.0.0.1 (tests/load/target.py, served in a thread)."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from apitest.errors import ConfigError
from apitest.load import runner
from apitest.load.measurements import load_result
from apitest.load.runner import LoadRunError, RunSpec, run_profile
from apitest.load.shapes import plan
from apitest.load.slo import evaluate
from apitest.results import LoadResult
from apitest.settings.load import LoadProfile, Slo

from . import target


def run(base_url: str, locustfile: Path, profile: LoadProfile, **options: Any) -> LoadResult:
    spec = RunSpec(
        profile.name, base_url, (locustfile,), plan(profile), locustfile.parent, workers=profile.workers, **options
    )
    return load_result(run_profile(spec), suite="t", profile=profile.name, shape=profile.shape)


def test_a_spike_shows_in_the_timeline(base_url, locustfile):
    users = locustfile('client.get("/fast", name="fast")')
    # Seconds 1 and 6 are calm and 3 and 4 in the spike (2-5 s), each a second away from any change of users and
    # from the end of the run, where a sample may catch the users stopping on a busy machine.
    profile = LoadProfile("spike", shape="spike", users=2, spike_users=12, spike_at=2, spike_duration=3, duration=8)
    result = run(base_url, users, profile)
    by_second = {round(p.t): p for p in result.timeline}
    assert [by_second[t].users for t in (1, 3, 4, 6)] == [2, 12, 12, 2]
    calm = statistics.mean(by_second[t].rps for t in (1, 6))
    spike = statistics.mean(by_second[t].rps for t in (3, 4))
    assert 12 <= calm <= 22  # 2 users, 0.1 s apart
    assert spike > 4 * calm
    assert result.users_max == 12
    assert result.total.failures == 0 and result.total.requests == result.endpoints[0].requests


def test_arrival_rate_holds_against_a_fast_server(base_url, locustfile):
    users = locustfile('client.get("/fast", name="fast")')
    profile = LoadProfile(name="open", shape="arrival", rate=100, users=20, duration=4)
    result = run(base_url, users, profile)
    assert result.missed_starts == 0
    assert result.total.requests == pytest.approx(400, rel=0.05)
    assert result.total.rps == pytest.approx(100, rel=0.05)
    steady = [p.rps for p in result.timeline if 1 <= p.t <= 3.5]  # not the last second: the run may be stopping
    assert all(rps == pytest.approx(100, rel=0.1) for rps in steady), steady


def test_arrival_rate_counts_the_starts_a_slow_server_made_it_miss(base_url, locustfile):
    # 4 users, each busy 200 ms per request, can start 20 requests/s at most: 30 of the 50 due each second are missed.
    users = locustfile('client.get("/slow", name="slow")')
    profile = LoadProfile(
        name="open", shape="arrival", rate=50, users=4, duration=4, slos=(Slo("max_missed_starts", "total", 0),)
    )
    result = run(base_url, users, profile)
    assert result.total.requests == pytest.approx(80, abs=12)
    assert result.missed_starts == pytest.approx(120, abs=12)
    assert result.total.requests + result.missed_starts == pytest.approx(200, abs=5)  # every start is sent or missed
    assert result.total.p50_ms == pytest.approx(target.SLOW_S * 1000, abs=20)  # not inflated by waiting in a queue
    _, findings = evaluate(result, profile.slos, "suite")
    assert [f.check for f in findings] == ["slo.max_missed_starts"]
    assert findings[0].details["measured"] == result.missed_starts


def test_a_master_and_two_workers_give_one_merged_result(base_url, locustfile):
    users = locustfile('client.get("/fast", name="fast", headers={"X-Load-Pid": pid})')
    httpx.delete(base_url + "/seen")
    profile = LoadProfile(name="dist", shape="ramp", users=4, ramp=0, duration=4, workers=2)
    result = run(base_url, users, profile)
    senders = {pid: n for pid, n in httpx.get(base_url + "/seen").json().items() if pid != "-"}
    assert len(senders) == 2 and str(os.getpid()) not in senders  # two worker processes sent the load
    assert result.workers == 2 and result.users_max == 4
    # one result holds both workers' requests: all the server saw, but for the few in flight when users stopped
    assert sum(senders.values()) - 8 <= result.total.requests <= sum(senders.values())
    assert result.total.requests == sum(e.requests for e in result.endpoints)
    assert result.total.rps == pytest.approx(40, rel=0.25)  # 4 users, 0.1 s apart


def test_remote_workers_join_with_the_documented_command(base_url, locustfile, tmp_path):
    users = locustfile('client.get("/fast", name="fast")')
    profile = LoadProfile(name="remote", shape="ramp", users=2, ramp=0, duration=3, workers=1)
    workers: list[subprocess.Popen[bytes]] = []

    def on_event(event):
        if event["kind"] == "waiting":
            # the command an operator runs on a worker host; the worker fetches the locustfiles from the master
            assert re.fullmatch(r"locust --worker --master-host 127\.0\.0\.1 --master-port \d+ -f -", event["command"])
            command = [sys.executable, "-m", *event["command"].split()]
            env = {**os.environ, "TMPDIR": str(tmp_path)}
            with (tmp_path / "worker.log").open("wb") as log:
                workers.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env))

    master = f"127.0.0.1:{free_port()}"
    spec = RunSpec("remote", base_url, (users,), plan(profile), tmp_path, workers=1, master=master, worker_wait_s=30)
    try:
        result = load_result(run_profile(spec, on_event), suite="t", profile="remote", shape="ramp")
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert len(workers) == 1 and workers[0].returncode == 0
    assert result.workers == 1 and result.total.requests > 20 and result.total.failures == 0


def test_an_overrun_is_killed_with_its_process_group(base_url, locustfile, monkeypatch):
    hanging = locustfile('client.get("/fast")')
    hanging.write_text("import time\ntime.sleep(60)\n" + hanging.read_text())  # hangs while the child loads it
    monkeypatch.setattr(runner, "STARTUP_ALLOWANCE_S", 0.0)
    monkeypatch.setattr(runner, "STOP_ALLOWANCE_S", 0.0)
    with pytest.raises(LoadRunError, match=r"did not finish within 2 s .* killed Locust \(pid (\d+)\)") as info:
        run(base_url, hanging, LoadProfile(name="hang", users=1, duration=2))
    found = re.search(r"pid (\d+)", str(info.value))
    assert found is not None
    pid = int(found.group(1))
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)


def test_a_locustfile_without_users_is_a_setup_error(base_url, tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("HOST = 'nothing here'\n")
    with pytest.raises(ConfigError, match=r"load profile 'x': locustfile .*empty\.py defines no User class"):
        run(base_url, empty, LoadProfile(name="x", users=1, duration=1))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
