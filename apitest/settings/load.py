"""The suite's `[load]` table: `[load]` keys apply to every profile, `[load.NAME]` declares a profile.

```toml
[load]
allow_hosts = ["staging.example.com"]    # loopback is always allowed; anything else must be listed
locustfile = "loadtests/storefront.py"   # any profile key here is a default for every profile

[load.slo]                               # gates for every profile
error_rate = 0.01

[load.spike]
shape = "spike"
users = 5
spike_users = 50
duration = 30

[load.spike.slo]
p95_ms = 300
[load.spike.slo."GET /v1/books/{book_id}"]
p99_ms = 200
```
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen

from ..errors import did_you_mean
from .fields import setting
from .origins import Origin

SHAPES = ("ramp", "step", "spike", "burst", "soak", "arrival")
LATENCY_METRICS = ("avg_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")
METRICS = (*LATENCY_METRICS, "error_rate", "min_rps", "max_missed_starts")
TOTAL = "total"

# Upper bounds that `allow_large = true` lifts: a typo must not turn a test run into a denial of service.
MAX_USERS = 1000
MAX_DURATION_S = 600.0
MAX_RATE = 5000.0
MAX_WORKERS = 32
MAX_SPAWN_RATE = 1000.0

Shape = Literal["ramp", "step", "spike", "burst", "soak", "arrival"]
SloTable = dict[str, float | dict[str, float]]
Seconds = Annotated[float, Ge(0)]


def _seconds_or_range(text: str) -> str | list[str]:
    """`--apitest-load-think-time 1` or `0.5,1.5`."""
    parts = [p.strip() for p in text.split(",")]
    return parts if len(parts) > 1 else text


@dataclass(frozen=True, slots=True)
class Slo:
    """One gate: `metric` of `scope` (an endpoint name, or "total") must stay within `allowed`."""

    metric: str
    scope: str
    allowed: float


@dataclass(frozen=True, slots=True)
class LoadProfile:
    """One `[load.NAME]` table, with `[load]` defaults applied. Durations are in seconds.

    The shape decides the users over time: `ramp`/`soak` climb to `users` over `ramp`, then hold; `step` adds
    `step_users` every `step_duration`; `spike` holds `users` and jumps to `spike_users` at `spike_at` for
    `spike_duration`; `burst` jumps to `burst_users` for `burst_duration` once every `period`; `arrival` starts
    requests at `rate` per second (from `start_rate` over `ramp`) with at most `users` in flight.
    """

    __pydantic_config__ = {"extra": "forbid"}

    name: str = setting("", "The profile's name (its table's name).", internal=True)
    shape: Shape = setting("ramp", "How users come and go: ramp, step, spike, burst, soak, or arrival (requests/s).")
    users: Annotated[int, Ge(1)] = setting(
        10, "Users (the user pool of an arrival profile, default rate/2); at most 1000 unless allow_large."
    )
    duration: Annotated[float, Ge(1)] = setting(
        30.0, "Seconds the profile runs (soak: 300); at most 600 unless allow_large."
    )
    spawn_rate: Annotated[float, Ge(0.1)] | None = setting(None, "Users started per second (default: all at once).")
    ramp: Seconds | None = setting(None, "Seconds to climb to `users` (ramp, soak) or to `rate` (arrival).")
    step_users: Annotated[int, Ge(1)] | None = setting(None, "Users a step profile adds at each step.")
    step_duration: Annotated[float, Ge(1)] | None = setting(None, "Seconds between a step profile's steps.")
    spike_users: Annotated[int, Ge(1)] | None = setting(None, "Users during a spike profile's spike.")
    spike_at: Seconds | None = setting(None, "Second at which a spike profile's spike starts.")
    spike_duration: Annotated[float, Ge(1)] | None = setting(None, "Seconds a spike profile's spike lasts.")
    burst_users: Annotated[int, Ge(1)] | None = setting(None, "Users during each burst of a burst profile.")
    burst_duration: Annotated[float, Ge(1)] = setting(2.0, "Seconds each burst lasts.")
    period: Annotated[float, Ge(2)] = setting(10.0, "Seconds from one burst to the next.")
    rate: Annotated[float, Ge(0.1)] | None = setting(
        None, "Requests started per second (arrival); at most 5000 unless allow_large."
    )
    start_rate: Seconds | None = setting(None, "Requests per second an arrival profile starts from (ramping to rate).")
    locustfile: Annotated[str, MinLen(1)] | None = setting(
        None, "Locustfile, relative to the suite folder (default: loadtests/locustfile.py, else traffic from the spec)."
    )
    workers: Annotated[int, Ge(0)] = setting(
        0, "Locust worker processes (0: one process); at most 32 unless allow_large."
    )
    think_time: Seconds | tuple[Seconds, Seconds] = setting(
        (0.5, 1.5),
        "Seconds between a user's requests: a number, or [min, max].",
        expected="seconds between a user's requests: a number or [min, max]",
        parse=_seconds_or_range,
    )
    slo: SloTable = setting(
        {},
        "Gates: metric = limit for the profile's total, or a table named after an endpoint for that endpoint. "
        f"Metrics: {', '.join(METRICS)}.",
        file_only=True,
    )
    slos: tuple[Slo, ...] = field(default=(), metadata={"apitest": None})  # from `slo`, by settings.resolve

    @property
    def peak_users(self) -> int:
        return max(self.users, self.spike_users or 0, self.burst_users or 0)

    @property
    def think_range(self) -> tuple[float, float]:
        t = self.think_time
        return (float(t), float(t)) if isinstance(t, int | float) else (float(t[0]), float(t[1]))


@dataclass(frozen=True, slots=True)
class LoadSettings:
    __pydantic_config__ = {"extra": "forbid"}

    allow_hosts: tuple[Annotated[str, MinLen(1)], ...] = setting(
        (), "Hosts besides loopback that load may be sent to (you own them and mean to load them)."
    )
    allow_large: bool = setting(False, "Lift the bounds on users, durations, rates and workers.")
    master: Annotated[str, MinLen(1)] | None = setting(
        None,
        "HOST:PORT to bind the Locust master on, for `workers` workers started on other machines.",
        expected="'HOST:PORT' to bind the Locust master on, e.g. '0.0.0.0:5557'",
    )
    worker_wait: Annotated[float, Ge(1), Le(600)] = setting(60.0, "Seconds to wait for Locust workers to connect.")
    weights: dict[str, Annotated[int, Ge(0), Le(1000)]] = setting(
        {},
        'Weights of the traffic derived from the spec: {"GET /path" = N}; 0 leaves an operation out.',
        file_only=True,
    )
    profiles: dict[str, LoadProfile] = setting({}, "The load profiles: one [load.NAME] table each.")


def finish(settings: LoadSettings, origin: Callable[[str], Origin]) -> LoadSettings:
    """Defaults that depend on the shape, bounds `allow_large` lifts, rules across keys, and each profile's gates."""
    if settings.master is not None:
        host, sep, port = settings.master.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise origin("load.master").bad_value(
                "master", settings.master, "'HOST:PORT' to bind the Locust master on, e.g. '0.0.0.0:5557'"
            )
    profiles = {
        name: _profile(profile, _profile_origin(origin, name), settings.allow_large)
        for name, profile in settings.profiles.items()
    }
    if settings.master is not None:
        for profile in profiles.values():
            if profile.workers < 1:
                raise origin("load.master").error(
                    f"master = {settings.master!r} waits for remote workers; set workers = N (how many) in [load]."
                )
    return dataclasses.replace(
        settings, allow_hosts=tuple(h.lower().strip("[]") for h in settings.allow_hosts), profiles=profiles
    )


