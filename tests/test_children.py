from __future__ import annotations

import contextlib
import os
import subprocess
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


def test_children_die_with_their_parent_even_when_it_is_killed_with_sigkill(tmp_path):
    import signal
    import subprocess

    from .runs import family

    pidfile = tmp_path / "pids"
    # a parent (standing for apitest) starts a Child, which starts a grandchild of its own; then the parent is killed
    code = (
        "import subprocess, sys, time\n"
        "from apitest.children import Child\n"
        'inner = \'import subprocess, sys, time; subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]); time.sleep(120)\'\n'
        "child = Child([sys.executable, '-c', inner])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], env=python_env(), start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not pidfile.exists() or len(family(parent.pid)) < 3:  # child, grandchild and the reaper
            assert time.monotonic() < deadline, family(parent.pid)
            time.sleep(0.05)
        everyone = family(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while [p for p in everyone if alive(p)]:
            assert time.monotonic() < deadline, [p for p in everyone if alive(p)]
            time.sleep(0.05)
    finally:
        for pid in family(parent.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, 9)


def test_a_normal_exit_ends_the_reaper_and_leaves_nothing_to_warn_about():
    code = (
        "import sys\n"
        "from apitest.children import REAPER, Child\n"
        "with Child([sys.executable, '-c', 'pass']) as child:\n"
        "    child.wait(10)\n"
        "print(REAPER.pid)\n"
    )
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    reaper = int(done.stdout.strip())
    assert "ResourceWarning" not in done.stderr, done.stderr
    deadline = time.monotonic() + 10
    while alive(reaper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(reaper)
