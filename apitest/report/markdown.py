"""summary.md: a short Markdown summary for pull requests and CI step summaries.

Text from the target (titles, operations, messages) is escaped so it cannot add HTML, links or table cells to
a rendered pull-request comment. `append_step_summary` adds the summary to `$GITHUB_STEP_SUMMARY`.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from ..results import Comparison, RunResult, SloResult, Source, Tested
from ..settings.load import TOTAL
from .headline import baseline_sentence, headline

VERDICT_ICON = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error", "incomplete": "⏹️ incomplete"}
MAX_ROWS = 50
_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~])")


def _cell(text: str | None, limit: int = 200) -> str:
    """Plain text in a table cell: Markdown and HTML characters escaped, one line."""
    return _SPECIAL.sub(r"\\\1", " ".join((text or "").split())[:limit])


def _code(text: str | None, limit: int = 120) -> str:
    """Text as an inline code span; nothing inside a code span is interpreted but a backtick or a table pipe."""
    flat = " ".join((text or "").split())[:limit].replace("`", "'").replace("|", "\\|")
    return f"`{flat}`" if flat else ""


def render_markdown(result: RunResult) -> str:
    s = result.summary()
    lines = [
        f"## apitest: {VERDICT_ICON[result.verdict]}",
        "",
        _cell(headline(result), 1000),
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
        lines += [f"- {_cell(e.message, 500)}" for e in result.errors]
    if result.baseline:
        lines += baseline_lines(result.baseline)
    if result.findings:
        lines += _finding_lines(result)
    lacking = [c for c in result.coverage if not c.probed and c.tested is not Tested.FULLY]
    if lacking:
        lines += ["", "### Operations not fully tested", "", "| operation | tested | why |", "|---|---|---|"]
        for c in lacking[:MAX_ROWS]:
            lines.append(f"| {_code(c.operation)} | {c.tested.value} | {_cell('; '.join(c.notes), 300)} |")
    noted = [(i, note) for i in result.items for note in i.notes]
    if noted:  # what an item could not check, and why (the follow-up checks that found nothing to work on...)
        lines += ["", "### Not checked", ""]
        lines += [
            f"- {_code(f'{i.suite}: {i.name}' if i.suite else i.name)}: {_cell(note, 500)}"
            for i, note in noted[:MAX_ROWS]
        ]
        if len(noted) > MAX_ROWS:
            lines.append(f"\n… and {len(noted) - MAX_ROWS} more in report.json")
    if result.load:
        lines += [
            "",
            "### Load",
            "",
            "| profile | requests | failures | rps | p95 ms (all) | p99 ms (all) | SLOs: measured vs allowed |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for r in result.load:
            slos = ", ".join(_slo_cell(x) for x in r.slos) or "-"
            t = r.total
            lines.append(
                f"| {_cell(r.profile)} | {t.requests} | {t.failures} | {t.rps:.1f} | {t.p95_ms:.0f} | {t.p99_ms:.0f} | {slos} |"
            )
    return "\n".join(lines) + "\n"


def _slo_cell(slo: SloResult) -> str:
    """`✅ p95_ms 120 ≤ 250` for the profile's total; an endpoint's gate names the endpoint."""
    scope = "" if slo.scope == TOTAL else f"{_code(slo.scope)} "
    sign = "≥" if slo.metric == "min_rps" else "≤"
    return f"{'✅' if slo.passed else '❌'} {scope}{_cell(slo.metric)} {slo.measured:g} {sign} {slo.allowed:g}"


def _finding_lines(result: RunResult) -> list[str]:
    new = {ref.fingerprint for ref in result.baseline.new} if result.baseline is not None else set()
    findings = list(result.findings)
    if result.baseline:
        findings.sort(key=lambda f: f.fingerprint not in new)  # stable: new ones first, each part still by severity
    head = "| severity | side | operation | check | title |"
    rule = "|---|---|---|---|---|"
    if result.baseline:
        head, rule = "| baseline | " + head[2:], "|---" + rule
    lines = ["", "### Findings", "", head, rule]
    for f in findings[:MAX_ROWS]:
        status = ("🆕 new | " if f.fingerprint in new else "known | ") if result.baseline else ""
        lines.append(
            f"| {status}{f.severity.value} | {f.source.value} | {_code(f.operation)} | {_cell(f.check)} | {_cell(f.title)} |"
        )
    if len(findings) > MAX_ROWS:
        lines.append(f"\n… and {len(findings) - MAX_ROWS} more in report.json")
    return lines


def baseline_lines(comparison: Comparison) -> list[str]:
    """The "Baseline" section of a comparison."""
    started = comparison.started
    when = f" (run of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))})" if started is not None else ""
    verdict = "✅ passed" if comparison.gate_passed else "❌ failed"
    lines = [
        "",
        "### Baseline",
        "",
        f"Compared with {_code(comparison.path)}{when}, tolerance {comparison.tolerance:.0%}, "
        f"gate `{_cell(comparison.gate)}`: {verdict}",
        "",
        _cell(baseline_sentence(comparison), 1000) + ".",
    ]
    for refs, title in ((comparison.new, "New findings"), (comparison.fixed, "Fixed findings")):
        if not refs:
            continue
        lines += ["", f"#### {title}", "", "| severity | side | operation | check | title |", "|---|---|---|---|---|"]
        for ref in refs[:MAX_ROWS]:
            lines.append(
                f"| {_cell(ref.severity)} | {_cell(ref.source)} | {_code(ref.operation)} | {_cell(ref.check)} | {_cell(ref.title)} |"
            )
        if len(refs) > MAX_ROWS:
            lines.append(f"\n… and {len(refs) - MAX_ROWS} more")
    if comparison.regressions:
        lines += [
            "",
            "#### Load regressions",
            "",
            "| profile | scope | metric | baseline | now | allowed | change |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for r in comparison.regressions[:MAX_ROWS]:
            change = f"{r.change:+.0%}" if r.change is not None else "n/a"
            lines.append(
                f"| {_cell(r.suite + '/' + r.profile)} | {_code(r.scope)} | {_cell(r.metric)} | {_num(r.baseline)} | {_num(r.current)} | {_num(r.allowed)} | {change} |"
            )
    return lines


def _num(value: float) -> str:
    return f"{value:.4g}"


def append_step_summary(result: RunResult, environ: Mapping[str, str] | None = None) -> Path | None:
    """Append the summary to the file named by `$GITHUB_STEP_SUMMARY` (GitHub Actions), when it is set."""
    target = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(render_markdown(result) + "\n")
    except OSError as exc:
        print(f"apitest: cannot append the summary to GITHUB_STEP_SUMMARY={target} ({exc.strerror})", file=sys.stderr)
        return None
    return path
