from __future__ import annotations

from apitest.redact import MASK, redact_curl, redact_finding, truncate
from apitest.results import Exchange, Finding, Source


def test_curl_headers_and_secret_values():
    curl = "curl -X GET -H 'X-API-Key: abc123' -H 'Accept: */*' 'http://h/x?token=zzz999'"
    out = redact_curl(curl, ["zzz999"])
    assert "abc123" not in out and "zzz999" not in out
    assert "'X-API-Key: [REDACTED]'" in out and "'Accept: */*'" in out


def test_finding_exchange_is_redacted():
    f = Finding(
        Source.FUZZ,
        "c",
        "GET /x",
        "t",
        message="echo: hunter22",
        exchange=Exchange(
            "GET",
            "http://h/x",
            {"Authorization": "Bearer q", "X-Trace": "hunter22"},
            None,
            200,
            {"Set-Cookie": "sid=1"},
            "body hunter22",
        ),
    )
    out = redact_finding(f, ["hunter22"])
    assert out.message == f"echo: {MASK}"
    assert out.exchange is not None
    assert out.exchange.request_headers == {"Authorization": MASK, "X-Trace": MASK}
    assert out.exchange.response_headers == {"Set-Cookie": MASK}
    assert out.exchange.response_body == f"body {MASK}"


def test_truncate():
    assert truncate("a" * 10, 4) == "aaaa... [6 more characters]"
    assert truncate("abc", 4) == "abc"
