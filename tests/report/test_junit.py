from __future__ import annotations

import xml.etree.ElementTree as ET

from apitest.report.junit import render_junit

from .samples import CURL, sample_run


def test_one_testcase_per_item_with_findings_as_failure_messages():
    root = ET.fromstring(render_junit(sample_run()))
    cases = root.findall(".//testcase")
    assert len(cases) == 6
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {
        "GET /books/{id}",
        "GET /books",
        "POST /search",
        "contract[web→shop: get book]",
        "load[spike]",
    }
    server_error = failed["GET /books/{id}"]
    assert server_error.get("message") == "1 finding(s): Server error"
    assert "[critical] not_a_server_error on GET /books/{id}: Server error" in server_error.text
    assert f"reproduce: {CURL}" in server_error.text
    assert "$.title: expected a string, got null" in failed["contract[web→shop: get book]"].text
