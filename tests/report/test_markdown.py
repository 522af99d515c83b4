from __future__ import annotations

from pathlib import Path

from apitest.baseline import compare
from apitest.report.markdown import append_step_summary, render_markdown
from apitest.results import RunMeta, RunResult

from .samples import load_result, sample_run


def test_summary_has_every_side():
    md = render_markdown(sample_run())
    assert md.startswith("## apitest: ❌ failed\n")
    assert "| fuzz | 3 | 3 | 3 |" in md and "| contract | 2 | 1 | 1 |" in md and "| load | 1 | 1 | 1 |" in md
    assert "| critical | fuzz | `GET /books/{id}` | not\\_a\\_server\\_error | Server error |" in md
    assert "| spike | 24000 | 12 | 400.0 | 62 | 64 | ❌ p95\\_ms 62 ≤ 50, ✅ error\\_rate 0.0005 ≤ 0.01 |" in md


def test_target_text_cannot_add_markup():
    md = render_markdown(sample_run())
    hostile = next(line for line in md.splitlines() if "reflected" in line)
    assert "<" not in hostile.replace("\\<", "")
    assert hostile.count(" | ") == 4  # no extra table cells
    assert "\\</title\\>\\<script\\>window.\\_\\_pwned=4\\</script\\>" in hostile


def test_code_spans_cannot_be_closed():
    result = RunResult(meta=RunMeta(started=1.0, complete=True))
    result.findings = [*sample_run().findings[:1]]
    from dataclasses import replace

    result.findings = [replace(result.findings[0], operation="GET /a`<img src=x>`|x")]
    md = render_markdown(result)
    assert "`GET /a'<img src=x>'\\|x`" in md


def test_baseline_section_lists_new_fixed_and_regressions():
    old = sample_run()
    old.findings = old.findings[1:]
    old.load = [load_result(p95=40.0)]
    new = sample_run()
    new.findings = new.findings[:-1]  # the load finding is fixed
    new.baseline = compare(new, old, path="old/report.json", gate="new")
    md = render_markdown(new)
    assert "### Baseline" in md
    assert "Compared with `old/report.json` (run of 2025-11-24 02:06 UTC), tolerance 10%, gate `new`: ❌ failed" in md
    assert "1 new, 1 fixed, 3 persisting findings; 3 load regressions in 12 metrics compared." in md
    assert "#### New findings" in md and "#### Fixed findings" in md and "#### Load regressions" in md
    assert "| shop/spike | `total` | p95\\_ms | 40 | 62 | 49 | +55% |" in md
    findings = md[md.index("### Findings") :]
    assert findings.splitlines()[2].startswith("| baseline | severity |")
    assert findings.splitlines()[4].startswith("| 🆕 new | critical |")
    assert "| known | high |" in findings


def test_append_step_summary(tmp_path: Path):
    target = tmp_path / "summary.md"
    assert append_step_summary(sample_run(), {}) is None
    assert append_step_summary(sample_run(), {"GITHUB_STEP_SUMMARY": str(target)}) == target
    assert append_step_summary(sample_run(), {"GITHUB_STEP_SUMMARY": str(target)}) == target
    assert target.read_text().count("## apitest: ❌ failed") == 2


def test_append_step_summary_to_an_unwritable_place_does_not_raise(tmp_path: Path, capsys):
    assert append_step_summary(sample_run(), {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "x.md")}) is None
    assert "cannot append the summary to GITHUB_STEP_SUMMARY" in capsys.readouterr().err


def test_an_endpoints_slo_names_its_endpoint():
    import dataclasses

    from apitest.results import SloResult

    run = sample_run()
    gate = SloResult("p99_ms", "GET /books/{id}", allowed=500.0, measured=28.0, passed=True)
    run.load = [dataclasses.replace(run.load[0], slos=(gate,))]
    md = render_markdown(run)
    assert "| 62 | 64 | ✅ `GET /books/{id}` p99\\_ms 28 ≤ 500 |" in md


def test_what_an_item_could_not_check_is_listed():
    from dataclasses import replace

    result = sample_run()
    note = "idempotency: skipped on 2 operations, no resource alive: PUT /books/{id}, DELETE /books/{id}"
    result.items = [replace(result.items[0], name="follow-up", notes=(note,)), *result.items[1:]]
    md = render_markdown(result)
    section = md[md.index("### Not checked") :]
    escaped = note.replace("_", "\\_")
    assert f"- `{result.items[0].suite}: follow-up`: {escaped}" in section.splitlines()
    assert "### Not checked" not in render_markdown(sample_run())