def _profile_origin(origin: Callable[[str], Origin], name: str) -> Callable[[str], Origin]:
    return lambda key: origin(f"load.profiles.{name}.{key}")


def _profile(p: LoadProfile, origin: Callable[[str], Origin], allow_large: bool) -> LoadProfile:
    changes: dict[str, object] = {}
    if p.shape == "arrival":
        if p.rate is None:
            raise origin("shape").error("shape = 'arrival' needs rate = REQUESTS_PER_SECOND.")
        if origin("users").kind == "default":
            pool = max(10, math.ceil(max(p.rate, p.start_rate or 0) / 2))
            changes["users"] = pool if allow_large else min(pool, MAX_USERS)
    if p.shape == "soak" and origin("duration").kind == "default":
        changes["duration"] = 300.0
    p = dataclasses.replace(p, **changes)  # type: ignore[arg-type]
    if not allow_large:
        for key, bound in (
            ("users", MAX_USERS),
            ("step_users", MAX_USERS),
            ("spike_users", MAX_USERS),
            ("burst_users", MAX_USERS),
            ("duration", MAX_DURATION_S),
            # every stage of a shape too: a ramp or spike set in hours is as much of a mistake as a duration
            ("ramp", MAX_DURATION_S),
            ("step_duration", MAX_DURATION_S),
            ("spike_at", MAX_DURATION_S),
            ("spike_duration", MAX_DURATION_S),
            ("burst_duration", MAX_DURATION_S),
            ("period", MAX_DURATION_S),
            ("rate", MAX_RATE),
            ("start_rate", MAX_RATE),
            ("workers", MAX_WORKERS),
            ("spawn_rate", MAX_SPAWN_RATE),
        ):
            value = getattr(p, key)
            if value is not None and value > bound:
                raise origin(key).error(
                    f"{key} = {value:g} is over {bound:g}; set allow_large = true in [load] if you mean it."
                )
    low, high = p.think_range
    if low > high:
        raise origin("think_time").error(f"think_time = [{low:g}, {high:g}]: the minimum is over the maximum.")
    if p.shape == "burst" and p.burst_duration >= p.period:
        raise origin("burst_duration").error(
            f"burst_duration = {p.burst_duration:g} must be shorter than period = {p.period:g}."
        )
    slos = _slos(p.slo, origin("slo"))
    if any(s.metric == "max_missed_starts" for s in slos) and p.shape != "arrival":
        raise origin("slo").error("max_missed_starts is measured by shape = 'arrival' profiles only; remove it.")
    return dataclasses.replace(p, slos=slos)


