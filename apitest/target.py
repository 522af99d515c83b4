"""The API under test: a base URL, or an ASGI app that apitest serves on a free 127.0.0.1 port for the run."""

from __future__ import annotations

import importlib
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from .errors import TargetError


class ServedApp:
    """An ASGI app served by uvicorn in a daemon thread of this process."""

    def __init__(self, app: Any, *, factory: bool = False) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, factory=factory, log_level="error", access_log=False, lifespan="auto")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise TargetError(f"{self.base_url}: the served app did not start; run it by hand to see why.")
            time.sleep(0.01)

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()


def import_app(ref: str, root: Path, where: str) -> Any:
    """`module:attribute` imported with the suite folder on sys.path."""
    module_name, _, attr = ref.partition(":")
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(f"{where}: serve = {ref!r}: cannot import {module_name!r} ({exc}); check the module path.") from exc
    finally:
        if added:
            sys.path.remove(str(root))
    try:
        return getattr(module, attr)
    except AttributeError:
        raise TargetError(f"{where}: serve = {ref!r}: module {module_name!r} has no attribute {attr!r}.") from None


def check_reachable(base_url: str, where: str, timeout: float = 5.0) -> None:
    """Any HTTP answer at all means reachable; a refused or timed-out connection is a TargetError."""
    try:
        httpx.get(base_url, timeout=timeout)
    except httpx.TransportError as exc:
        raise TargetError(f"{where}: base URL {base_url} is unreachable ({type(exc).__name__}: {exc}); start the API or fix base_url.") from exc
