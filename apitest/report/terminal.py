"""The `apitest` section at the end of the pytest terminal output: lines with their colours.

Error messages are not repeated here: pytest has shown each one already, as its usage error or in the failed
item's report. Colours follow pytest's terminal writer, which honours NO_COLOR and FORCE_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..results import RunResult
from .headline import baseline_sentence, headline, untested_lines

Line = tuple[str, dict[str, Any]]
VERDICT_MARKUP: dict[str, dict[str, Any]] = {
    "passed": {"green": True, "bold": True},
    "failed": {"red": True, "bold": True},
    "error": {"red": True, "bold": True},
    "incomplete": {"yellow": True, "bold": True},
}


def summary_lines(result: RunResult, written: Sequence[Path]) -> list[Line]:
    s = result.summary()
    lines: list[Line] = [(f"{result.verdict}: {headline(result)}", VERDICT_MARKUP.get(result.verdict, {}))]
    if s["errors"]:
        lines.append((f"the setup error{'s are' if s['errors'] > 1 else ' is'} shown above", {}))
    by_sev = ", ".join(f"{n} {sev}" for sev, n in s["findings_by_severity"].items() if n)
    if by_sev:
        lines.append((f"findings by severity: {by_sev}", {}))
    for f in result.findings[:20]:
        where = f" {f.operation}" if f.operation else ""
        warning = " (warning)" if f.warning else ""
        lines.append((f"  [{f.severity.value}]{warning} {f.source.value}{where}: {f.check}: {f.title}", {}))
    if len(result.findings) > 20:
        lines.append((f"  ... {len(result.findings) - 20} more in the report", {}))
    lines += [(line, {"yellow": True}) for line in untested_lines(result, limit=10)]
    b = result.baseline
    if b is not None:
        verdict = "passed" if b.gate_passed else "failed"
        lines.append((f"baseline {b.path}: {baseline_sentence(b)}; gate {b.gate}: {verdict}", {}))
        for r in b.regressions[:10]:
            lines.append(
                (
                    f"  regression {r.suite}/{r.profile} {r.scope} {r.metric}: {r.baseline:.4g} -> {r.current:.4g} "
                    f"(allowed {r.allowed:.4g})",
                    {},
                )
            )
    lines.append(("report: " + ", ".join(str(p) for p in written), {}))
    return lines
