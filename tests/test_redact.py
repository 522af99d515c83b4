from __future__ import annotations

import pytest

from apitest.redact import MASK, Redactor, query_secrets, truncate
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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("http://h/x?access_token=abc123&page=2", "http://h/x?access_token=[REDACTED]&page=2"),
        ("curl -X GET 'http://h/x?api_key=k1&q=monkey'", "curl -X GET 'http://h/x?api_key=[REDACTED]&q=monkey'"),
        ("/x?token=t1&password=p1&secret=s1", "/x?token=[REDACTED]&password=[REDACTED]&secret=[REDACTED]"),
        ("Location: /ok?id=3&amp;client_secret=c1", "Location: /ok?id=3&amp;client_secret=[REDACTED]"),
        ("/x?monkey=banana&X-Amz-Signature=abcd", "/x?monkey=banana&X-Amz-Signature=[REDACTED]"),
        ("https://h/a?key=zz#top", "https://h/a?key=[REDACTED]#top"),
        ("/search?q=token&page=1&sort=asc", "/search?q=token&page=1&sort=asc"),  # the value "token" is no secret
        ("http://bob:hunter22@h:80/?apiKey=K9", "http://bob:[REDACTED]@h:80/?apiKey=[REDACTED]"),
    ],
)
def test_credentials_in_urls_are_masked_wherever_a_url_shows(text, masked):
    assert Redactor().text(text) == masked


def test_a_secret_in_a_configured_url_is_masked_as_a_value_too():
    redactor = Redactor(query_secrets("https://h/openapi.json?access_token=tok-77&v=2"))
    assert query_secrets("https://h/?token=a&page=2&api_key=b") == ["a", "b"]
    assert redactor.text('{"echo": "tok-77"}') == '{"echo": "[REDACTED]"}'
