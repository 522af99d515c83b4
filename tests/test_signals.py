"""A run stopped by a signal: exit 2, a report marked incomplete, nothing recorded passed that did not finish, and no
process of the run left alive. Real `apitest run` processes, real signals, a real API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import textwrap
import threading
import time
from pathlib import Path

import pytest

from apitest.signals import Interruption

from .apps.faulty import FaultyServer, spec
from .runs import TRACEBACK, Run, busiest, report_files

SECRET = "sekrit-token-4242"


def fuzz_suite(folder: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apitest.toml").write_text(
        'serve = "tests.apps.counted:app"\n'
        f'[auth.headers]\nX-Api-Key = "{SECRET}"\n'
        # only checks the app passes: every finished item passes, so none can hide a cut one
        '[fuzz]\nmax_examples = 3000\nseed = 3\nchecks = ["not_a_server_error"]\n' + extra
    )
    return folder


def fuzz_requests(run: Run) -> int:
    return sum(1 for line in run.lines_hit() if line.startswith("schemathesis"))


def assert_interrupted_report(run: Run, signame: str) -> dict:
    report = run.report()
    assert report["verdict"] == "incomplete", report["verdict"]
    assert report["meta"]["complete"] is False and report["meta"]["interrupted"] == signame
    assert report["meta"]["exit_status"] == 2
    items = {i["name"]: i for i in report["items"]}
    cut = [n for n, i in items.items() if (i["error"] or "").startswith(f"interrupted ({signame}) after")]
    not_run = [
        n for n, i in items.items() if (i["error"] or "").startswith(f"not run: the run was interrupted ({signame})")
    ]
    assert len(cut) <= 1 and cut + not_run, items  # the item under way, and those that never started
    for name in (*cut, *not_run):
        assert items[name]["outcome"] == "interrupted", items[name]
    for name, item in items.items():  # an item that finished before the signal did so with cases of its own
        if name not in cut and name not in not_run:
            assert item["outcome"] in ("passed", "skipped") and (item["cases"] or item["outcome"] == "skipped"), item
    return report


def assert_clean(run: Run) -> None:
    assert run.survivors() == []
    assert not TRACEBACK.search(run.output), run.output[-3000:]
    for name, text in report_files(run.folder).items():
        assert not TRACEBACK.search(text), name
        assert SECRET not in text, name
    # nothing holding the credentials is left in the run's temporary folder
    leftovers = [p for p in run.tmpdir.rglob("*") if p.is_file() and SECRET in p.read_text(errors="replace")]
    assert leftovers == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_fuzzing_ends_the_run_with_exit_2_and_an_incomplete_report(tmp_path, signum):
    with Run(fuzz_suite(tmp_path)) as run:
        run.wait_until("fuzzing", lambda: fuzz_requests(run) >= 30)
        assert run.children_named("uvicorn"), "the served app is a child of the run"
        run.signal(signum)
        assert run.wait() == 2
        report = assert_interrupted_report(run, signal.Signals(signum).name)
        assert any(i["outcome"] == "interrupted" for i in report["items"] if i["name"] == "stateful")
        assert_clean(run)


def test_a_signal_before_any_item_ran_names_every_item_not_run(tmp_path):
    folder = fuzz_suite(tmp_path)
    (folder / "conftest.py").write_text(
        textwrap.dedent("""
        import time

        def pytest_collection_finish(session):
            print("collected, waiting", flush=True)
            time.sleep(60)
        """)
    )
    with Run(folder) as run:
        run.wait_until("the end of collection", lambda: "collected, waiting" in run.output)
        run.signal(signal.SIGTERM)
        assert run.wait() == 2
        report = assert_interrupted_report(run, "SIGTERM")
        assert all(i["error"].startswith("not run: the run was interrupted (SIGTERM)") for i in report["items"])
        assert fuzz_requests(run) == 0
        assert_clean(run)


def test_sigkill_leaves_no_child_alive(tmp_path):
    with Run(fuzz_suite(tmp_path)) as run:
        run.wait_until("fuzzing", lambda: fuzz_requests(run) >= 30)
        app = run.children_named("uvicorn")
        assert app
        run.signal(signal.SIGKILL)
        assert run.wait() == -signal.SIGKILL
        assert run.survivors() == []  # the served app died with the run (the reaper saw the pipe close)
        assert not (tmp_path / "apitest-report" / "report.json").exists()


def contract_suite(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pacts").mkdir()
    interaction = {
        "description": "a slow setup",
        "providerStates": [{"name": "the world is slow"}],
        "request": {"method": "GET", "path": "/items/1"},
        "response": {"status": 200},
    }
    pact = {
        "consumer": {"name": "web"},
        "provider": {"name": "counted"},
        "interactions": [interaction, {**interaction, "description": "another"}],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    (folder / "pacts" / "web-counted.json").write_text(json.dumps(pact))
    (folder / "slow_states.py").write_text(
        textwrap.dedent("""
        import time

        def state(state, params, action, base_url):
            if action == "setup":
                print("in the state handler", flush=True)
                time.sleep(60)
        """)
    )
    (folder / "apitest.toml").write_text(
        'serve = "tests.apps.counted:app"\nspec = "openapi.json"\n'
        f'[auth.headers]\nX-Api-Key = "{SECRET}"\n'
        '[fuzz]\nenabled = false\n[contracts]\nprovider = "counted"\nstates = "slow_states:state"\ncrosscheck = false\n'
    )
    from tests.apps.counted import SPEC

    (folder / "openapi.json").write_text(json.dumps(SPEC))
    return folder


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_signal_during_pact_verification(tmp_path, signum):
    with Run(contract_suite(tmp_path), "-s") as run:
        run.wait_until("the verifier in a provider state", lambda: "in the state handler" in run.output)
        assert run.children_named("_verify_main")
        run.signal(signum)
        code = run.wait()
        assert run.survivors() == []
        if signum == signal.SIGKILL:
            assert code == -signal.SIGKILL
            return
        assert code == 2
        report = assert_interrupted_report(run, signal.Signals(signum).name)
        assert len(report["items"]) == 2
        assert_clean(run)


def load_suite(folder: Path, workers: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apitest.toml").write_text(
        'serve = "tests.apps.counted:app"\n'
        f'[auth.headers]\nX-Api-Key = "{SECRET}"\n'
        f"[fuzz]\nenabled = false\n[load.long]\nusers = 4\nduration = 120\nworkers = {workers}\nthink_time = 0.05\n"
    )
    return folder


def load_requests(run: Run) -> int:
    return sum(1 for line in run.lines_hit() if not line.startswith(("schemathesis", "Python-urllib")))


@pytest.mark.parametrize(("signum", "workers"), [(signal.SIGINT, 0), (signal.SIGTERM, 2), (signal.SIGKILL, 2)])
def test_a_signal_while_locust_sends_load(tmp_path, signum, workers):
    with Run(load_suite(tmp_path, workers)) as run:
        run.wait_until("load", lambda: load_requests(run) >= 20, timeout=90)
        assert run.children_named("_locust_main")
        if workers:
            run.wait_until("the Locust workers", lambda: len(run.children_named("locust --worker")) == workers)
        run.signal(signum)
        code = run.wait()
        assert run.survivors() == []  # Locust, its workers and the served app stopped sending and ended
        sent = load_requests(run)
        time.sleep(1.0)
        assert load_requests(run) == sent  # and nothing is sending any more
        leftovers = [p for p in run.tmpdir.rglob("*") if p.is_file() and SECRET in p.read_text(errors="replace")]
        assert leftovers == []  # the derived locustfile never held the credentials
        if signum == signal.SIGKILL:
            assert code == -signal.SIGKILL
            return
        assert code == 2
        report = assert_interrupted_report(run, signal.Signals(signum).name)
        assert [i["name"] for i in report["items"]] == ["load[long]"]
        assert_clean(run)


def test_interruption_raises_once_then_notes_and_a_shielded_one_only_notes():
    interruption = Interruption(grace=0)
    assert interruption.install()
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
        assert interruption.signal == "SIGTERM"
        signal.raise_signal(signal.SIGINT)  # a second one is noted, and raises nothing
        assert interruption.signal == "SIGTERM"
    finally:
        interruption.restore()
    shielded = Interruption(grace=0)
    shielded.install()
    try:
        shielded.shield()
        signal.raise_signal(signal.SIGHUP)
        assert shielded.signal == "SIGHUP"
    finally:
        shielded.restore()
    assert signal.getsignal(signal.SIGTERM) is not shielded._handle


def test_interruption_installs_nothing_outside_the_main_thread():
    results = []
    thread = threading.Thread(target=lambda: results.append(Interruption().install()))
    thread.start()
    thread.join(10)
    assert results == [False]


def test_an_xdist_worker_killed_mid_item_leaves_its_item_named_lost_and_the_run_incomplete(tmp_path):
    with Run(fuzz_suite(tmp_path), "-n", "2") as run:
        run.wait_until("fuzzing", lambda: fuzz_requests(run) >= 30, timeout=90)
        workers = run.children_named("sys.stdin.readline")  # execnet's worker bootstrap
        assert len(workers) == 2, run.output[-2000:]
        # loadgroup may give one worker every item that shares captured values and leave the other idle: kill the
        # one that is fuzzing
        os.kill(busiest(workers), signal.SIGKILL)
        run.wait_until("xdist to notice", lambda: "replacing crashed worker" in run.output, timeout=60)
        run.signal(signal.SIGTERM)
        assert run.wait() == 2
        report = run.report()
        assert report["meta"]["complete"] is False and report["meta"]["interrupted"] == "SIGTERM"
        lost = [i for i in report["items"] if (i["error"] or "").startswith("lost:")]
        assert len(lost) == 1 and lost[0]["outcome"] == "error", report["items"]
        assert "crashed" in lost[0]["error"]
        assert report["verdict"] == "failed"  # an item lost with its worker is an error of the run
        for item in report["items"]:
            assert item["outcome"] != "passed" or item["cases"] > 0, item
        assert run.survivors() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_a_fuzz_request_waits_on_a_stalled_api_ends_the_run_at_once(tmp_path, signum):
    # The request's own deadline is 60 s away: the run must not wait for it.
    with FaultyServer() as api:
        (tmp_path / "openapi.json").write_text(json.dumps(spec(("stall",))))
        (tmp_path / "apitest.toml").write_text(
            f'spec = "openapi.json"\nbase_url = "{api.url}"\n'
            '[fuzz]\nmax_examples = 5\nseed = 1\nphases = ["examples", "fuzzing"]\nrequest_timeout = 60\n'
        )
        with Run(tmp_path) as run:
            run.wait_until("a request held by the stalled API", lambda: api.hits["stall"] >= 1)
            time.sleep(0.5)
            started = time.monotonic()
            run.signal(signum)
            assert run.wait(timeout=60) == 2
            assert time.monotonic() - started < 30, "the run waited for the request's deadline"
            assert_interrupted_report(run, signal.Signals(signum).name)
            assert run.survivors() == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_signal_while_forked_processes_fuzz_leaves_no_child(tmp_path, signum):
    # [fuzz] processes = 2: two children forked from the run fuzz the pieces of the spec
    with Run(fuzz_suite(tmp_path, "processes = 2\n")) as run:
        run.wait_until("fuzzing", lambda: fuzz_requests(run) >= 30)
        run.wait_until("both children", lambda: len(run.children_named("-m apitest run")) == 2)
        run.signal(signum)
        code = run.wait()
        if signum == signal.SIGKILL:
            assert code == -signal.SIGKILL
        else:
            assert code == 2
            report = assert_interrupted_report(run, "SIGTERM")
            for item in report["items"]:
                assert item["outcome"] != "passed" or item["cases"] > 0, item
        assert run.survivors() == []  # the children die with the run (PR_SET_PDEATHSIG), or are killed by it
