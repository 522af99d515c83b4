"""A Rich progress bar over apitest items for the `apitest` CLI on a terminal."""

from __future__ import annotations

from typing import Any

import pytest


class ProgressPlugin:
    """Registered by the CLI only when stdout is a terminal; pytest's own output stays as it is."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("[bold]apitest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.start()
        self.task = self.progress.add_task("", total=len(session.items))

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self.task is not None:
            from rich.markup import escape

            self.progress.update(self.task, description=escape(location[2][:60]))

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self.task is not None:
            self.progress.advance(self.task)

    def pytest_sessionfinish(self) -> None:
        self.progress.stop()
