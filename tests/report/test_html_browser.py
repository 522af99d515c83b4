"""report.html in real headless Chromium: sections, charts, curl, filters, and a hostile target that cannot run code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apitest.baseline import compare
from apitest.report import write_reports
from apitest.report.html import render_html
from apitest.results import RunResult

from .samples import HOSTILE_BODY, HOSTILE_HEADER, HOSTILE_TITLE, HOSTILE_URL, sample_run


def with_baseline() -> RunResult:
    result = sample_run()
    old = sample_run()
    old.findings = old.findings[1:]  # the critical server error is new in this run
    result.baseline = compare(result, old, path="old/report.json", gate="new")
    return result


def write(tmp_path: Path, result: RunResult, **kwargs: int) -> Path:
    path = tmp_path / "report.html"
    path.write_text(render_html(result, **kwargs), encoding="utf-8")
    return path


def assert_clean(opened, page) -> None:
    assert page.evaluate("document.body.dataset.ready") == "1"
    assert opened.requests == [opened.url], "the report fetched something"
    assert opened.errors == []
    assert opened.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"


@pytest.mark.parametrize("compress_above", [1_000_000, 0], ids=["json", "gzip"])
def test_report_renders_all_sides(tmp_path, open_report, compress_above):
    opened = open_report(write(tmp_path, with_baseline(), compress_above=compress_above))
    page = opened.page
    assert page.locator("#verdict").text_content() == "failed"
    for section in ("#sec-summary", "#sec-fuzz", "#sec-contracts", "#sec-load", "#sec-run", "#baseline", "#coverage"):
        assert page.locator(section).is_visible(), section
    # uPlot drew the four charts of the load profile, each on a canvas
    assert page.locator("#sec-load .chart .uplot canvas").count() == 4
    assert page.locator("#sec-load .u-title").all_inner_texts() == [
        "Users",
        "Requests per second",
        "Latency percentiles (ms)",
        "Errors per second",
    ]
    # SLOs measured vs allowed
    slo_rows = page.locator("#sec-load table").first.locator("tbody tr").all_inner_texts()
    assert any("p95_ms" in r and "50 ms" in r and "62 ms" in r and "missed" in r for r in slo_rows)
    # coverage: documented 422 never seen, 500 seen but undocumented
    assert page.locator("#coverage td.cov-missing").count() >= 1
    assert page.locator("#coverage td.cov-undocumented").count() == 1
    # contracts per consumer/provider/interaction
    contracts = page.locator("#sec-contracts").inner_text()
    assert "web → shop" in contracts and "get book" in contracts and "list books" in contracts
    # a finding opens to its message, evidence and copyable curl
    finding = page.locator("#sec-fuzz details.finding", has_text="Server error")
    finding.locator("summary").click()
    assert finding.locator("pre.message").inner_text() == "Received a response with 5xx status code: 500"
    assert (
        finding.locator("pre.curl").inner_text()
        == "curl -X GET -H 'X-API-Key: [REDACTED]' 'http://127.0.0.1:8000/books/0'"
    )
    assert finding.locator(".curl button", has_text="Copy").is_visible()
    assert '"trace": "ZeroDivisionError"' in finding.locator(".exchange").inner_text()  # JSON body pretty-printed
    assert finding.locator(".badge.new").is_visible()
    assert_clean(opened, page)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_hostile_target_cannot_run_code(tmp_path, open_report):
    opened = open_report(write(tmp_path, sample_run()))
    page = opened.page
    hostile = page.locator("details.finding", has_text="window.__pwned=4")
    assert hostile.locator(".title").inner_text() == HOSTILE_TITLE
    hostile.locator("summary").click()
    page.locator("details.finding details summary", has_text="Details").click()
    text = hostile.inner_text()
    assert HOSTILE_BODY in text  # shown as text, literally
    assert HOSTILE_HEADER in text
    assert f"POST {HOSTILE_URL}" in text
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script").count() == 3  # data, uPlot, report.js: nothing injected
    assert page.title() == "apitest: failed · shop"
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(100)  # a late onerror would have fired by now
    assert_clean(opened, page)
    page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)


def test_escaping_bug_would_still_be_blocked_by_the_csp(tmp_path, open_report):
    """Even markup that got into the page unescaped cannot run: only our two scripts match the CSP hashes."""
    html = render_html(sample_run()).replace(
        '<main id="app">', '<main id="app"><img src=x onerror="window.__pwned=5"><script>window.__pwned=6</script>'
    )
    path = tmp_path / "broken.html"
    path.write_text(html, encoding="utf-8")
    opened = open_report(path)
    assert opened.page.evaluate("typeof window.__pwned") == "undefined"
    assert any("Content Security Policy" in e for e in opened.errors)


def test_filters_and_search_work_offline(tmp_path, open_report):
    opened = open_report(write(tmp_path, with_baseline()))
    page = opened.page
    shown = page.locator("#shown")
    assert shown.inner_text() == "5 findings"
    page.fill("#q", "bodymismatch")
    expect(shown).to_have_text(re.compile("^1 of 5"))
    assert page.locator("details.finding:visible").all_inner_texts()[0].endswith("pact.BodyMismatch")
    assert not page.locator("#sec-fuzz .groups > details.group").first.is_visible()
    page.fill("#q", "")
    page.select_option("#f-severity", "high")
    expect(shown).to_have_text(re.compile("^4 of 5"))
    page.select_option("#f-severity", "")
    page.select_option("#f-source", "load")
    expect(shown).to_have_text(re.compile("^1 of 5"))
    page.select_option("#f-source", "")
    page.select_option("#f-status", "new")
    expect(shown).to_have_text(re.compile("^1 of 5"))
    assert page.locator("details.finding:visible .title").all_inner_texts() == ["Server error"]
    # the baseline's "new findings" table links to the finding and opens it
    page.select_option("#f-status", "")
    page.locator("#baseline a.jump").click()
    expect(page.locator("#f-0[open] pre.curl")).to_be_visible()
    assert_clean(opened, page)


def test_report_of_a_real_run(pytester, inventory_suite, open_report):
    inventory_suite('phases = ["coverage"]\n', app="inventory:buggy")
    result = pytester.runpytest("-p", "no:schemathesis", "-p", "no:locust", "-k", "items")
    assert result.ret == 1
    path = pytester.path / "apitest-report" / "report.html"
    opened = open_report(path)
    page = opened.page
    assert page.locator("#verdict").text_content() == "failed"
    finding = page.locator("#sec-fuzz details.finding", has_text="Server error").first
    finding.locator("summary").click()
    curl = finding.locator("pre.curl").inner_text()
    assert curl.startswith("curl -X GET -H 'traceparent: 00-") and " http://127.0.0.1:" in curl
    # the request's correlation ids are shown, to find it in the server's logs
    assert re.fullmatch(r"[0-9a-f]{24}", finding.locator("dd", has_text=re.compile(r"^[0-9a-f]{24}$")).inner_text())
    assert "500" in finding.locator(".exchange").inner_text()
    operations = [row.split(": ", 1)[1] for row in page.locator("#coverage tbody tr td:first-child").all_inner_texts()]
    # the two operations, and per path one row for the methods the spec does not document, which the fuzzer probed
    documented = ["GET /items", "GET /items/{item_id}"]
    probes = [o for o in operations if o not in documented]
    assert sorted(set(operations) - set(probes)) == documented
    assert len(probes) <= 2 and all(o.split()[1] in ("/items", "/items/{item_id}") for o in probes), probes
    assert_clean(opened, page)
    page.screenshot(path=str(pytester.path / "report.png"), full_page=True)


def test_written_with_the_other_formats(tmp_path):
    written = write_reports(sample_run(), tmp_path, ("html", "json"))
    assert [p.name for p in written] == ["report.html", "report.json"]


def test_what_an_item_could_not_check_is_shown(tmp_path, open_report):
    from dataclasses import replace

    result = sample_run()
    note = "read_after_write on PUT /books/{id}: skipped, no resource the engine created was still alive"
    fuzz = next(i for i in result.items if i.source.value == "fuzz")
    result.items = [replace(fuzz, name="follow-up", notes=(note,)) if i is fuzz else i for i in result.items]
    opened = open_report(write(tmp_path, result))
    page = opened.page
    assert page.locator("#not-checked li").all_inner_texts() == [f"{fuzz.suite}: follow-up: {note}"]
    assert_clean(opened, page)
