"""A sliding-window rate limiter, in memory and thread-safe."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class Ticks:
    """A logical clock that moves `tick` seconds at every reading, so a limiter counts requests, not seconds.

    The demo limits by requests rather than wall-clock time so that a fuzz run meets the same 429s every time
    (with the seed, the same cases and findings): with `tick=0.05` and a limit of 10 per second, at most 10 of any
    20 consecutive requests get through.
    """

    def __init__(self, tick: float) -> None:
        self._tick = tick
        self._now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self._now += self._tick
            return self._now


class SlidingWindowLimiter:
    """At most `limit` hits per key within any `window` seconds.

    >>> limiter = SlidingWindowLimiter(limit=2, window=1.0, clock=lambda: 0.0)
    >>> limiter.hit("k"), limiter.hit("k"), limiter.hit("k")
    (None, None, 1)
    """

    def __init__(self, *, limit: int, window: float, clock: Clock) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @property
    def limit(self) -> int:
        return self._limit

    def remaining(self, key: str) -> int:
        """Hits `key` has left in the current window (as of the last hit)."""
        with self._lock:
            return max(0, self._limit - len(self._hits.get(key, ())))

    def hit(self, key: str) -> int | None:
        """Count a hit; when over the limit, return the whole seconds to wait instead (the hit is not counted)."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self._window:
                hits.popleft()
            if len(hits) >= self._limit:
                return max(1, math.ceil(hits[0] + self._window - now))
            hits.append(now)
            return None
