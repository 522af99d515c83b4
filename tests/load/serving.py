"""Serving an ASGI app for the load tests with apitest's own ServedApp (a uvicorn child process)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from apitest.errors import TargetError
from apitest.target import ServedApp

REPO = Path(__file__).parents[2]


@contextmanager
def serve(ref: str) -> Iterator[str]:
    """An ASGI app (`module:attribute`, importable from the repo) served on a free 127.0.0.1 port."""
    with tempfile.TemporaryDirectory() as logs:
        try:
            served = ServedApp(ref, REPO, "tests/load", log=Path(logs) / "serve.log")
        except TargetError as exc:
            raise AssertionError(f"{ref} did not start: {exc}") from exc
        try:
            yield served.base_url
        finally:
            served.close()
