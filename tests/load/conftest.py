from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .serving import serve


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """tests/load/target.py, served on a free 127.0.0.1 port for the session."""
    with serve("tests.load.target:app") as url:
        yield url


@pytest.fixture
def locustfile(tmp_path: Path) -> Callable[..., Path]:
    """Writes a locustfile whose user class runs `body` as its one task (with `client` and `pid` at hand)."""

    def write(body: str, *, wait: str = "constant(0.1)", name: str = "users.py") -> Path:
        path = tmp_path / name
        path.write_text(
            "import os\n"
            "from locust import FastHttpUser, constant, task\n\n"
            "class Visitor(FastHttpUser):\n"
            f"    wait_time = {wait}\n\n"
            "    @task\n"
            "    def visit(self):\n"
            "        client, pid = self.client, str(os.getpid())\n"
            f"        {body}\n"
        )
        return path

    return write
