"""Report writers, all fed by the same RunResult: one module per format, none imports an engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from ..results import RunResult


def _writers() -> dict[str, tuple[str, Callable[[RunResult], str]]]:
    from .html import render_html
    from .json_report import render_json
    from .junit import render_junit
    from .markdown import render_markdown

    return {
        "html": ("report.html", render_html),
        "json": ("report.json", render_json),
        "junit": ("junit.xml", render_junit),
        "md": ("summary.md", render_markdown),
    }


def write_reports(result: RunResult, folder: Path, formats: Sequence[str]) -> list[Path]:
    """Write each requested format into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (filename, render) in _writers().items():
        if name in formats:
            path = folder / filename
            path.write_text(render(result), encoding="utf-8")
            written.append(path)
    return written
