"""The API under test: a base URL, or an ASGI app that apitest serves on a free 127.0.0.1 port for the run."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from .children import Child, python, python_env
from .errors import TargetError
from .fetch import FetchError, get


class ServedApp:
    """An ASGI app served by uvicorn in a child process on a free 127.0.0.1 port.

    A child process, not a thread: the app neither shares the GIL with the fuzzer nor its crashes with pytest.
    """

    def __init__(
        self, ref: str, root: Path, where: str, *, log: Path, factory: bool = False, timeout: float = 20.0
    ) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # uvicorn sets TCP_NODELAY only on sockets it binds itself; accepted sockets inherit it from this one.
        # Without it every keep-alive response waits ~40 ms for a delayed ACK (measured: 46 ms vs 2 ms a request).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(2048)
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.log = log
        argv = python("uvicorn", ref, "--fd", str(sock.fileno()), "--log-level", "error", "--no-access-log")
        if factory:
            argv.append("--factory")
        # The app's own output (tracebacks of its 500s) goes to a log beside the report, not into pytest's output.
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            # The suite's folder first on the app's path, then what this process imports from (the user's sys.path).
            env = python_env(root, *[p for p in sys.path if p])
            self._proc = Child(argv, env=env, cwd=root, stdout=out, stderr=out, pass_fds=[sock.fileno()])
        sock.close()  # the child holds the listening socket now
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise TargetError(f"{where}: serve = {ref!r} exited with status {self._proc.returncode}; see {log}.")
            try:
                get(self.base_url + "/", timeout=1.0)
                return
            except FetchError:
                if time.monotonic() > deadline:
                    self.close()
                    raise TargetError(f"{where}: serve = {ref!r} did not answer within {timeout:.0f} s.") from None
                time.sleep(0.05)

    def close(self) -> None:
        self._proc.stop(grace=5.0)


def check_reachable(base_url: str, where: str, timeout: float = 5.0) -> None:
    """Any HTTP answer at all means reachable; a refused or timed-out connection is a TargetError."""
    try:
        get(base_url, timeout=timeout)
    except FetchError as exc:
        raise TargetError(
            f"{where}: base URL {base_url} is unreachable ({exc}); start the API or fix base_url."
        ) from exc
