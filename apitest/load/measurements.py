"""The Locust child's raw statistics (see `_locust_main`) as our result model: LatencyStats, TimelinePoint, LoadResult."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from ..results import LatencyStats, LoadResult, TimelinePoint

TOTAL_NAME = "Aggregated"  # Locust's name for the total row

_STATUS = re.compile(r"(?:\b|code=)([1-5]\d\d)\b")
_CLASS = re.compile(r"^([A-Za-z_][\w.]*)\(")


def percentile(times: Mapping[int, int], count: int, q: float) -> float:
    """The response time `q` (0-1) of the requests took at most; Locust's definition, on its rounded histogram."""
    if count <= 0:
        return 0.0
    wanted = int(count * q)
    seen = 0
    for ms in sorted(times, reverse=True):
        seen += times[ms]
        if count - seen <= wanted:
            return float(ms)
    return 0.0


def failure_kind(error: str) -> str:
    """A short, stable name for a Locust error string: "HTTP 503", "ConnectionRefusedError", "Timeout"..."""
    text = error.strip()
    if text.startswith("CatchResponseError("):
        inner = text[len("CatchResponseError(") : -1].strip("'\"")
        status = _STATUS.search(inner)
        return f"HTTP {status.group(1)}" if status and "status" in inner.lower() else inner[:80] or "failure"
    match = _CLASS.match(text)
    name = match.group(1).rsplit(".", 1)[-1] if match else ""
    if name in ("HTTPError", "LocustBadStatusCode") or "Server Error" in text or "Client Error" in text:
        status = _STATUS.search(text)
        if status:
            return f"HTTP {status.group(1)}"
    if "timed out" in text.lower() or "timeout" in name.lower():
        return "Timeout"
    return name or text[:80]


def latency_stats(raw: Mapping[str, Any], duration_s: float, failures_by_kind: Mapping[str, int]) -> LatencyStats:
    times = {int(k): int(v) for k, v in raw.get("response_times", {}).items()}
    requests = int(raw.get("num_requests", 0))
    timed = requests - int(raw.get("num_none_requests", 0))
    max_ms = round(float(raw.get("max_response_time", 0)), 2)

    def pct(q: float) -> float:
        # Locust's histogram rounds to 2 significant digits (227 ms -> 230): never report above the true maximum.
        return min(percentile(times, timed, q), max_ms)

    return LatencyStats(
        name=str(raw.get("name", "")),
        method=str(raw.get("method", "")),
        requests=requests,
        failures=int(raw.get("num_failures", 0)),
        rps=round(requests / duration_s, 2) if duration_s > 0 else 0.0,
        avg_ms=round(int(raw.get("total_response_time", 0)) / timed, 2) if timed > 0 else 0.0,
        p50_ms=pct(0.50),
        p90_ms=pct(0.90),
        p95_ms=pct(0.95),
        p99_ms=pct(0.99),
        max_ms=max_ms,
        failures_by_kind=dict(sorted(failures_by_kind.items())),
    )


def load_result(raw: Mapping[str, Any], *, suite: str, profile: str, shape: str) -> LoadResult:
    duration = float(raw["duration_s"])
    by_endpoint: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for error in raw.get("errors", []):
        by_endpoint[(str(error["name"]), str(error["method"]))][failure_kind(str(error["error"]))] += int(
            error["occurrences"]
        )
    total_kinds: Counter[str] = Counter()
    for kinds in by_endpoint.values():
        total_kinds.update(kinds)
    endpoints = tuple(
        latency_stats(e, duration, by_endpoint.get((e["name"], e["method"]), Counter())) for e in raw["entries"]
    )
    total = latency_stats({**raw["total"], "name": TOTAL_NAME, "method": ""}, duration, total_kinds)
    timeline = tuple(
        TimelinePoint(
            t=float(p["t"]),
            users=int(p["users"]),
            rps=float(p["rps"]),
            p50_ms=float(p["p50_ms"]),
            p95_ms=float(p["p95_ms"]),
            p99_ms=float(p["p99_ms"]),
            errors=int(p["errors"]),
        )
        for p in raw.get("timeline", [])
    )
    return LoadResult(
        suite=suite,
        profile=profile,
        shape=shape,
        duration_s=duration,
        total=total,
        endpoints=endpoints,
        timeline=timeline,
        users_max=int(raw.get("users_max", 0)),
        missed_starts=int(raw.get("missed_starts", 0)),
        workers=int(raw.get("workers", 0)),
    )
