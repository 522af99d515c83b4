"""The `apitest` section at the end of the pytest terminal output: lines with their colours.

Error messages are not repeated here: pytest has shown each one already, as its usage error or in the failed
item's report. Colours follow pytest's terminal writer, which honours NO_COLOR and FORCE_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..results import RunResult

Line = tuple[str, dict[str, Any]]
VERDICT_MARKUP: dict[str, dict[str, Any]] = {
    "passed": {"green": True, "bold": True},
    "failed": {"red": True, "bold": True},
    "error": {"red": True, "bold": True},
}


def summary_lines(result: RunResult, written: Sequence[Path]) -> list[Line]:
    s = result.summary()
    verdict = (
        f"verdict: {result.verdict}  items: {s['items']}  fuzz cases: {s['cases']}  findings: {s['findings']}"
        + (f"  errors: {s['errors']} (shown above)" if s["errors"] else "")
        + ("" if result.meta.complete else "  (incomplete run)")
    )
    if result.meta.seed is not None:
        verdict += f"  seed: {result.meta.seed}"
    lines: list[Line] = [(verdict, VERDICT_MARKUP.get(result.verdict, {}))]
    by_sev = ", ".join(f"{n} {sev}" for sev, n in s["findings_by_severity"].items() if n)
    if by_sev:
        lines.append((f"findings by severity: {by_sev}", {}))
    for f in result.findings[:20]:
        where = f" {f.operation}" if f.operation else ""
        lines.append((f"  [{f.severity.value}] {f.source.value}{where}: {f.check}: {f.title}", {}))
    if len(result.findings) > 20:
        lines.append((f"  ... {len(result.findings) - 20} more in the report", {}))
    if result.baseline:
        b, counts = result.baseline, result.baseline.get("counts", {})
        lines.append(
            (
                f"baseline {b.get('path', '')}: {counts.get('new', 0)} new, {counts.get('fixed', 0)} fixed, "
                f"{counts.get('persisting', 0)} persisting findings, {counts.get('regressions', 0)} load regressions; "
                f"gate {b.get('gate', 'all')}: {'passed' if b.get('gate_passed') else 'failed'}",
                {},
            )
        )
        for r in b.get("regressions", [])[:10]:
            lines.append(
                (
                    f"  regression {r['suite']}/{r['profile']} {r['scope']} {r['metric']}: {r['baseline']:.4g} -> "
                    f"{r['current']:.4g} (allowed {r['allowed']:.4g})",
                    {},
                )
            )
    lines.append(("report: " + ", ".join(str(p) for p in written), {}))
    return lines
