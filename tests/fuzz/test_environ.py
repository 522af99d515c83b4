"""The engine's threads read the environment (proxy settings) while pytest's main thread changes it."""

from __future__ import annotations

import os
import threading
import time
import urllib.request

from apitest.fuzz.environ import LockedEnviron


def race(seconds: float) -> list[str]:
    """What a thread reading the proxy settings as `requests` does met while PYTEST_CURRENT_TEST came and went."""
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
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
    try:
        while time.monotonic() < deadline and not errors:
            os.environ["APITEST_TEST_CURRENT"] = "x"
            os.environ.pop("APITEST_TEST_CURRENT")
    finally:
        stop.set()
        reader.join()
    return errors


def test_readers_never_see_a_key_vanish_halfway_while_locked():
    with LockedEnviron():
        assert race(3.0) == []
        os.environ["APITEST_TEST_SET"] = "1"
        assert os.environ.get("APITEST_TEST_SET") == "1" and "APITEST_TEST_SET" in os.environ
        del os.environ["APITEST_TEST_SET"]
    assert type(os.environ) is os._Environ  # restored after the last run


def test_without_the_lock_the_same_reader_fails():
    # The race the lock removes, shown on the same loop: a KeyError for the key pytest removed.
    assert any("KeyError('APITEST_TEST_CURRENT')" in e for e in race(10.0))
