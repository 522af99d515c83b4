"""SIGINT, SIGTERM and SIGHUP end a run the same way: promptly, with exit status 2 and a report marked incomplete.

pytest turns a KeyboardInterrupt into exit status 2 (interrupted) and still runs `pytest_sessionfinish`, where the
report is written; but only SIGINT raises one, and a CI runner stops a job with SIGTERM (GitHub Actions, GitLab,
`docker stop`) or SIGHUP (a closed terminal), whose default action ends the process on the spot: no report, and
children left behind. `Interruption.install()` makes all three raise `KeyboardInterrupt("SIGTERM")` in the main
thread, once. Signals that arrive after the first (a second Ctrl-C, the runner's repeated SIGTERM) are noted and
ignored, so the report and the children's shutdown are not cut short in turn; a watchdog then makes sure the process
ends within `grace` seconds of the first signal, whatever it is stuck in (`os._exit(2)` after `on_overrun`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
INTERRUPTED = 2  # pytest.ExitCode.INTERRUPTED
DEFAULT_GRACE_S = 60.0


class Interruption:
    """Which signal interrupted the run, if any; installs and removes the handlers (main thread only).

    Example::

        interruption = Interruption(on_overrun=kill_children)
        interruption.install()
        ...  # KeyboardInterrupt("SIGTERM") is raised in the main thread on the first signal
        interruption.restore()
    """

    def __init__(self, grace: float = DEFAULT_GRACE_S, on_overrun: Callable[[], None] | None = None) -> None:
        self.grace = grace
        self.on_overrun = on_overrun
        self.signal: str | None = None  # "SIGINT", "SIGTERM", "SIGHUP": the first received
        self.at: float | None = None  # time.monotonic() of the first signal
        self._previous: dict[int, object] = {}
        self._watchdog: threading.Thread | None = None
        self._done = threading.Event()
        self._shielded = False

    @property
    def interrupted(self) -> bool:
        return self.signal is not None

    def install(self) -> bool:
        """Handle the three signals; False (nothing installed) outside the main thread."""
        if threading.current_thread() is not threading.main_thread():
            return False
        for signum in HANDLED:
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except (OSError, ValueError):  # pragma: no cover - a platform without the signal
                continue
        return True

    def restore(self) -> None:
        """The handlers as they were, and the watchdog stood down (the run ended in time)."""
        self._done.set()
        for signum, previous in self._previous.items():
            try:
                signal.signal(signum, previous)  # type: ignore[arg-type]
            except (OSError, ValueError, TypeError):  # pragma: no cover - not the main thread any more
                pass
        self._previous.clear()

    def note(self, name: str) -> None:
        """Record an interruption that did not come as a signal here (the engine's own `Interrupted` event)."""
        if self.signal is None:
            self.signal = name
            self.at = time.monotonic()
            self._start_watchdog()

    def shield(self) -> None:
        """From now on a signal is noted (the run still ends as interrupted) but raises nothing: the report is being
        written from everything gathered, and cutting that short would lose it all."""
        self._shielded = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.signal is not None or self._shielded:
            first = self.signal is None
            self.note(name)
            if not first:
                _say(f"apitest: {name} received while stopping after {self.signal}; finishing the report")
            return
        self.note(name)
        raise KeyboardInterrupt(name)

    def _start_watchdog(self) -> None:
        if self._watchdog is not None or self.grace <= 0:
            return
        self._watchdog = threading.Thread(target=self._watch, name="apitest-interruption-watchdog", daemon=True)
        self._watchdog.start()

    def _watch(self) -> None:
        if self._done.wait(self.grace):
            return
        _say(f"apitest: still not stopped {self.grace:g} s after {self.signal}; ending the process now")
        if self.on_overrun is not None:
            try:
                self.on_overrun()
            except Exception:  # pragma: no cover - nothing may keep the process alive now
                pass
        os._exit(INTERRUPTED)


def _say(line: str) -> None:
    """One line on stderr, unbuffered: a signal handler must not re-enter sys.stderr's buffer mid-write."""
    try:
        os.write(sys.stderr.fileno(), (line + "\n").encode("utf-8", "replace"))
    except (OSError, ValueError, AttributeError):  # a closed stream (a hung-up terminal), or none at all
        pass
