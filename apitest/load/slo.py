"""SLO gates: each declared SLO against what the profile measured; a breached one is a Finding."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ConfigError, did_you_mean
from ..results import Finding, LatencyStats, LoadResult, Severity, SloResult, Source
from ..settings.load import LATENCY_METRICS, TOTAL, Slo

_TITLES = {
    "error_rate": "Error rate above SLO",
    "min_rps": "Throughput below SLO",
    "max_missed_starts": "Missed request starts above SLO",
}


def evaluate(result: LoadResult, slos: Sequence[Slo], where: str) -> tuple[tuple[SloResult, ...], list[Finding]]:
    """Every SLO's verdict, and a Finding per breach. An SLO on an endpoint the run never called is a ConfigError."""
    verdicts: list[SloResult] = []
    findings: list[Finding] = []
    for slo in slos:
        stats = result.total if slo.scope == TOTAL else _endpoint(result, slo, where)
        measured = measure(result, stats, slo.metric)
        passed = measured >= slo.allowed if slo.metric == "min_rps" else measured <= slo.allowed
        verdicts.append(
            SloResult(metric=slo.metric, scope=slo.scope, allowed=slo.allowed, measured=measured, passed=passed)
        )
        if not passed:
            findings.append(_finding(result, stats, slo, measured))
    return tuple(verdicts), findings


def measure(result: LoadResult, stats: LatencyStats, metric: str) -> float:
    if metric in LATENCY_METRICS:
        return float(getattr(stats, metric))
    if metric == "error_rate":
        return round(stats.error_rate, 6)
    if metric == "min_rps":
        return stats.rps
    if metric == "max_missed_starts":
        return float(result.missed_starts)
    raise ValueError(metric)


def _endpoint(result: LoadResult, slo: Slo, where: str) -> LatencyStats:
    for stats in result.endpoints:
        if slo.scope in (stats.name, f"{stats.method} {stats.name}"):
            return stats
    names = [e.name for e in result.endpoints]
    raise ConfigError(
        f"{where}: the SLO on endpoint {slo.scope!r} has nothing to judge: profile {result.profile!r} made no "
        f"requests named so.{did_you_mean(slo.scope, names)} Endpoints seen: {', '.join(names) or 'none'}."
    )


def _finding(result: LoadResult, stats: LatencyStats, slo: Slo, measured: float) -> Finding:
    scope = "all requests" if slo.scope == TOTAL else slo.scope
    context = f"(profile {result.profile!r}, {stats.requests:,} requests in {result.duration_s:.1f} s)"
    if slo.metric in LATENCY_METRICS:
        label = "average" if slo.metric == "avg_ms" else slo.metric.removesuffix("_ms")
        title = f"{label} latency above SLO"
        message = (
            f"{label} latency of {scope} was {measured:g} ms; the SLO allows at most {slo.allowed:g} ms {context}."
        )
    elif slo.metric == "error_rate":
        kinds = ", ".join(
            f"{kind} x{count}" for kind, count in sorted(stats.failures_by_kind.items(), key=lambda kv: -kv[1])
        )
        title = _TITLES[slo.metric]
        message = (
            f"error rate of {scope} was {measured:.2%} ({stats.failures:,} of {stats.requests:,} failed"
            f"{': ' + kinds if kinds else ''}); the SLO allows at most {slo.allowed:.2%} {context}."
        )
    elif slo.metric == "min_rps":
        title = _TITLES[slo.metric]
        message = (
            f"throughput of {scope} was {measured:g} requests/s; the SLO requires at least {slo.allowed:g} {context}."
        )
    else:
        title = _TITLES[slo.metric]
        message = (
            f"{measured:g} request starts were missed: no user was free when they were due, so the server was "
            f"not keeping up with the arrival rate. The SLO allows at most {slo.allowed:g} {context}."
        )
    return Finding(
        source=Source.LOAD,
        check=f"slo.{slo.metric}",
        operation=None if slo.scope == TOTAL else slo.scope,
        title=title,
        message=message,
        severity=Severity.HIGH if slo.metric == "error_rate" else Severity.MEDIUM,
        key=f"{result.profile}:{slo.metric}:{slo.scope}",
        details={
            "profile": result.profile,
            "metric": slo.metric,
            "scope": slo.scope,
            "measured": measured,
            "allowed": slo.allowed,
        },
    )
