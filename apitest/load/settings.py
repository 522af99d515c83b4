"""The suite's `[load]` table: `[load]` keys apply to every profile, `[load.NAME]` declares a profile."""

from __future__ import annotations

from dataclasses import dataclass, field

from .._table import Table

SHAPES = ("spike", "step", "ramp", "soak", "burst", "arrival")


@dataclass(frozen=True, slots=True)
class LoadProfile:
    name: str
    shape: str = "ramp"
    users: int = 10
    spawn_rate: float = 10.0
    duration_s: float = 10.0


@dataclass(frozen=True, slots=True)
class LoadSettings:
    allow_hosts: tuple[str, ...] = ()
    profiles: dict[str, LoadProfile] = field(default_factory=dict)


def parse_load(t: Table) -> LoadSettings:
    allow_hosts = tuple(t.str_list("allow_hosts", []))
    profiles: dict[str, LoadProfile] = {}
    for name in [k for k in t.data if k != "allow_hosts"]:
        p = t.table(name)
        d = LoadProfile(name)
        profiles[name] = LoadProfile(
            name=name,
            shape=p.choice("shape", SHAPES, d.shape),
            users=p.int("users", d.users, minimum=1),
            spawn_rate=p.float("spawn_rate", d.spawn_rate),
            duration_s=p.float("duration", d.duration_s),
        )
        p.done()
    t.done()
    return LoadSettings(allow_hosts=allow_hosts, profiles=profiles)
