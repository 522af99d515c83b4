"""The engine's threads read the environment (proxy settings) while pytest's main thread changes it.

Each case runs in a fresh interpreter: os.environ is process-wide, and engine runs of other tests lock it too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
RACE = """
import os, threading, time, urllib.request
from apitest.fuzz.environ import LockedEnviron

def race(seconds):
    errors, stop = [], threading.Event()
    def read():
        while not stop.is_set():
            try:
                urllib.request.getproxies_environment()
                os.environ.copy()
            except Exception as exc:
                errors.append(repr(exc))
                return
    reader = threading.Thread(target=read)
    reader.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not errors:
        os.environ["PYTEST_CURRENT_TEST"] = "x"
        os.environ.pop("PYTEST_CURRENT_TEST")
    stop.set()
    reader.join()
    return errors
"""


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", RACE + code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_readers_never_see_a_key_vanish_halfway_while_locked():
    out = run(
        "with LockedEnviron():\n"
        "    print(race(3.0))\n"
        "    os.environ['A_KEY'] = '1'; print(os.environ.get('A_KEY'), 'A_KEY' in os.environ)\n"
        "print(type(os.environ).__name__)\n"
    )
    assert out.splitlines() == ["[]", "1 True", "_Environ"]


def test_without_the_lock_the_same_reader_fails():
    # The race the lock removes, on the same loop: the key pytest removed vanishes under the reader.
    assert "KeyError('PYTEST_CURRENT_TEST')" in run("print(race(10.0))")


def test_a_change_is_seen_by_the_next_read_and_not_by_a_snapshot_already_taken():
    # The snapshot is made once per change: each change, locked or made between runs, is in the next read.
    out = run(
        "with LockedEnviron():\n"
        "    before = os.environ.items()\n"
        "    os.environ['A_KEY'] = '1'\n"
        "    print(dict(before).get('A_KEY'), dict(os.environ.items()).get('A_KEY'), os.environ.copy().get('A_KEY'))\n"
        "    mine = os.environ.copy(); mine['B_KEY'] = '2'\n"
        "    del os.environ['A_KEY']\n"
        "    print('A_KEY' in os.environ.keys(), 'B_KEY' in os.environ.keys())\n"
        "os.environ['C_KEY'] = '3'\n"
        "with LockedEnviron():\n"
        "    print(dict(os.environ.items()).get('C_KEY'), urllib.request.getproxies_environment() is not None)\n"
    )
    assert out.splitlines() == ["None 1 1", "False False", "3 True"]
