"""The suite's `[load]` table: `[load]` keys apply to every profile, `[load.NAME]` declares a profile.

```toml
[load]
allow_hosts = ["staging.example.com"]    # loopback is always allowed; anything else must be listed
locustfile = "loadtests/storefront.py"   # else loadtests/locustfile.py, else a traffic mix derived from the spec

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

import math
from dataclasses import dataclass, field
from typing import Any

from .._table import Table
from ..errors import ConfigError

SHAPES = ("ramp", "step", "spike", "burst", "soak", "arrival")
LATENCY_METRICS = ("avg_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")
METRICS = (*LATENCY_METRICS, "error_rate", "min_rps", "max_missed_starts")
TOTAL = "total"

# Upper bounds that `allow_large = true` lifts: a typo must not turn a test run into a denial of service.
MAX_USERS = 1000
MAX_DURATION_S = 600.0
MAX_RATE = 5000.0
MAX_WORKERS = 32

_DEFAULT_DURATION = {"soak": 300.0}
_SETTINGS_KEYS = ("allow_hosts", "allow_large", "master", "worker_wait", "weights", "slo")
_SHARED_KEYS = ("locustfile", "workers", "think_time")  # defaults for every profile


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

    name: str
    shape: str = "ramp"
    users: int = 10
    duration_s: float = 30.0
    spawn_rate: float | None = None
    ramp_s: float | None = None
    step_users: int | None = None
    step_duration_s: float | None = None
    spike_users: int | None = None
    spike_at_s: float | None = None
    spike_duration_s: float | None = None
    burst_users: int | None = None
    burst_duration_s: float = 2.0
    period_s: float = 10.0
    rate: float | None = None
    start_rate: float | None = None
    locustfile: str | None = None
    workers: int = 0
    think_time: tuple[float, float] = (0.5, 1.5)
    slos: tuple[Slo, ...] = ()

    @property
    def peak_users(self) -> int:
        return max(self.users, self.spike_users or 0, self.burst_users or 0)


@dataclass(frozen=True, slots=True)
class LoadSettings:
    allow_hosts: tuple[str, ...] = ()
    allow_large: bool = False
    # "HOST:PORT" to bind the Locust master on for workers started on other machines (`workers` of them).
    master: str | None = None
    worker_wait_s: float = 60.0
    weights: dict[str, int] = field(default_factory=dict)  # "GET /path" -> weight in the derived mix; 0 leaves it out
    profiles: dict[str, LoadProfile] = field(default_factory=dict)


def parse_load(t: Table) -> LoadSettings:
    allow_large = t.bool("allow_large", False)
    settings = LoadSettings(
        allow_hosts=tuple(h.lower() for h in t.str_list("allow_hosts", [])),
        allow_large=allow_large,
        master=_master(t),
        worker_wait_s=t.float("worker_wait", 60.0, minimum=1.0),
        weights=_weights(t),
    )
    shared = {k: t.raw(k) for k in _SHARED_KEYS if t.raw(k) is not None}
    defaults = _slos(t.table("slo"))
    profiles: dict[str, LoadProfile] = {}
    for name, value in list(t.data.items()):
        if name in _SETTINGS_KEYS or name in _SHARED_KEYS:
            continue
        if not isinstance(value, dict):
            continue  # t.done() names it as an unknown key
        profiles[name] = _profile(name, t.table(name), shared, defaults, allow_large)
    t.done()
    if settings.master is not None and any(p.workers < 1 for p in profiles.values()):
        raise ConfigError(
            f"{t.where}: master = {settings.master!r} waits for remote workers; set workers = N (how many)."
        )
    return LoadSettings(
        allow_hosts=settings.allow_hosts,
        allow_large=settings.allow_large,
        master=settings.master,
        worker_wait_s=settings.worker_wait_s,
        weights=settings.weights,
        profiles=profiles,
    )


def _profile(name: str, p: Table, shared: dict[str, Any], defaults: tuple[Slo, ...], allow_large: bool) -> LoadProfile:
    for key, value in shared.items():
        p.data.setdefault(key, value)
    shape = p.choice("shape", SHAPES, "ramp")
    users_cap = None if allow_large else MAX_USERS
    duration_cap = None if allow_large else MAX_DURATION_S
    rate_cap = None if allow_large else MAX_RATE
    rate = p.float("rate", None, minimum=0.1, maximum=rate_cap)
    start_rate = p.float("start_rate", None, minimum=0.0, maximum=rate_cap)
    if shape == "arrival" and rate is None:
        raise ConfigError(f"{p.where}: shape = 'arrival' needs rate = REQUESTS_PER_SECOND.")
    default_users = max(10, math.ceil(max(rate or 0, start_rate or 0) / 2)) if shape == "arrival" else 10
    default_users = min(default_users, users_cap or default_users)
    users = p.int("users", default_users, minimum=1, maximum=users_cap)
    slo_table = p.table("slo")
    profile = LoadProfile(
        name=name,
        shape=shape,
        users=users,
        duration_s=p.float("duration", _DEFAULT_DURATION.get(shape, 30.0), minimum=1.0, maximum=duration_cap),
        spawn_rate=p.float("spawn_rate", None, minimum=0.1),
        ramp_s=p.float("ramp", None),
        step_users=p.int("step_users", None, minimum=1, maximum=users_cap),
        step_duration_s=p.float("step_duration", None, minimum=1.0),
        spike_users=p.int("spike_users", None, minimum=1, maximum=users_cap),
        spike_at_s=p.float("spike_at", None),
        spike_duration_s=p.float("spike_duration", None, minimum=1.0),
        burst_users=p.int("burst_users", None, minimum=1, maximum=users_cap),
        burst_duration_s=p.float("burst_duration", 2.0, minimum=1.0),
        period_s=p.float("period", 10.0, minimum=2.0),
        rate=rate,
        start_rate=start_rate,
        locustfile=p.str("locustfile", None),
        workers=p.int("workers", 0, minimum=0, maximum=None if allow_large else MAX_WORKERS),
        think_time=_think_time(p),
        slos=_merge_slos(defaults, _slos(slo_table)),
    )
    p.done()
    if shape == "burst" and profile.burst_duration_s >= profile.period_s:
        raise ConfigError(
            f"{p.where}: burst_duration = {profile.burst_duration_s:g} must be shorter than period = {profile.period_s:g}."
        )
    if any(s.metric == "max_missed_starts" for s in profile.slos) and shape != "arrival":
        raise ConfigError(f"{p.where}: max_missed_starts is measured by shape = 'arrival' profiles only; remove it.")
    return profile


def _slos(t: Table) -> tuple[Slo, ...]:
    """Numbers are gates on the profile's total; tables named after an endpoint hold that endpoint's gates."""
    slos: list[Slo] = []
    for metric in METRICS:  # known keys, for the "did you mean" of a misspelt one
        t.raw(metric)
    for key, value in list(t.data.items()):
        if isinstance(value, dict):
            endpoint = t.table(key)
            for metric in METRICS:
                endpoint.raw(metric)
            slos.extend(_slo(endpoint, metric, key) for metric in list(endpoint.data) if metric in METRICS)
            endpoint.done()  # an unknown metric is an unknown key, with a "did you mean"
        elif key in METRICS:
            slos.append(_slo(t, key, TOTAL))
    t.done()
    return tuple(slos)


def _slo(t: Table, metric: str, scope: str) -> Slo:
    if metric == "max_missed_starts" and scope != TOTAL:
        raise ConfigError(f"{t.where}: max_missed_starts applies to the whole profile; move it to the profile's [slo].")
    allowed = t.float(metric, 0.0, maximum=1.0 if metric == "error_rate" else None)
    return Slo(metric=metric, scope=scope, allowed=allowed)


def _merge_slos(defaults: tuple[Slo, ...], own: tuple[Slo, ...]) -> tuple[Slo, ...]:
    merged = {(s.metric, s.scope): s for s in defaults}
    merged.update({(s.metric, s.scope): s for s in own})
    return tuple(merged.values())


def _think_time(t: Table) -> tuple[float, float]:
    value = t.raw("think_time")
    if value is None:
        return (0.5, 1.5)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return (float(value), float(value))
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in value)
        and value[0] <= value[1]
    ):
        return (float(value[0]), float(value[1]))
    raise ConfigError.bad_value(
        "think_time", value, "seconds between a user's requests: a number or [min, max]", t.where
    )


def _master(t: Table) -> str | None:
    value = t.str("master", None)
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError.bad_value(
            "master", value, "'HOST:PORT' to bind the Locust master on, e.g. '0.0.0.0:5557'", t.where
        )
    return value


def _weights(t: Table) -> dict[str, int]:
    table = t.table("weights")
    weights = {}
    for key in list(table.data):
        weights[key] = table.int(key, 0, maximum=1000)
    table.done()
    return weights
