"""`os.environ` made safe to read from the engine's threads while pytest changes it, for as long as engines run.

schemathesis's engine sends requests from worker threads that outlive the item pulling their events, and `requests`
reads the proxy settings with `for name, value in os.environ.items()` on every request. Meanwhile pytest's main
thread sets and removes `PYTEST_CURRENT_TEST` at every item boundary; a key removed between the iteration and the
lookup raised `KeyError('PYTEST_CURRENT_TEST')` in the engine, which failed an operation's run (1 run in 16 on the
demo). While an engine run is under way, `os.environ` is an instance of `_LockedEnviron`: every read and write holds
one lock, and iteration works on a snapshot, so a reader sees the mapping before or after a change, never halfway.
The snapshot is made once per change, not per read: `requests` asks for it on every request (~140 µs each to copy
and decode the environment, 3 % of a run's CPU on a 200-operation API), pytest changes the environment three times
per item.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

_LOCK = threading.RLock()
# The environment as a dict, made after the last change; never changed itself (a change makes a new one), so a
# reader holding it sees the mapping as it was.
_snapshot: dict[str, str] | None = None


class _LockedEnviron(os._Environ[str]):
    def __getitem__(self, key: str) -> str:
        with _LOCK:
            return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        global _snapshot
        with _LOCK:
            super().__setitem__(key, value)
            _snapshot = None

    def __delitem__(self, key: str) -> None:
        global _snapshot
        with _LOCK:
            super().__delitem__(key)
            _snapshot = None

    def __iter__(self) -> Iterator[str]:
        with _LOCK:
            keys = list(super().__iter__())
        return iter(keys)

    def _snapshot(self) -> dict[str, str]:
        global _snapshot
        with _LOCK:
            if _snapshot is None:
                # os._Environ's own encoded mapping and decoders (its attributes, untyped in typeshed)
                data: dict[bytes, bytes] = self.__dict__["_data"]
                key_of: Callable[[bytes], str] = self.__dict__["decodekey"]
                value_of: Callable[[bytes], str] = self.__dict__["decodevalue"]
                _snapshot = {key_of(key): value_of(value) for key, value in data.items()}
            return _snapshot

    def items(self) -> Any:
        return self._snapshot().items()

    def keys(self) -> Any:
        return self._snapshot().keys()

    def values(self) -> Any:
        return self._snapshot().values()

    def copy(self) -> dict[str, str]:
        return dict(self._snapshot())  # the caller's to change

    def get(self, key: str, default: Any = None) -> Any:
        with _LOCK:
            return super().get(key, default)


class LockedEnviron:
    """`with LockedEnviron():` ... or `start()`/`end()`, nested: os.environ is locked while any run is under way."""

    def __init__(self) -> None:
        self._active = 0
        self._saved: type | None = None

    def start(self) -> None:
        global _snapshot
        with _LOCK:
            if self._active == 0 and type(os.environ) is not _LockedEnviron:
                _snapshot = None  # the environment may have changed while it was not locked
                self._saved = type(os.environ)
                os.environ.__class__ = _LockedEnviron
            self._active += 1

    def end(self) -> None:
        with _LOCK:
            self._active = max(0, self._active - 1)
            if self._active == 0 and self._saved is not None:
                os.environ.__class__ = self._saved
                self._saved = None

    def __enter__(self) -> LockedEnviron:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


LOCKED_ENVIRON = LockedEnviron()
