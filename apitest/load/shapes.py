"""Load shapes as plain data: users over time (closed model) and a timetable of request starts (open model).

Engine-free, so the pytest side can check and describe a profile; the Locust child turns the stages into a
`LoadTestShape` and the timetable into request starts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ..settings import LoadProfile

# An arrival profile keeps its users this long past spawning them and running the timetable, which starts
# once they are all spawned.
ARRIVAL_SLACK_S = 1.5


@dataclass(frozen=True, slots=True)
class Stage:
    """Until `end_s` (from the start), run `users` users, starting or stopping `spawn_rate` of them per second."""

    end_s: float
    users: int
    spawn_rate: float


@dataclass(frozen=True, slots=True)
class Timetable:
    """Request starts at `rate` per second, climbing linearly from `start_rate` over the first `ramp_s` seconds.

    The k-th request (k = 0, 1, ...) starts at `time_of(k)`, fixed in advance and independent of response times.

    >>> Timetable(rate=10, duration_s=1).time_of(3)
    0.3
    """

    rate: float
    duration_s: float
    start_rate: float | None = None
    ramp_s: float = 0.0

    @property
    def _r0(self) -> float:
        return self.rate if self.start_rate is None else self.start_rate

    def count_until(self, t: float) -> float:
        """How many requests are due by `t` seconds (fractional)."""
        r0, r1, ramp = self._r0, self.rate, self.ramp_s
        if ramp > 0 and t <= ramp:
            return r0 * t + (r1 - r0) * t * t / (2 * ramp)
        ramped = (r0 + r1) * ramp / 2 if ramp > 0 else 0.0
        return ramped + r1 * (t - max(ramp, 0.0))

    def time_of(self, k: int) -> float | None:
        """When the k-th request starts, or None when that is past the end of the profile."""
        r0, r1, ramp = self._r0, self.rate, self.ramp_s
        ramped = (r0 + r1) * ramp / 2 if ramp > 0 else 0.0
        if ramp > 0 and k <= ramped:
            a, b = (r1 - r0) / (2 * ramp), r0
            if abs(a) < 1e-12:
                t = k / b
            else:
                t = (-b + math.sqrt(max(b * b + 4 * a * k, 0.0))) / (2 * a)
        else:
            t = max(ramp, 0.0) + (k - ramped) / r1
        t = round(t, 9)
        return t if t < self.duration_s else None

    @property
    def total(self) -> int:
        """How many requests the whole timetable starts."""
        return math.ceil(round(self.count_until(self.duration_s), 9))


@dataclass(frozen=True, slots=True)
class Plan:
    shape: str
    stages: tuple[Stage, ...]
    timetable: Timetable | None = None

    @property
    def duration_s(self) -> float:
        return self.stages[-1].end_s if self.stages else 0.0

    def users_at(self, t: float) -> Stage | None:
        """The stage in force `t` seconds after the start; None once the profile is over."""
        for stage in self.stages:
            if t < stage.end_s:
                return stage
        return None


def plan(profile: LoadProfile) -> Plan:
    """The stages (and for `arrival`, the timetable) that a profile's settings describe."""
    p = profile
    d = p.duration
    if p.shape == "arrival":
        assert p.rate is not None  # settings require it
        timetable = Timetable(rate=p.rate, duration_s=d, start_rate=p.start_rate, ramp_s=min(p.ramp or 0.0, d))
        spawn_rate = p.spawn_rate or float(p.users)
        return Plan(p.shape, (Stage(d + p.users / spawn_rate + ARRIVAL_SLACK_S, p.users, spawn_rate),), timetable)
    if p.shape in ("ramp", "soak"):
        ramp = p.ramp if p.ramp is not None else (d / 2 if p.shape == "ramp" else min(60.0, d / 10))
        rate = p.spawn_rate or (p.users / ramp if ramp > 0 else float(p.users))
        return Plan(p.shape, (Stage(d, p.users, rate),))
    if p.shape == "step":
        step = p.step_users or max(1, math.ceil(p.users / 5))
        steps = math.ceil(p.users / step)
        every = p.step_duration or d / steps
        rate = p.spawn_rate or float(step)
        stages = [Stage(min(d, every * (i + 1)), min(p.users, step * (i + 1)), rate) for i in range(steps)]
        stages = [s for s in stages if s.end_s > 0]
        last = stages[-1]
        stages[-1] = Stage(d, last.users, last.spawn_rate)
        return Plan(p.shape, tuple(_merge(stages)))
    if p.shape == "spike":
        peak = p.spike_users or p.users * 10
        start = p.spike_at if p.spike_at is not None else d / 3
        length = p.spike_duration or d / 3
        rate = p.spawn_rate or float(max(peak, 1))
        stages = [
            Stage(min(start, d), p.users, rate),
            Stage(min(start + length, d), peak, rate),
            Stage(d, p.users, rate),
        ]
        return Plan(p.shape, tuple(_merge(s for s in stages if s.end_s > 0)))
    if p.shape == "burst":
        peak = p.burst_users or p.users * 5
        rate = p.spawn_rate or float(max(peak, 1))
        stages, t = [], 0.0
        while t < d:
            quiet_end = min(t + p.period - p.burst_duration, d)
            burst_end = min(t + p.period, d)
            stages.append(Stage(quiet_end, p.users, rate))
            if burst_end > quiet_end:
                stages.append(Stage(burst_end, peak, rate))
            t += p.period
        return Plan(p.shape, tuple(_merge(stages)))
    raise ValueError(f"unknown shape {p.shape!r}")


def _merge(stages: Iterable[Stage]) -> list[Stage]:
    """Drop empty stages and join neighbours that run the same users."""
    merged: list[Stage] = []
    for stage in stages:
        if merged and stage.end_s <= merged[-1].end_s:
            continue
        if merged and (merged[-1].users, merged[-1].spawn_rate) == (stage.users, stage.spawn_rate):
            merged[-1] = stage
        else:
            merged.append(stage)
    return merged
