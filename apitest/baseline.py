"""Comparing a run with an earlier one (a baseline report.json), and the gate that decides the exit status.

Findings are matched by `Finding.fingerprint` (source, suite, check, operation and key; never the message, whose
values change from run to run), so each distinct problem is *new*, *persisting* or *fixed*. A baseline finding
whose pytest item did not run this time (deselected with `-k`, another suite) is *not run*, not fixed.

Load metrics are compared per (suite, profile, scope), where scope is "total" or an endpoint "METHOD name":
latency percentiles and the error rate regress when they grow, throughput when it drops, beyond the tolerance.

The comparison is stored in `RunResult.baseline` (and so in report.json) as `Comparison.to_dict()`::

    {"version": 1, "path": "old/report.json", "started": 1763950000.0, "tolerance": 0.1,
     "gate": "new", "gate_passed": true,
     "counts": {"new": 0, "fixed": 1, "persisting": 2, "not_run": 0, "regressions": 0, "compared": 12},
     "new": [FindingRef], "fixed": [FindingRef], "persisting": [FindingRef], "not_run": [FindingRef],
     "regressions": [Regression]}

where a FindingRef is {"fingerprint", "source", "suite", "check", "operation", "title", "severity", "count"}
(`count`: findings with that fingerprint in the run it comes from) and a Regression is {"suite", "profile",
"scope", "metric", "baseline", "current", "allowed", "change", "tolerance"} (`change`: relative, null when the
baseline value is 0).
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .results import (
    BaselineCounts,
    Comparison,
    Finding,
    FindingRef,
    LatencyStats,
    LoadResult,
    Regression,
    RunResult,
)
from .settings.run import percent

COMPARISON_VERSION = 1
DEFAULT_GATE = "all"
DEFAULT_TOLERANCE = 0.10

# metric -> True when a higher value is worse
METRICS: dict[str, bool] = {"p95_ms": True, "p99_ms": True, "error_rate": True, "rps": False}
# A metric is compared only when both runs made this many requests in its scope: a percentile needs at least five
# requests beyond it (p95: 100, p99: 500), or it is the noise of one or two slow requests.
MIN_REQUESTS: dict[str, int] = {"p95_ms": 100, "p99_ms": 500, "error_rate": 100, "rps": 30}
# Absolute slack added to the relative tolerance, so 4 ms -> 8 ms of scheduler jitter, or 0 -> 1 failure in
# 2,000 requests, is not a regression.
LATENCY_SLACK_MS = 5.0
ERROR_RATE_SLACK = 0.001


@dataclass(frozen=True, slots=True)
class GateSettings:
    """The baseline options of a run: `--apitest-baseline`, `--apitest-gate`, `--apitest-tolerance`."""

    gate: str = DEFAULT_GATE
    tolerance: float = DEFAULT_TOLERANCE
    baseline_path: str | None = None
    baseline: RunResult | None = None


def compare(
    current: RunResult,
    baseline: RunResult,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    path: str = "",
    gate: str = DEFAULT_GATE,
) -> Comparison:
    """`current` against `baseline`, judged by `gate`; warnings (findings that fail nothing) are left out."""
    now = _refs(current.failing)
    before = _refs(baseline.failing)
    ran_items = {i.nodeid for i in current.items}
    ran_sides = {(i.suite, i.source.value) for i in current.items}
    new = [ref for fp, ref in now.items() if fp not in before]
    persisting = [ref for fp, ref in now.items() if fp in before]
    fixed: list[FindingRef] = []
    not_run: list[FindingRef] = []
    baseline_items = {f.fingerprint: f.item for f in baseline.failing}
    for fp, ref in before.items():
        if fp in now:
            continue
        item = baseline_items[fp]
        ran = item in ran_items if item else (ref.suite, ref.source) in ran_sides
        (fixed if ran else not_run).append(ref)
    regressions, compared = _load_regressions(current.load, baseline.load, tolerance)
    comparison = Comparison(
        version=COMPARISON_VERSION,
        path=path,
        started=baseline.meta.started,
        tolerance=tolerance,
        gate=gate,
        counts=BaselineCounts(len(new), len(fixed), len(persisting), len(not_run), len(regressions), compared),
        new=tuple(new),
        fixed=tuple(fixed),
        persisting=tuple(persisting),
        not_run=tuple(not_run),
        regressions=tuple(regressions),
    )
    return dataclasses.replace(comparison, gate_passed=comparison.passes(gate))


def _refs(findings: Iterable[Finding]) -> dict[str, FindingRef]:
    """FindingRefs by fingerprint, in the findings' order, each naming the first (most severe) finding."""
    counts = Counter(f.fingerprint for f in findings)
    refs: dict[str, FindingRef] = {}
    for f in findings:
        fp = f.fingerprint
        if fp not in refs:
            refs[fp] = FindingRef(
                fp, f.source.value, f.suite, f.check, f.operation, f.title, f.severity.value, counts[fp]
            )
    return refs


