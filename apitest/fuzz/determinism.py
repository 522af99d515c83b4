"""A fuzz run depends on its seed, settings, spec and the API's answers only, not on what else the process holds.

Hypothesis (6.1xx) also draws literals it finds in every *local* module in `sys.modules` (one outside the standard
library and site-packages: apitest itself, a suite's `conftest.py` or hooks, `__main__`, a venv's `bin/`
launcher), and rescans whenever `sys.modules` grows (`hypothesis.internal.conjecture.providers
._get_local_constants`). So which modules were imported, what literals they hold and when they were imported all
changed the cases: editing an unrelated apitest module, or importing one more, changed the stateful phase's
requests with the same seed, and apitest and `schemathesis run` explored differently.

While an engine run is under way, `LOCAL_CONSTANTS` turns that pool off (the draws then match `python -m
schemathesis.cli run`, which has no local module); the pool comes back when the last run ends. It is process-wide
while it lasts: Hypothesis tests of your own running meanwhile in the same process draw without it too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class _LocalConstants:
    def __init__(self) -> None:
        self._active = 0
        self._lock = threading.Lock()
        self._saved: Callable[[], Any] | None = None

    def start(self) -> None:
        with self._lock:
            self._active += 1
            if self._active == 1:
                self._saved = _swap(None)

    def end(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0 and self._saved is not None:
                _swap(self._saved)
                self._saved = None

    def __enter__(self) -> _LocalConstants:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()


def _swap(replacement: Callable[[], Any] | None) -> Callable[[], Any] | None:
    """Put `replacement` (None: a pool with nothing in it) in Hypothesis's place; return what was there, or None
    when this Hypothesis has no such pool."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - hypothesis is schemathesis's dependency
        return None
    original = getattr(providers, "_get_local_constants", None)
    constants = getattr(providers, "Constants", None)
    if original is None or constants is None:
        return None  # another Hypothesis: nothing to turn off
    if replacement is None:
        empty = constants()

        def replacement() -> Any:
            return empty

    providers._get_local_constants = replacement
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if cache is not None and hasattr(cache, "cache"):
        cache.cache.clear()  # entries computed with the other pool
    return original  # type: ignore[no-any-return]


LOCAL_CONSTANTS = _LocalConstants()

__all__ = ["LOCAL_CONSTANTS"]
