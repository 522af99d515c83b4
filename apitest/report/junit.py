"""junit.xml: one testcase per item, each finding of a failed item in its failure message."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..results import Finding, Outcome, RunResult, format_findings


def render_junit(result: RunResult) -> str:
    by_item: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_item[f.item].append(f)
    suites = ET.Element("testsuites", name="apitest")
    for source in sorted({i.source for i in result.items}):
        items = [i for i in result.items if i.source is source]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"apitest.{source.value}",
            tests=str(len(items)),
            failures=str(sum(i.outcome is Outcome.FAILED for i in items)),
            errors=str(sum(i.outcome is Outcome.ERROR for i in items)),
            skipped=str(sum(i.outcome is Outcome.SKIPPED for i in items)),
            time=f"{sum(i.duration_s for i in items):.3f}",
        )
        for item in items:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{item.suite}.{source.value}",
                name=item.name,
                time=f"{item.duration_s:.3f}",
            )
            if item.outcome is Outcome.FAILED:
                findings = by_item.get(item.nodeid, [])
                text = format_findings(findings)
                ET.SubElement(
                    case,
                    "failure",
                    message=f"{len(findings)} finding(s)" + (f": {findings[0].title}" if findings else ""),
                ).text = text
            elif item.outcome is Outcome.ERROR:
                ET.SubElement(case, "error", message=(item.error or "error")[:500]).text = item.error
            elif item.outcome is Outcome.SKIPPED:
                ET.SubElement(case, "skipped")
    for error in result.errors:
        ET.SubElement(suites, "system-err").text = error.message
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