def _load_regressions(
    current: Sequence[LoadResult], baseline: Sequence[LoadResult], tolerance: float
) -> tuple[list[Regression], int]:
    before = {(r.suite, r.profile): r for r in baseline}
    regressions: list[Regression] = []
    compared = 0
    for run in current:
        old = before.get((run.suite, run.profile))
        if old is None:
            continue
        old_endpoints = {_scope(e): e for e in old.endpoints}
        pairs = [("total", run.total, old.total)]
        pairs += [(_scope(e), e, old_endpoints[_scope(e)]) for e in run.endpoints if _scope(e) in old_endpoints]
        for scope, now, then in pairs:
            for metric, higher_is_worse in METRICS.items():
                if min(now.requests, then.requests) < MIN_REQUESTS[metric]:
                    continue
                compared += 1
                regression = _regression(metric, higher_is_worse, _value(now, metric), _value(then, metric), tolerance)
                if regression is not None:
                    allowed, change = regression
                    regressions.append(
                        Regression(
                            run.suite,
                            run.profile,
                            scope,
                            metric,
                            _value(then, metric),
                            _value(now, metric),
                            allowed,
                            change,
                            tolerance,
                        )
                    )
    return regressions, compared


def _scope(stats: LatencyStats) -> str:
    """ "METHOD name", whether or not the load tool already put the method in the name."""
    if not stats.method or stats.name.startswith(stats.method + " "):
        return stats.name
    return f"{stats.method} {stats.name}"


def _value(stats: LatencyStats, metric: str) -> float:
    return float(stats.error_rate if metric == "error_rate" else getattr(stats, metric))


def _regression(
    metric: str, higher_is_worse: bool, current: float, baseline: float, tolerance: float
) -> tuple[float, float | None] | None:
    """(allowed, relative change) when `current` is worse than `baseline` beyond the tolerance, else None."""
    change = (current - baseline) / baseline if baseline else None
    if higher_is_worse:
        slack = ERROR_RATE_SLACK if metric == "error_rate" else LATENCY_SLACK_MS
        allowed = baseline * (1 + tolerance) + slack
        return (round(allowed, 6), change) if current > allowed else None
    allowed = baseline * (1 - tolerance)
    return (round(allowed, 6), change) if current < allowed else None


def gate_passed(result: RunResult, settings: GateSettings, comparison: Comparison | None) -> bool:
    """Whether the run passes the gate; without a baseline every finding is new, so both gates want none."""
    if comparison is None:
        return not result.failing
    if settings.gate == "all" and result.failing:
        return False
    return comparison.passes(settings.gate)


def parse_tolerance(value: str, where: str) -> float:
    """'10%' or '0.1' -> 0.1 (`settings.run.percent`); a bare number above 1 is refused, as it is ambiguous."""
    try:
        number = percent(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 10:
        raise ConfigError(
            f"{where}: tolerance {value!r} is not valid; write a percentage such as 10% (or a fraction such as 0.1)."
        )
    return number


def read_report(path: Path, where: str = "") -> RunResult:
    """A report.json written by apitest, as a RunResult; ConfigError naming the file when it is not one."""
    label = f"{where}: " if where else ""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{label}{path} does not exist; point it at a report.json written by an earlier apitest run."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{label}{path}: cannot read ({exc.strerror}).") from exc
    except ValueError as exc:
        raise ConfigError(f"{label}{path}: not valid JSON ({exc}); expected a report.json written by apitest.") from exc
    version = data.get("schema_version") if isinstance(data, dict) else None
    if not isinstance(version, str) or not version.startswith("1."):
        raise ConfigError(f"{label}{path}: not an apitest report.json (schema_version {version!r}, expected 1.x).")
    try:
        return RunResult.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{label}{path}: not a valid apitest report.json ({type(exc).__name__}: {exc}).") from exc


__all__ = [
    "DEFAULT_GATE",
    "DEFAULT_TOLERANCE",
    "Comparison",
    "FindingRef",
    "GateSettings",
    "Regression",
    "compare",
    "gate_passed",
    "parse_tolerance",
    "read_report",
]