def _slos(table: SloTable, origin: Origin) -> tuple[Slo, ...]:
    """Numbers are gates on the profile's total; tables named after an endpoint hold that endpoint's gates."""
    slos: list[Slo] = []
    for key, value in table.items():
        if isinstance(value, dict):
            for metric, limit in value.items():
                slos.append(_slo(metric, limit, key, origin, f"slo.{key!r}"))
        elif key in METRICS:
            slos.append(_slo(key, value, TOTAL, origin, "slo"))
        else:
            raise origin.error(f"slo: unknown metric {key!r}.{did_you_mean(key, METRICS)}")
    return tuple(slos)


def _slo(metric: str, limit: float, scope: str, origin: Origin, where: str) -> Slo:
    if metric not in METRICS:
        raise origin.error(f"{where}: unknown metric {metric!r}.{did_you_mean(metric, METRICS)}")
    if metric == "max_missed_starts" and scope != TOTAL:
        raise origin.error(f"{where}: max_missed_starts applies to the whole profile; move it to the profile's [slo].")
    if limit < 0 or (metric == "error_rate" and limit > 1):
        expected = "a number >= 0 and <= 1" if metric == "error_rate" else "a number >= 0"
        raise origin.bad_value(f"{where}.{metric}", f"{limit:g}", expected)
    return Slo(metric=metric, scope=scope, allowed=float(limit))
