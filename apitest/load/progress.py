"""The live progress line of a running load profile (users, requests/s, p95, errors), on a terminal only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import pytest


def format_sample(label: str, sample: Mapping[str, Any]) -> str:
    return (
        f"{label} {float(sample.get('t', 0)):>5.0f}s  users {int(sample.get('users', 0)):>4}  "
        f"{float(sample.get('rps', 0)):>8.1f} req/s  p95 {float(sample.get('p95_ms', 0)):>6.0f} ms  "
        f"errors {int(sample.get('failures', 0)):,}"
    )


class Progress:
    """Draws the child's per-second samples on one terminal line; silent when stdout is no TTY or under xdist.

    Lines that must reach the user whatever the terminal (the command to start remote workers) go through
    `announce()`.
    """

    def __init__(self, config: pytest.Config, label: str) -> None:
        self.label = label
        self._reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        self._capture: Any = config.pluginmanager.get_plugin("capturemanager")
        worker = hasattr(config, "workerinput")
        tty = self._reporter is not None and bool(self._reporter.isatty())
        self.live = tty and not worker and config.get_verbosity() >= 0
        self._drawn = False

    @contextlib.contextmanager
    def _terminal(self) -> Iterator[Any]:
        if self._capture is None:
            yield self._reporter
            return
        with self._capture.global_and_fixture_disabled():
            yield self._reporter

    def update(self, event: Mapping[str, Any]) -> None:
        if event.get("kind") == "waiting":
            self.announce(
                f"{self.label}: waiting for {event.get('expected')} Locust worker(s); on each worker host run: {event.get('command')}"
            )
        if event.get("kind") != "sample":
            return
        if not self.live:
            return
        with self._terminal() as reporter:
            if not self._drawn:
                reporter.write("\n")
                self._drawn = True
            reporter.rewrite(format_sample(self.label, event), erase=True)
            reporter.flush()

    def announce(self, line: str) -> None:
        if self._reporter is None:
            return
        with self._terminal() as reporter:
            reporter.write_line(line)
            self._drawn = False

    def close(self, summary: str) -> None:
        if not (self.live and self._drawn):
            return
        with self._terminal() as reporter:
            reporter.rewrite(summary, erase=True)
            reporter.write("\n")
            reporter.flush()
        self._drawn = False
