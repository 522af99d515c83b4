"""Load goes to loopback only, unless the suite allow-lists the host: a load test is a denial of service by design."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from ..errors import UnsafeTargetError

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and the names that mean this machine; a name is never resolved (DNS could say anything)."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_target(base_url: str, allow_hosts: Iterable[str], where: str) -> str:
    """The host of `base_url`, if load may go there; else UnsafeTargetError naming the fix."""
    host = (urlsplit(base_url).hostname or "").lower()
    if not host:
        raise UnsafeTargetError(f"{where}: base URL {base_url!r} names no host; load needs an http(s)://HOST URL.")
    if is_loopback(host) or host in {h.lower().strip("[]") for h in allow_hosts}:
        return host
    raise UnsafeTargetError(
        f"{where}: refusing to load {host} ({base_url}): it is not loopback and not allow-listed. "
        f'If you own it and mean to load it, add allow_hosts = ["{host}"] to [load].'
    )
