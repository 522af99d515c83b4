"""Provider states: the suite's handler (`[contracts] states = "module:function"`), served to the verifier on 127.0.0.1.

The handler is called as `handler(state, params, action, base_url)`, by name, so it may take any subset of
those: `action` is "setup" before an interaction and "teardown" after it, `base_url` is the provider's (which may
run in another process: a served app does). It may also be a mapping of state names to callables taking any of
`params`, `action` and `base_url`. A state it does not know is reported, not retried: raise `UnknownStateError`
(a mapping does so for a missing key).

The verifier retries a state change that fails for minutes, so the server always answers 200 and keeps the
outcome itself; the provider item reads it and reports a failed state as a finding.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeAlias

from ..errors import ConfigError
from ..refs import import_ref

StateHandler: TypeAlias = Callable[[str, dict[str, Any], str, str], None]  # state, params, action, base_url
ARGUMENTS = ("state", "params", "action", "base_url")
STATE_PATH = "/_apitest/state/"


class UnknownStateError(LookupError):
    """Raised by a provider-state handler for a state it does not handle; apitest reports it as a finding.

    Example::

        def provider_state(state: str, params: dict, action: str, base_url: str) -> None:
            if state not in HANDLERS:
                raise UnknownStateError(state)
    """


@dataclass(frozen=True, slots=True)
class StateCall:
    """One call of the handler for one interaction."""

    state: str
    params: dict[str, Any]
    action: str  # "setup" | "teardown"
    error: str | None = None  # None when it worked
    unknown: bool = False  # the handler does not handle this state
    elapsed_s: float = 0.0
    running: bool = False  # still running when the verification's time ran out

    @property
    def ok(self) -> bool:
        return self.error is None and not self.unknown and not self.running


def load_handler(ref: str, root: Path, where: str) -> StateHandler:
    """The handler named by `module:attribute`, imported with the suite folder on sys.path."""
    target = import_ref(ref, root, f"{where} [contracts]: states", ConfigError)
    if isinstance(target, Mapping):
        return _mapping_handler(target, ref, where)
    if callable(target):
        return _adapt(target, ARGUMENTS)
    raise ConfigError(
        f"{where} [contracts]: states = {ref!r} is neither a function nor a mapping of state names to functions."
    )


def no_handler(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
    """Used when a suite names no handler: every state is unknown."""
    raise UnknownStateError(state)


def _mapping_handler(table: Mapping[Any, Any], ref: str, where: str) -> StateHandler:
    handlers = {}
    for name, fn in table.items():
        if not isinstance(name, str) or not callable(fn):
            raise ConfigError(
                f"{where} [contracts]: states = {ref!r}: entry {name!r} must map a state name to a function."
            )
        handlers[name] = _adapt(fn, ARGUMENTS[1:])

    def handler(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
        fn = handlers.get(state)
        if fn is None:
            raise UnknownStateError(state)
        fn(state, params, action, base_url)

    return handler


def _adapt(fn: Callable[..., Any], default: tuple[str, ...]) -> StateHandler:
    """Call `fn` with the arguments it names among ARGUMENTS, else positionally in `default` order."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = {p.name for p in parameters}
    takes_kwargs = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)
    by_name = [n for n in ARGUMENTS if n in names or (takes_kwargs and n in default)]
    positional = [
        p for p in parameters if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]

    def call(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
        values = {"state": state, "params": params, "action": action, "base_url": base_url}
        if by_name:
            fn(**{n: values[n] for n in by_name})
        else:
            fn(*[values[n] for n in default][: len(positional)])

    return call


class StateServer:
    """A small HTTP server on 127.0.0.1 the verifier posts state changes to, at `url_for(token)`."""

    def __init__(self, handler: StateHandler, base_url: str) -> None:
        self.handler = handler
        self.base_url = base_url
        self.calls: dict[str, list[StateCall]] = {}
        self.running: dict[str, StateCall] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Request)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="apitest-pact-states", daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{STATE_PATH}"

    def url_for(self, token: str) -> str:
        return self.url + token

    def calls_for(self, token: str) -> list[StateCall]:
        with self._lock:
            calls = list(self.calls.get(token, []))
            if token in self.running:
                calls.append(self.running[token])
            return calls

    def handle(self, token: str, state: str, params: dict[str, Any], action: str) -> None:
        if not state:  # pact's generic set-up/tear-down call: nothing to do
            return
        started = time.perf_counter()
        with self._lock:
            self.running[token] = StateCall(state, params, action, running=True)
        error, unknown = None, False
        try:
            self.handler(state, params, action, self.base_url)
        except UnknownStateError:
            unknown = True
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            frames = traceback.extract_tb(exc.__traceback__)
            if frames:
                last = frames[-1]
                error += f" (at {Path(last.filename).name}:{last.lineno})"
        call = StateCall(state, params, action, error, unknown, round(time.perf_counter() - started, 4))
        with self._lock:
            self.running.pop(token, None)
            self.calls.setdefault(token, []).append(call)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler that hangs must not hang the run: the verification deadline covers it
    owner: StateServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # e.g. the verifier was stopped while its state change ran: the verdict says so already


class _Request(BaseHTTPRequestHandler):
    server: _Server
    # Headers and body go out in two writes; with Nagle on, the second waits ~40 ms for the verifier's delayed ACK.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            data = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            data = {}
        if not self.path.startswith(STATE_PATH) or not isinstance(data, dict):
            self._answer(404)
            return
        token = self.path[len(STATE_PATH) :].split("?")[0]
        params = data.get("params") if isinstance(data.get("params"), dict) else {}
        self.server.owner.handle(token, str(data.get("state") or ""), params or {}, str(data.get("action") or "setup"))
        self._answer(200)

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass
