"""Provider verification of one pact, interaction by interaction, each bounded in time.

One child process (`apitest.contracts._verify_main`) per pact and pytest process verifies the interactions the
session selected, in order, and reports each as it finishes. Every contract item waits only for its own
interaction. If one interaction takes longer than `[contracts] timeout` (pact retries a failing state change for
minutes; a provider may never answer), the child is killed, that interaction gets a timed-out verdict, and a new
child carries on with the rest.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..children import Child, python, python_env
from ..errors import EngineMissingError
from .pactfile import PactDocument
from .states import StateCall, StateHandler, StateServer

_MAX_RESTARTS_WITHOUT_PROGRESS = 2


@dataclass(frozen=True, slots=True)
class Verdict:
    """What verifying one interaction against the provider showed."""

    index: int
    passed: bool
    mismatches: tuple[dict[str, Any], ...] = ()
    states: tuple[StateCall, ...] = ()
    timed_out: bool = False
    error: str | None = None  # the verifier could not check it (request failed, child crashed)
    output: str = ""
    elapsed_s: float = 0.0


class PactVerification:
    """Verifies the HTTP interactions of one pact against a running provider, one child process at a time."""

    def __init__(
        self,
        document: PactDocument,
        *,
        base_url: str,
        handler: StateHandler,
        headers: dict[str, str],
        timeout_s: float,
        request_timeout_s: float,
        order: Sequence[int],
    ) -> None:
        self.document = document
        self.base_url = base_url
        self.headers = headers
        self.timeout_s = timeout_s
        self.request_timeout_s = request_timeout_s
        self.order = list(dict.fromkeys(order))
        self.verdicts: dict[int, Verdict] = {}
        self.states = StateServer(handler, base_url)
        self._lock = threading.Lock()
        self._folder = Path(tempfile.mkdtemp(prefix="apitest-pacts-"))
        self._pact_file = self._folder / "pact.json"
        self._pact_file.write_text(json.dumps(document.data), encoding="utf-8")
        self._child: Child | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr: IO[str] | None = None
        self._current: int | None = None
        self._deadline = 0.0
        self._closed = False
        atexit.register(self.close)

    def verdict(self, index: int) -> Verdict:
        """The verdict on `document.interactions`' entry whose `index` is given; runs the child as needed."""
        with self._lock:
            restarts = 0
            while index not in self.verdicts:
                if self._proc is None:
                    todo = [i for i in self.order if i not in self.verdicts]
                    if index not in todo:
                        todo.insert(0, index)
                    self._start(todo)
                    restarts += 1
                try:
                    event = self._events.get(timeout=max(0.0, self._deadline - time.monotonic()))
                except queue.Empty:
                    self._time_out()
                    continue
                kind = event.get("event")
                if kind == "start":
                    self._current = int(event["index"])
                    self._deadline = time.monotonic() + self.timeout_s
                elif kind == "result":
                    self.verdicts[int(event["index"])] = self._make(int(event["index"]), event)
                    self._current = None
                    self._deadline = time.monotonic() + self.timeout_s
                    restarts = 0
                elif kind == "fatal":
                    self._stop()
                    raise EngineMissingError(
                        f"pact verification needs pact-python: {event.get('error')}; pip install 'pact-python>=4.2'."
                    )
                elif kind == "eof":
                    self._ended(restarts)
            if all(i in self.verdicts for i in self.order):
                self._stop()  # the child exits by itself; the state server stays until close()
        return self.verdicts[index]

    def _start(self, todo: list[int]) -> None:
        self._events = queue.Queue()
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 - outlives this call
        env = python_env(PACT_DO_NOT_TRACK=os.environ.get("PACT_DO_NOT_TRACK", "true"))
        self._child = Child(
            python("apitest.contracts._verify_main"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        self._proc = self._child.process
        job = {
            "pact_file": str(self._pact_file),
            "indices": todo,
            "provider": self.document.provider,
            "base_url": self.base_url,
            "state_url": self.states.url,
            "headers": self.headers,
            "request_timeout_s": self.request_timeout_s,
        }
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(job))
        self._proc.stdin.close()
        threading.Thread(target=_read_events, args=(self._proc.stdout, self._events), daemon=True).start()
        self._current = None
        self._deadline = time.monotonic() + self.timeout_s + 10.0  # + the child's start-up

    def _time_out(self) -> None:
        current = self._current
        if current is None:  # stuck before its first interaction: the first one waiting is the one not verified
            current = next((i for i in self.order if i not in self.verdicts), None)
        self._stop()
        if current is not None:
            self.verdicts[current] = Verdict(
                index=current,
                passed=False,
                states=tuple(self.states.calls_for(str(current))),
                timed_out=True,
                error=f"verification did not finish within {self.timeout_s:g} s",
                elapsed_s=self.timeout_s,
            )

    def _ended(self, restarts: int) -> None:
        proc = self._proc
        code = proc.wait() if proc is not None else None
        stderr = self._stderr_tail()
        current = self._current
        self._stop()
        if current is not None:
            self.verdicts[current] = Verdict(
                index=current,
                passed=False,
                states=tuple(self.states.calls_for(str(current))),
                error=f"the verifier process exited (status {code}) while verifying this interaction: {stderr}",
            )
        elif restarts >= _MAX_RESTARTS_WITHOUT_PROGRESS:
            raise RuntimeError(
                f"the pact verifier process exited with status {code} without verifying anything: {stderr}"
            )

    def _stderr_tail(self, limit: int = 1500) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            self._stderr.seek(0)
            text = self._stderr.read()
        except (OSError, ValueError):
            return ""
        return text.strip()[-limit:] or "(no output)"

    def _make(self, index: int, event: dict[str, Any]) -> Verdict:
        results = event.get("results") or {}
        entries = [r for r in results.get("interactionResults") or [] if isinstance(r, dict)]
        mismatches: list[dict[str, Any]] = []
        error = None
        passed = bool(entries) and all(r.get("result") == "OK" for r in entries)
        for entry in entries:
            mismatch = entry.get("mismatch") or {}
            if mismatch.get("type") == "mismatches":
                mismatches.extend(m for m in mismatch.get("mismatches") or [] if isinstance(m, dict))
            elif mismatch.get("type") == "error" or mismatch.get("message"):
                error = str(mismatch.get("message") or mismatch)
        if not entries:
            error = "the verifier reported no result for this interaction: " + (
                str(event.get("output") or "").strip()[-800:] or "no output"
            )
        return Verdict(
            index=index,
            passed=passed and error is None,
            mismatches=tuple(mismatches),
            states=tuple(self.states.calls_for(str(index))),
            error=error,
            output=str(event.get("output") or ""),
            elapsed_s=float(event.get("elapsed_s") or 0.0),
        )

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if self._child is not None:
            self._child.kill()
            self._child = None
        if proc is not None and proc.stdout is not None:
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        self._current = None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._stop()
        self.states.close()
        for path in self._folder.glob("*"):
            path.unlink(missing_ok=True)
        self._folder.rmdir()
        atexit.unregister(self.close)


def _read_events(stream: IO[str], events: queue.Queue[dict[str, Any]]) -> None:
    try:
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                events.put(event)
    except (OSError, ValueError):
        pass
    events.put({"event": "eof"})
