from __future__ import annotations

from apitest.redact import MASK, Redactor, truncate
from apitest.results import Exchange, Finding, ItemResult, Outcome, RunError, Source


def test_curl_headers_and_secret_values():
    curl = "curl -X GET -H 'X-API-Key: abc123' -H 'Accept: */*' 'http://h/x?token=zzz999'"
    out = Redactor(["zzz999"]).text(curl)
    assert "abc123" not in out and "zzz999" not in out
    assert "'X-API-Key: [REDACTED]'" in out and "'Accept: */*'" in out


def test_every_record_type_and_every_field_is_masked():
    redactor = Redactor(["Bearer hunter22"])
    finding = Finding(
        Source.FUZZ,
        "c",
        "GET /x",
        "t",
        message="echo: hunter22",
        curl="curl -H 'Authorization: Bearer hunter22' http://h/x",
        exchange=Exchange(
            "GET",
            "http://h/x?access=hunter22",
            {"Authorization": "Bearer q", "X-Trace": "hunter22"},
            None,
            200,
            {"Set-Cookie": "sid=1"},
            '{"author": "Ann", "echo": "Bearer hunter22"}',
        ),
        details={"steps": ["curl -H 'Cookie: a=1' http://h/y"], "seen": {"token": "hunter22"}},
    )
    out = redactor.record(finding)
    assert out.message == f"echo: {MASK}"
    assert out.curl == f"curl -H 'Authorization: {MASK}' http://h/x"
    assert out.exchange is not None
    assert out.exchange.url == f"http://h/x?access={MASK}"
    assert out.exchange.request_headers == {"Authorization": MASK, "X-Trace": MASK}
    assert out.exchange.response_headers == {"Set-Cookie": MASK}
    assert out.exchange.response_body == f'{{"author": "Ann", "echo": "{MASK}"}}'  # an ordinary field stays visible
    assert out.details == {"steps": [f"curl -H 'Cookie: {MASK}' http://h/y"], "seen": {"token": MASK}}
    error = redactor.record(RunError("http://user:pw1@h/ answered 401 for hunter22"))
    assert error.message == f"http://user:{MASK}@h/ answered 401 for {MASK}"
    item = redactor.record(ItemResult("n", Source.FUZZ, "s", "n", Outcome.ERROR, 1.0, error="TargetError: hunter22"))
    assert item.error == f"TargetError: {MASK}"


def test_encoded_forms_and_one_marker():
    redactor = Redactor(["s3cr3t/+value"])
    assert redactor.text("q=s3cr3t%2F%2Bvalue") == f"q={MASK}"
    assert redactor.text("curl -H 'authorization: [Filtered]'") == f"curl -H 'authorization: {MASK}'"
    assert Redactor(["ab"]).text("ab abc") == "ab abc"  # too short to be told from ordinary text


def test_truncate():
    assert truncate("a" * 10, 4) == "aaaa... [6 more characters]"
    assert truncate("abc", 4) == "abc"
