from __future__ import annotations

import base64
import shlex
import subprocess
from typing import Any

from apitest.contracts.findings import BASE_URL_PLACEHOLDER, curl, gap_finding, verdict_findings
from apitest.contracts.gaps import Gap
from apitest.contracts.pactfile import parse_pact, read_pact_file
from apitest.contracts.states import StateCall
from apitest.contracts.verification import Verdict
from apitest.results import Severity, Source

from .builders import PACTS, v3_interaction

DOC = read_pact_file(PACTS / "conforming-v3.json")
GET, CREATE, PAGE = DOC.interactions


def test_curl_reproduces_the_request_with_the_suites_auth():
    line = curl(CREATE, "http://127.0.0.1:8000", {"x-request-id": "override", "Authorization": "Bearer t"})
    assert shlex.split(line) == [
        "curl",
        "-X",
        "POST",
        "http://127.0.0.1:8000/products",
        "-H",
        "Content-Type: application/json",
        "-H",
        "x-request-id: override",
        "-H",
        "Authorization: Bearer t",
        "--data-raw",
        '{"name":"Lamp","price":12.5}',
    ]
    assert shlex.split(curl(PAGE, "http://h/api/")) == ["curl", "http://h/api/products?currency=EUR&limit=10"]


def test_curl_keeps_a_placeholder_base_url_expandable():
    line = curl(v3_interaction({"method": "GET", "path": "/a b'c"}, {"status": 200}), BASE_URL_PLACEHOLDER)
    assert line.startswith('curl "$BASE_URL"')
    assert shlex.split(line) == ["curl", "$BASE_URL/a b'c"]


def _verdict(**kwargs: Any) -> Verdict:
    return Verdict(index=0, passed=False, **kwargs)


def test_mismatches_become_one_finding_each_with_expected_and_actual():
    verdict = _verdict(
        mismatches=(
            {"type": "StatusMismatch", "expected": 200, "actual": 500, "mismatch": "expected 200 but was 500"},
            {
                "type": "HeaderMismatch",
                "key": "ETag",
                "expected": '"a"',
                "actual": "",
                "mismatch": "Expected header 'ETag' to have value",
            },
            {
                "type": "BodyMismatch",
                "path": "$.price",
                "expected": "12.5",
                "actual": '"12.5"',
                "mismatch": "Expected '12.5' (String) to be a decimal number",
            },
            {"type": "MetadataMismatch", "key": "x", "expected": "1", "actual": "2", "mismatch": "odd"},
        )
    )
    findings = verdict_findings(DOC, GET, verdict, operation="GET /products/{id}", base_url="http://h", headers={})
    assert [(f.check, f.severity, f.key) for f in findings] == [
        ("pact.status", Severity.HIGH, "web→shop: a request for product 1 status"),
        ("pact.header", Severity.MEDIUM, "web→shop: a request for product 1 header ETag"),
        ("pact.body", Severity.HIGH, "web→shop: a request for product 1 $.price"),
        ("pact.metadata", Severity.MEDIUM, "web→shop: a request for product 1 $"),
    ]
    status, _, body, _ = findings
    assert status.exchange is not None and status.exchange.status == 500
    assert (body.details["expected"], body.details["actual"]) == (12.5, "12.5")
    assert all(
        f.source is Source.CONTRACT
        and f.operation == "GET /products/{id}"
        and f.curl == "curl http://h/products/1 -H 'Accept: application/json'"
        for f in findings
    )


def test_a_failed_setup_hides_the_mismatches_it_caused_and_teardown_failures_do_not():
    setup = StateCall("product 1 exists", {"id": 1}, "setup", error="KeyError: 1")
    verdict = _verdict(
        states=(setup, StateCall("product 1 exists", {"id": 1}, "teardown", error="KeyError: 1")),
        mismatches=({"type": "StatusMismatch", "expected": 200, "actual": 404},),
    )
    (finding,) = verdict_findings(DOC, GET, verdict, operation="op", base_url="http://h", headers={})
    assert (
        finding.check == "pact.state"
        and finding.details["state"] == "product 1 exists"
        and finding.details["actual"] == "KeyError: 1"
    )
    teardown = _verdict(
        states=(StateCall("s", {}, "setup"), StateCall("s", {}, "teardown", error="OSError: x")),
        mismatches=({"type": "StatusMismatch", "expected": 200, "actual": 404},),
    )
    assert [f.check for f in verdict_findings(DOC, GET, teardown, operation="op", base_url="http://h", headers={})] == [
        "pact.state",
        "pact.status",
    ]


def test_timeouts_and_request_errors_are_findings():
    timed_out = _verdict(timed_out=True, elapsed_s=2.0, error="verification did not finish within 2 s")
    (finding,) = verdict_findings(DOC, GET, timed_out, operation="op", base_url="http://h", headers={})
    assert (finding.check, finding.title) == ("pact.timeout", "verification did not finish within 2 s")
    failed = _verdict(error="error sending request for url (http://h/products/1)")
    (finding,) = verdict_findings(DOC, GET, failed, operation="op", base_url="http://h", headers={})
    assert finding.check == "pact.request" and "error sending request" in finding.message
    assert (
        verdict_findings(DOC, GET, Verdict(index=0, passed=True), operation="op", base_url="http://h", headers={}) == []
    )


def test_gap_findings_carry_location_expected_and_actual():
    gap = Gap(
        "crosscheck.response_schema",
        "$.colour: field 'colour' is not documented",
        "why",
        Severity.MEDIUM,
        "$.colour",
        ["id"],
        "colour",
        pact_path="$.interactions[0].response.body.colour",
        spec_path="#/components/schemas/Product",
    )
    finding = gap_finding(DOC, GET, gap, operation="GET /products/{id}", base_url="http://h")
    assert finding.key == "web→shop: a request for product 1 $.colour"
    assert finding.details == {
        "consumer": "web",
        "provider": "shop",
        "interaction": "a request for product 1",
        "location": "$.colour",
        "pact_file": DOC.source,
        "pact_path": "$.interactions[0].response.body.colour",
        "spec_path": "#/components/schemas/Product",
        "expected": ["id"],
        "actual": "colour",
    }
    assert finding.message == (
        f"web→shop: a request for product 1: why [pact {DOC.source} $.interactions[0].response.body.colour; "
        "spec #/components/schemas/Product]"
    )
    assert (
        finding.fingerprint
        == gap_finding(DOC, GET, gap, operation="GET /products/{id}", base_url="http://other").fingerprint
    )


def test_a_binary_request_body_is_reproduced_byte_for_byte(tmp_path):
    raw = bytes(range(256)) + b"%'\\"
    data = {
        "consumer": {"name": "web"},
        "provider": {"name": "shop"},
        "interactions": [
            {
                "type": "Synchronous/HTTP",
                "description": "an upload",
                "request": {
                    "method": "PUT",
                    "path": "/files/1",
                    "body": {
                        "content": base64.b64encode(raw).decode(),
                        "contentType": "image/png",
                        "encoded": "base64",
                    },
                },
                "response": {"status": 204},
            }
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    (upload,) = parse_pact(data, "x.json").interactions
    assert upload.request.body == raw
    line = curl(upload, "http://h")
    printf, _, rest = line.partition(" | ")
    assert rest == "curl -X PUT http://h/files/1 -H 'Content-Type: image/png' --data-binary @-"
    sent = subprocess.run(["sh", "-c", printf], capture_output=True, check=True).stdout
    assert sent == raw
