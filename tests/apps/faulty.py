"""An API that misbehaves in every way a response can, on 127.0.0.1, in a thread: `with FaultyServer() as url: ...`.

Each fault is one GET operation of its spec (`GET /openapi.json`), documented as answering JSON:

    /ok            a correct answer               /endless        a chunked body that never ends
    /trickle       a byte every 0.5 s, forever     /stall          headers, then nothing
    /slow-start    headers after 30 s              /big            a 50 MB body
    /reset         the connection closed unanswered /invalid-json  a body that is not JSON
    /invalid-utf8  JSON with bytes that are not UTF-8   /wrong-length  Content-Length larger than the body
    /redirect-loop a redirect to itself             /redirect-off   a redirect to another address (0.0.0.0:1)
    /guarded       /ok with an Authorization header, /stall without (not in FAULTS: its spec declares security)

Every loop of the server is bounded (at most `LIMIT_S` seconds or `LIMIT_BYTES` per response), so a client that
never hangs up does not keep it busy forever.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LIMIT_S = 120.0
LIMIT_BYTES = 1024 * 1024 * 1024
BIG = 50 * 1024 * 1024
FAULTS = (
    "ok",
    "endless",
    "trickle",
    "stall",
    "slow-start",
    "big",
    "reset",
    "invalid-json",
    "invalid-utf8",
    "wrong-length",
    "redirect-loop",
    "redirect-off",
)


def spec(faults: tuple[str, ...] = FAULTS) -> dict[str, Any]:
    answer = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "faulty", "version": "1"},
        "paths": {f"/{name}": {"get": {"operationId": name.replace("-", "_"), "responses": answer}} for name in faults},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        name = self.path.split("?", 1)[0].strip("/")
        self.server.hits[name] += 1
        self.server.authorization.add(self.headers.get("Authorization") or "")
        started = time.monotonic()
        try:
            getattr(self, "_" + name.replace("-", "_").replace(".", "_"), self._missing)()
        except (BrokenPipeError, ConnectionResetError, TimeoutError, OSError):
            self.close_connection = True
        finally:
            # how long the request held the server: until the client hung up (or the answer was sent)
            self.server.held.setdefault(name, []).append(time.monotonic() - started)

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("content_type", "application/json"))
        if "Content-Length" not in {k.replace("_", "-").title() for k in headers}:
            self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-").title(), value)
        self.end_headers()
        self.wfile.write(body)

    def _missing(self) -> None:
        self._send(404, b"{}")

    def _openapi_json(self) -> None:
        self._send(200, json.dumps(spec()).encode())

    def _ok(self) -> None:
        self._send(200, b'{"ok": true}')

    def _chunked_forever(self, piece: bytes, pause: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        started, sent = time.monotonic(), 0
        while time.monotonic() - started < LIMIT_S and sent < LIMIT_BYTES and not self.server.closing.is_set():
            self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.flush()
            sent += len(piece)
            if pause and not self._wait_while_connected(pause):
                break
        self.close_connection = True

    def _endless(self) -> None:
        self._chunked_forever(b"[" * 1 + b"0," * 32767, 0.0)

    def _trickle(self) -> None:
        self._chunked_forever(b" ", 0.5)

    def _stall(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        self._wait_while_connected(LIMIT_S)
        self.close_connection = True

    def _slow_start(self) -> None:
        if self._wait_while_connected(30.0):
            self._ok()

    def _wait_while_connected(self, seconds: float) -> bool:
        """Wait `seconds` (or until the server closes); False as soon as the client hangs up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.server.closing.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                self.close_connection = True
                return False
        return True

    def _big(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(BIG))
        self.end_headers()
        piece = b" " * (1024 * 1024)
        for _ in range(BIG // len(piece)):
            if self.server.closing.is_set():
                break
            self.wfile.write(piece)
        self.close_connection = True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.close_connection = True
        self.connection.close()

    def _guarded(self) -> None:
        """Answers with credentials; stalls without them (a gateway that holds anonymous callers)."""
        if self.headers.get("Authorization"):
            self._ok()
        else:
            self._stall()

    def _invalid_json(self) -> None:
        self._send(200, b'{"ok": tru')

    def _invalid_utf8(self) -> None:
        self._send(200, b'{"name": "\xff\xfe\xfa"}')

    def _wrong_length(self) -> None:
        self._send(200, b'{"ok": true}', Content_Length="500")
        self.close_connection = True

    def _redirect_loop(self) -> None:
        self._send(302, b"", Location="/redirect-loop")

    def _redirect_off(self) -> None:
        self._send(302, b"", Location=self.server.redirect_off_to)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.held: dict[str, list[float]] = {}
        self.authorization: set[str] = set()  # every Authorization header received ("" for none)
        self.redirect_off_to = "http://0.0.0.0:1/elsewhere"  # 0.0.0.0 is this machine on Linux, yet not loopback
        self.closing = threading.Event()


class FaultyServer:
    """`with FaultyServer() as url:` the faulty API at `url` for the block; `.hits` counts requests per fault."""

    def __init__(self) -> None:
        self._server = _Server()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def hits(self) -> Counter[str]:
        return self._server.hits

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def authorization(self) -> set[str]:
        return self._server.authorization

    def redirect_off_to(self, url: str) -> None:
        self._server.redirect_off_to = url

    @property
    def held(self) -> dict[str, list[float]]:
        """Seconds each request of a fault held the server, in order."""
        return self._server.held

    def __enter__(self) -> FaultyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)
