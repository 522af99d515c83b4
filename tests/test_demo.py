"""`apitest demo`, end to end, as a newcomer runs it: the correct demo is clean, the buggy one shows every bug."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema

from apitest.demo.bugs import PLANTED_BUGS
from apitest.report.schema import report_schema


def demo(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "apitest.cli", "demo", "-q", "--apitest-report-dir", str(out), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads((out / "report.json").read_text())
    jsonschema.validate(report, report_schema())
    return result, report


def template_matches(template: str, url: str) -> bool:
    pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + r"(\?.*)?$"
    path = re.sub(r"^https?://[^/]+", "", url)
    return re.match(pattern, path) is not None


def test_correct_demo_exits_zero(tmp_path):
    result, report = demo(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert report["verdict"] == "passed"
    sources = {i["source"] for i in report["items"]}
    assert sources == {"fuzz", "contract", "load"}, sources
    assert (tmp_path / "report" / "report.html").stat().st_size > 10_000


def test_buggy_demo_reports_every_planted_bug(tmp_path):
    result, report = demo(tmp_path, "--buggy", "-m", "apitest_fuzz")
    assert result.returncode == 1, result.stdout[-3000:]
    findings = report["findings"]
    missing = []
    for bug in PLANTED_BUGS:
        caught = [f for f in findings if f["operation"] == bug.operation and f["check"] in bug.checks]
        if not caught:
            missing.append(bug.key)
            continue
        for f in caught:
            words = shlex.split(f["curl"].splitlines()[-1])
            assert words[0] == "curl"
            method = words[words.index("-X") + 1] if "-X" in words else "GET"
            url = next(w for w in words if w.startswith("http://127.0.0.1:"))
            # the reproduction targets the bug's operation (a stateful chain's last step does)
            if f["item"].endswith(bug.operation):
                assert method == bug.operation.split()[0] and template_matches(bug.operation.split()[1], url), f["curl"]
            assert "demo-key" not in f["curl"]
    assert not missing, f"planted bugs not reported: {missing}"
