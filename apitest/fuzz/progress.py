"""The live progress of a suite's fuzz run: a Rich bar on a line of its own while the engine works, on a terminal.

One engine run serves all of a suite's fuzz items, and its first item does the examples and coverage phases for
every operation before any item can finish, so pytest's own per-item output would stall for that long. The bar
shows the phase, the operations through it, the cases sent and the findings so far. It is transient: it is
erased whenever pytest writes (an item ends), so pytest's output stays exactly as without it. It is drawn only
when stdout is a terminal, never in xdist workers, and not under `-q -q`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

from .status import RunStatus

REDRAW_EVERY_S = 0.1


class FuzzProgress:
    def __init__(self, config: pytest.Config, suite: str) -> None:
        self.suite = suite
        self._reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
        self._capture: Any = config.pluginmanager.get_plugin("capturemanager")
        writer: Any = getattr(self._reporter, "_tw", None)
        self.live = (
            self._reporter is not None
            and bool(self._reporter.isatty())
            and hasattr(writer, "width_of_current_line")
            and not hasattr(config, "workerinput")
            and config.get_verbosity() > -2
        )
        self._writer = writer
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._phase = ""
        self._shown = False

    def update(self, status: RunStatus) -> None:
        if not self.live:
            return
        now = time.monotonic()
        if self._shown and now - self._drawn_at < REDRAW_EVERY_S and status.phase == self._phase:
            return
        self._drawn_at, self._phase = now, status.phase
        with self._terminal():
            # Measured with capture off: while an item runs, pytest's capture holds stdout's fd and the width
            # would fall back to 80 columns.
            width = max(20, int(self._writer.fullwidth) - 1)
            text = render(self.suite, status, now - self._started, width=width)
            self._reporter.write_raw(("" if self._shown else "\n") + "\r" + text + "\x1b[K", flush=True)
        self._shown = True

    def clear(self) -> None:
        """Erase the bar and put the cursor back where pytest left it (the end of its current line)."""
        if not self._shown:
            return
        column = int(self._writer.width_of_current_line)
        with self._terminal():
            self._reporter.write_raw("\r\x1b[K\x1b[1A\r" + (f"\x1b[{column}C" if column else ""), flush=True)
        self._shown = False

    @contextlib.contextmanager
    def _terminal(self) -> Iterator[None]:
        # write_raw leaves pytest's idea of the current line alone: the bar is not part of pytest's output.
        if self._capture is None:
            yield
            return
        with self._capture.global_and_fixture_disabled():
            yield


def render(suite: str, status: RunStatus, elapsed_s: float, *, width: int) -> str:
    """One line, with ANSI colours: `fuzz SUITE ━━━━╺━━━ 5/11 operations · coverage · 412 cases · 0 findings · 3 s`."""
    import io

    from rich.console import Console
    from rich.markup import escape
    from rich.progress_bar import ProgressBar
    from rich.text import Text

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="256", width=width)
    bar = ProgressBar(total=max(status.operations, 1), completed=status.operations_done, width=24)
    line = Text.from_markup(f"[bold]fuzz[/] {escape(suite)} ")
    for segment in console.render(bar):
        if not segment.control:
            line.append(segment.text, segment.style)
    colour = "red" if status.findings else "green"
    line.append_text(
        Text.from_markup(
            f" {status.operations_done}/{status.operations} operations · [cyan]{escape(status.phase)}[/] · "
            f"{status.cases:,} cases · [{colour}]{status.findings} finding{'' if status.findings == 1 else 's'}[/] · "
            f"{elapsed_s:.0f} s"
        )
    )
    line.truncate(width, overflow="ellipsis")
    console.print(line, end="", no_wrap=True, soft_wrap=False)
    return out.getvalue()
