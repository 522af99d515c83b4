"""`os.environ` made safe to read from the engine's threads while pytest changes it, for as long as engines run.

schemathesis's engine sends requests from worker threads that outlive the item pulling their events, and `requests`
reads the proxy settings with `for name, value in os.environ.items()` on every request. Meanwhile pytest's main
thread sets and removes `PYTEST_CURRENT_TEST` at every item boundary; a key removed between the iteration and the
lookup raised `KeyError('PYTEST_CURRENT_TEST')` in the engine, which failed an operation's run (1 run in 16 on the
demo). While an engine run is under way, `os.environ` is an instance of `_LockedEnviron`: every read and write holds
one lock, and iteration works on a snapshot, so a reader sees the mapping before or after a change, never halfway.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.RLock()


class _LockedEnviron(os._Environ[str]):
    def __getitem__(self, key: str) -> str:
        with _LOCK:
            return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        with _LOCK:
            super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        with _LOCK:
            super().__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        with _LOCK:
            keys = list(super().__iter__())
        return iter(keys)

    def _snapshot(self) -> dict[str, str]:
        with _LOCK:
            return {key: super(_LockedEnviron, self).__getitem__(key) for key in super().__iter__()}

    def items(self) -> Any:
        return self._snapshot().items()

    def keys(self) -> Any:
        return self._snapshot().keys()

    def values(self) -> Any:
        return self._snapshot().values()

    def copy(self) -> dict[str, str]:
        return self._snapshot()

    def get(self, key: str, default: Any = None) -> Any:
        with _LOCK:
            return super().get(key, default)


class LockedEnviron:
    """`with LockedEnviron():` ... or `start()`/`end()`, nested: os.environ is locked while any run is under way."""

    def __init__(self) -> None:
        self._active = 0
        self._saved: type | None = None

    def start(self) -> None:
        with _LOCK:
            if self._active == 0 and type(os.environ) is not _LockedEnviron:
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
