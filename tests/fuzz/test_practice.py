"""apitest's own checks fire only where the spec makes the promise they test."""

from __future__ import annotations

from apitest.fuzz.practice import CHECKS, Promises, check_response, slow_operation

ALL = frozenset(CHECKS)
PROBLEM = {"content": {"application/problem+json": {"schema": {"type": "object"}}}}


def spec(**responses) -> Promises:
    return Promises(
        {
            "openapi": "3.0.3",
            "paths": {
                "/things": {
                    "post": {"responses": responses},
                    "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "n", **PROBLEM}}},
                },
                "/other": {"get": {"responses": {"400": {"description": "bad", **PROBLEM}}}},
            },
            "components": {"headers": {"Location": {"schema": {"type": "string"}}}},
        }
    )


def checks(promises: Promises, status: int, headers=None, body=b"", method="POST") -> list[str]:
    return [p.check for p in check_response(promises, method, "/things", status, headers or {}, body, ALL)]


def test_location_only_where_the_201_declares_it():
    declared = spec(
        **{"201": {"description": "made", "headers": {"Location": {"$ref": "#/components/headers/Location"}}}}
    )
    assert checks(declared, 201) == ["location_on_201"]
    assert checks(declared, 201, {"location": ["/things/1"]}) == []
    # RFC 9110 allows a 201 without Location: a spec that does not promise one gets no finding
    assert checks(spec(**{"201": {"description": "made"}}), 201) == []
    # a required header missing is schemathesis's response_headers_conformance: not reported twice
    required = spec(**{"201": {"description": "made", "headers": {"Location": {"required": True}}}})
    assert checks(required, 201) == []


def test_retry_after_only_where_the_response_declares_it():
    declared = spec(
        **{"429": {"description": "slow down", "headers": {"Retry-After": {"schema": {"type": "integer"}}}}}
    )
    assert checks(declared, 429) == ["retry_after_on_429"]
    assert checks(declared, 429, {"retry-after": ["3"]}) == []
    assert checks(spec(**{"429": {"description": "slow down"}}), 429) == []
    assert checks(spec(**{"201": {"description": "made"}}), 429) == []  # an undocumented status: not ours


def test_error_payloads_judged_against_the_errors_the_spec_documents():
    promises = spec(**{"409": {"description": "conflict"}, "201": {"description": "made"}})
    assert promises.error_media == "application/problem+json"  # every documented error body agrees
    assert checks(promises, 409, {"content-type": ["text/plain"]}, b"conflict") == ["consistent_error_payload"]
    assert checks(promises, 409, {"content-type": ["application/problem+json"]}, b"{}") == []
    assert checks(promises, 409, {"content-type": ["text/html"]}, b"") == []  # no body at all
    # a status whose own response declares a body is content_type_conformance's; an undocumented one is not ours
    assert checks(promises, 404, {"content-type": ["text/html"]}, b"<h1>", method="GET") == []
    assert checks(promises, 405, {"content-type": ["text/html"]}, b"<h1>") == []
    mixed = Promises(
        {
            "openapi": "3.0.3",
            "paths": {
                "/a": {"get": {"responses": {"400": {"description": "x", "content": {"application/json": {}}}}}},
                "/b": {"get": {"responses": {"400": {"description": "x", **PROBLEM}, "404": {"description": "y"}}}},
            },
        }
    )
    assert mixed.error_media is None  # the spec makes no API-wide promise
    assert check_response(mixed, "GET", "/b", 404, {"content-type": ["text/plain"]}, b"no", ALL) == []


def test_checks_can_be_turned_off():
    declared = spec(**{"201": {"description": "made", "headers": {"Location": {}}}})
    assert check_response(declared, "POST", "/things", 201, {}, b"", frozenset()) == []


def test_swagger_2_bodies_take_the_produces_media_type():
    promises = Promises(
        {
            "swagger": "2.0",
            "produces": ["application/json"],
            "paths": {
                "/a": {"get": {"responses": {"400": {"description": "x", "schema": {}}, "404": {"description": "y"}}}},
                "/b": {"get": {"responses": {"422": {"description": "x", "schema": {}}}}},
            },
        }
    )
    assert promises.error_media == "application/json"
    found = check_response(promises, "GET", "/a", 404, {"content-type": ["text/html"]}, b"<p>", ALL)
    assert [p.check for p in found] == ["consistent_error_payload"]


def test_slow_operation_uses_p95_not_one_outlier():
    assert slow_operation([10.0] * 39 + [5000.0], 100) is None
    assert "exceeds 100 ms" in (slow_operation([150.0] * 20, 100) or "")
    assert slow_operation([999.0], 100) is None


def test_rate_limit_headers_are_there_and_make_sense():
    declared = spec(
        **{
            "200": {
                "description": "ok",
                "headers": {"X-RateLimit-Limit": {"schema": {"type": "integer"}}, "X-RateLimit-Remaining": {}},
            }
        }
    )
    ok = {"x-ratelimit-limit": ["10"], "x-ratelimit-remaining": ["9"]}
    assert checks(declared, 200, ok) == []
    assert checks(declared, 200, {"x-ratelimit-limit": ["10"]}) == ["rate_limit_headers"]  # Remaining missing
    assert checks(declared, 200, {"x-ratelimit-limit": ["10"], "x-ratelimit-remaining": ["11"]}) == [
        "rate_limit_headers"
    ]
    assert checks(declared, 200, {"x-ratelimit-limit": ["ten"], "x-ratelimit-remaining": ["9"]}) == [
        "rate_limit_headers"
    ]
    assert checks(spec(**{"200": {"description": "ok"}}), 200, {"x-ratelimit-remaining": ["99"]}) == []  # no promise
