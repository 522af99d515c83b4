"""`apitest report`: render the reports again from a report.json, or compare two runs.

    apitest report apitest-report/report.json --html out/report.html --md out/summary.md
    apitest report new/report.json --baseline old/report.json --html out/report.html
    apitest report --diff old/report.json new/report.json

Exit status: 0 done (for --diff: no new findings and no load regression), 1 (--diff only) new findings or
regressions, 4 bad arguments or a file that is not a readable apitest report.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from ..baseline import DEFAULT_TOLERANCE, compare, parse_tolerance, read_report
from ..errors import ApitestError, UsageParser
from ..results import RunResult, to_json

INPUT_ERROR = 4


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(
        prog="apitest report",
        description="Render report.html / summary.md / junit.xml / report.json again from a report.json, or compare two runs.",
    )
    parser.add_argument("report", nargs="?", type=Path, help="a report.json written by apitest")
    parser.add_argument("--html", type=Path, metavar="OUT", help="write the HTML report here")
    parser.add_argument("--md", type=Path, metavar="OUT", help="write the Markdown summary here")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write report.json here (with --baseline: including the comparison)"
    )
    parser.add_argument("--junit", type=Path, metavar="OUT", help="write JUnit XML here")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD",
        help="compare with an earlier report.json (new/fixed/persisting findings, load regressions)",
    )
    parser.add_argument(
        "--tolerance",
        default=f"{DEFAULT_TOLERANCE:.0%}",
        help="how much worse a load metric may get vs the baseline (default: %(default)s)",
    )
    parser.add_argument(
        "--diff",
        nargs=2,
        type=Path,
        metavar=("OLD", "NEW"),
        help="print what changed from OLD to NEW; exit 1 on new findings or regressions",
    )
    parser.add_argument("--format", choices=("md", "json"), default="md", help="--diff output format (default: md)")
    return parser


def main(argv: list[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        tolerance = parse_tolerance(args.tolerance, "--tolerance")
        if args.diff:
            if args.report is not None or args.baseline is not None:
                parser.error("--diff OLD NEW takes no other report or --baseline")
            return _diff(args.diff[0], args.diff[1], tolerance, args.format)
        if args.report is None:
            parser.error("give a report.json to render, or --diff OLD NEW")
        return _render(args, tolerance)
    except ApitestError as exc:
        print(f"ERROR: apitest report: {exc}", file=sys.stderr)
        return INPUT_ERROR


def _render(args: argparse.Namespace, tolerance: float) -> int:
    from . import html, json_report, junit, markdown

    result = read_report(args.report)
    if args.baseline is not None:
        result.baseline = compare(
            result, read_report(args.baseline), tolerance=tolerance, path=str(args.baseline), gate=_gate(result)
        )
    outputs: list[tuple[Path, Callable[[RunResult], str]]] = [
        (path, render)
        for path, render in (
            (args.html, html.render_html),
            (args.md, markdown.render_markdown),
            (args.json, json_report.render_json),
            (args.junit, junit.render_junit),
        )
        if path is not None
    ]
    if not outputs:
        outputs = [(args.report.with_name("report.html"), html.render_html)]
    for path, render in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(result), encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _gate(result: RunResult) -> str:
    """Keep the gate the run itself was judged by, if it had one."""
    return result.baseline.gate if result.baseline is not None else "all"


def _diff(old: Path, new: Path, tolerance: float, fmt: str) -> int:
    from .markdown import baseline_lines

    before, after = read_report(old, "--diff OLD"), read_report(new, "--diff NEW")
    comparison = compare(after, before, tolerance=tolerance, path=str(old), gate="new")
    if fmt == "json":
        print(json.dumps(to_json(comparison), indent=2))
    else:
        print(f"## apitest diff: {old} → {new}")
        print("\n".join(baseline_lines(comparison)).replace("### Baseline", "", 1).lstrip("\n"))
    return 0 if comparison.gate_passed else 1
