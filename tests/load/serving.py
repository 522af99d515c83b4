"""Serving an ASGI app for the load tests, independently of apitest's own serving code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).parents[2]


@contextmanager
def serve(ref: str) -> Iterator[str]:
    """An ASGI app (`module:attribute`, importable from the repo) served by uvicorn in a child process."""
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it: no delayed-ACK stalls
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        ref,
        "--fd",
        str(sock.fileno()),
        "--log-level",
        "error",
        "--no-access-log",
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    process = subprocess.Popen(command, pass_fds=[sock.fileno()], env=env, cwd=REPO, stdin=subprocess.DEVNULL)
    sock.close()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, f"{ref} did not start"
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
