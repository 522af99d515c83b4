"""Load goes to loopback only, unless the suite allow-lists the host: a load test is a denial of service by design.

A name is loopback only if it resolves to loopback addresses, and to nothing else: `api.localhost` is meant to, but
resolution is the resolver's, and a hosts file or DNS could send it anywhere. Redirects are held to the same rule in
every Locust process (`_plugin.guard_redirects`).
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from ..errors import UnsafeTargetError

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address `host` resolves to (none if it does not)."""
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (OSError, UnicodeError):
        return []


def is_loopback(host: str, resolver: Resolver = resolve) -> bool:
    """127.0.0.0/8, ::1, and the names that mean this machine when every address they resolve to is loopback."""
    host = host.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if host not in LOOPBACK_NAMES and not host.endswith(".localhost"):
        return False
    addresses = resolver(host)
    return bool(addresses) and all(_loopback_address(a) for a in addresses)


def _loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def check_target(base_url: str, allow_hosts: Iterable[str], where: str, resolver: Resolver = resolve) -> str:
    """The host of `base_url`, if load may go there; else UnsafeTargetError naming the fix."""
    host = (urlsplit(base_url).hostname or "").lower()
    if not host:
        raise UnsafeTargetError(f"{where}: base URL {base_url!r} names no host; load needs an http(s)://HOST URL.")
    if host in {h.lower().strip("[]") for h in allow_hosts} or is_loopback(host, resolver):
        return host
    name = host.strip("[]").rstrip(".")
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):
        addresses = resolver(name)
        found = f"it resolves to {', '.join(addresses)}" if addresses else "it does not resolve"
        raise UnsafeTargetError(
            f"{where}: refusing to load {host} ({base_url}): {found}, not to loopback only. Use 127.0.0.1, or, if you "
            f'own the host it resolves to and mean to load it, add allow_hosts = ["{host}"] to [load].'
        )
    raise UnsafeTargetError(
        f"{where}: refusing to load {host} ({base_url}): it is not loopback and not allow-listed. "
        f'If you own it and mean to load it, add allow_hosts = ["{host}"] to [load].'
    )


@functools.lru_cache(maxsize=256)
def may_receive(host: str, allow_hosts: tuple[str, ...]) -> bool:
    """Whether load (a redirect followed included) may go to `host`; cached per process."""
    host = host.lower().strip("[]")
    return host in allow_hosts or is_loopback(host)
