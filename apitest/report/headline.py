"""The run in one line, and the baseline comparison in one sentence: written once, shown by every renderer."""

from __future__ import annotations

from ..results import Comparison, RunResult, Tested


def headline(result: RunResult) -> str:
    """`3 findings (1 warning) · 12 items · 799 fuzz cases · suites: demo · seed 1 · vs baseline: 1 new, 0 fixed, 0 regressions`."""
    s = result.summary()
    findings = _count(s["findings"], "finding") + (f" ({_count(s['warnings'], 'warning')})" if s["warnings"] else "")
    parts = [findings, _count(s["items"], "item"), f"{s['cases']:,} fuzz cases"]
    if s["errors"]:
        parts.append(_count(s["errors"], "setup error"))
    tested = s["operations"]
    if tested["partly"] or tested["not"]:
        parts.append(f"operations: {tested['fully']} fully, {tested['partly']} partly, {tested['not']} not tested")
    if result.meta.suites:
        parts.append("suites: " + ", ".join(result.meta.suites))
    if result.meta.seed is not None:
        parts.append(f"seed {result.meta.seed}")
    if result.baseline is not None:
        c = result.baseline.counts
        parts.append(f"vs baseline: {c.new} new, {c.fixed} fixed, {c.regressions} regressions")
    if not result.meta.complete:
        parts.append("incomplete run")
    return " · ".join(parts)


def baseline_sentence(comparison: Comparison) -> str:
    """`1 new, 2 fixed, 3 persisting findings (1 not run this time); 0 load regressions in 12 metrics compared`."""
    c = comparison.counts
    not_run = f" ({c.not_run} not run this time)" if c.not_run else ""
    return (
        f"{c.new} new, {c.fixed} fixed, {c.persisting} persisting findings{not_run}; "
        f"{c.regressions} load regressions in {c.compared} metrics compared"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def untested_lines(result: RunResult, limit: int) -> list[str]:
    """The operations fuzzing did not fully test, and why; one line for those that answered only 401/403."""
    lacking = [c for c in result.coverage if not c.probed and c.tested is not Tested.FULLY]
    if not lacking:
        return []
    walled = [c for c in lacking if any("answered only" in note for note in c.notes)]
    lines = [
        f"not fully tested: {len(lacking)} operation{'' if len(lacking) == 1 else 's'} (why, per operation, in the report)"
    ]
    if walled:
        lines.append(
            f"  {_count(len(walled), 'operation')} answered only 401/403: check the suite's credentials, unless "
            "they refuse by design"
        )
    for c in [c for c in lacking if c not in walled][:limit]:
        lines.append(f"  {c.operation}: {c.tested.value} tested: {'; '.join(c.notes)[:300]}")
    return lines
