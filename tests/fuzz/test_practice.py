from __future__ import annotations

from apitest.fuzz.practice import ErrorShapes, location_on_201, retry_after_on_429, slow_operation


def test_retry_after():
    assert retry_after_on_429(429, {}) is not None
    assert retry_after_on_429(503, {"content-type": ["text/plain"]}) is not None
    assert retry_after_on_429(429, {"retry-after": ["3"]}) is None
    assert retry_after_on_429(200, {}) is None


def test_location():
    assert location_on_201(201, {}) == "201 Created without a Location header."
    assert location_on_201(201, {"location": ["/a/1"]}) is None


def test_error_shapes_first_seen_and_declared():
    shapes = ErrorShapes()
    problem = {"content-type": ["application/problem+json"]}
    assert shapes.check("o", 404, problem, b'{"type":"x","title":"t","status":404}') is None
    assert shapes.check("o", 422, problem, b'{"status":422,"title":"t","type":"x"}') is None
    assert "other errors of this API are" in (shapes.check("o", 400, {"content-type": ["text/plain"]}, b"bad") or "")
    assert shapes.check("o", 200, {"content-type": ["text/plain"]}, b"ok") is None
    shapes.declare("p", "application/problem+json")
    assert "declares application/problem+json" in (
        shapes.check("p", 500, {"content-type": ["text/html"]}, b"<h1>") or ""
    )


def test_slow_operation_uses_p95_not_one_outlier():
    assert slow_operation([10.0] * 39 + [5000.0], 100) is None
    assert "exceeds 100 ms" in (slow_operation([150.0] * 20, 100) or "")
    assert slow_operation([999.0], 100) is None
