from __future__ import annotations

import os
import sys
import time

from apitest.children import PACKAGE_ROOT, Child, python_env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead, only not reaped by its parent yet
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_stop_ends_the_child_and_everything_it_started(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    # a child that ignores SIGTERM and starts a grandchild: both must be gone after stop()
    code = (
        "import signal, subprocess, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(g.pid))\n"
        "time.sleep(60)\n"
    )
    child = Child([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    grandchild = int(pidfile.read_text())
    assert os.getpgid(child.pid) == child.pid != os.getpgid(0)  # a group of its own: the terminal's ^C is ours
    started = time.monotonic()
    child.stop(grace=0.5)
    assert time.monotonic() - started < 5
    assert child.returncode is not None and not alive(child.pid)
    deadline = time.monotonic() + 5
    while alive(grandchild):
        assert time.monotonic() < deadline, "the grandchild outlived stop()"
        time.sleep(0.05)


def test_python_env_puts_given_paths_then_this_apitest_first(tmp_path):
    env = python_env(tmp_path, environ={"PYTHONPATH": "/x:/y"}, EXTRA="1")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(tmp_path), PACKAGE_ROOT, "/x", "/y"]
    assert env["EXTRA"] == "1"
