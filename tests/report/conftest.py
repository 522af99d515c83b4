from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("APITEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; never a downloaded browser. In CI a missing binary is an error."""
    if not CHROMIUM.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); required when CI is set")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class OpenedReport:
    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    """Open a report.html from disk, recording every request, page error, console error and dialog."""
    contexts: list[Any] = []

    def open_(path: Path) -> OpenedReport:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, java_script_enabled=True)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        opened = OpenedReport(page, path.resolve().as_uri())
        page.on("request", lambda request: opened.requests.append(request.url))
        page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
        page.on("console", lambda msg: opened.errors.append(msg.text) if msg.type == "error" else None)

        def dialog(d: Any) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(opened.url)
        page.wait_for_selector("body[data-ready]", timeout=15_000)
        return opened

    yield open_
    for context in contexts:
        context.close()
