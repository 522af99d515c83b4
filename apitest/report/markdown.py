"""summary.md: a short Markdown summary for pull requests and CI step summaries."""

from __future__ import annotations

from ..results import RunResult, Source

VERDICT_ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error"}


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")[:200]


def render_markdown(result: RunResult) -> str:
    s = result.summary()
    lines = [
        f"## apitest: {VERDICT_ICON[result.verdict]}",
        "",
        f"{s['items']} items, {s['cases']} fuzz cases, {s['findings']} findings, {s['errors']} errors"
        + ("" if result.meta.complete else " (incomplete run)"),
        "",
        "| side | items | failed | findings |",
        "|---|---:|---:|---:|",
    ]
    for source in Source:
        items = [i for i in result.items if i.source is source]
        failed = sum(1 for i in items if i.outcome.value != "passed")
        lines.append(f"| {source.value} | {len(items)} | {failed} | {s['findings_by_source'][source.value]} |")
    if result.errors:
        lines += ["", "### Errors", ""]
        lines += [f"- {_cell(e.message)}" for e in result.errors]
    if result.findings:
        lines += ["", "### Findings", "", "| severity | side | operation | check | title |", "|---|---|---|---|---|"]
        for f in result.findings[:50]:
            lines.append(f"| {f.severity.value} | {f.source.value} | `{_cell(f.operation)}` | {_cell(f.check)} | {_cell(f.title)} |")
        if len(result.findings) > 50:
            lines.append(f"\n… and {len(result.findings) - 50} more in report.json")
    if result.load:
        lines += ["", "### Load", "", "| profile | requests | failures | rps | p95 ms | p99 ms | SLOs |", "|---|---:|---:|---:|---:|---:|---|"]
        for r in result.load:
            slos = ", ".join(f"{'✅' if x.passed else '❌'} {x.metric} {x.measured:g}/{x.allowed:g}" for x in r.slos) or "-"
            t = r.total
            lines.append(f"| {r.profile} | {t.requests} | {t.failures} | {t.rps:.1f} | {t.p95_ms:.0f} | {t.p99_ms:.0f} | {slos} |")
    return "\n".join(lines) + "\n"
