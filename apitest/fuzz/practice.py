"""REST practice checks that fuzzers do not have, as plain functions of one response (engine-free).

Each returns None when the response is fine, or a message saying what is wrong. `_engine.py` registers them
with schemathesis; `slow_operation` is judged over all of an operation's responses after its item ran.
"""

from __future__ import annotations

import json
import statistics
import threading
from collections.abc import Mapping, Sequence

Headers = Mapping[str, Sequence[str]]  # lower-case names, as schemathesis gives them

TITLES = {
    "retry_after_on_429": "Missing Retry-After on 429/503",
    "location_on_201": "Missing Location on 201 Created",
    "consistent_error_payload": "Inconsistent error payload",
    "slow_operation": "Slow operation",
}


def _header(headers: Headers, name: str) -> str | None:
    values = headers.get(name.lower())
    return values[0] if values else None


def retry_after_on_429(status: int, headers: Headers) -> str | None:
    """429 (and 503) must tell the client when to come back (RFC 9110 §10.2.3, RFC 6585 §4)."""
    if status in (429, 503) and _header(headers, "retry-after") is None:
        return f"{status} response without a Retry-After header: clients cannot back off correctly."
    return None


def location_on_201(status: int, headers: Headers) -> str | None:
    """201 Created should say where the new resource is (RFC 9110 §15.3.2)."""
    if status == 201 and _header(headers, "location") is None:
        return "201 Created without a Location header."
    return None


def error_shape(headers: Headers, content: bytes) -> str:
    """ "media/type{key,key}" for a JSON object body, "media/type" otherwise."""
    media = (_header(headers, "content-type") or "none").split(";")[0].strip().lower()
    try:
        body = json.loads(content) if content else None
    except ValueError:
        return media
    if isinstance(body, dict):
        return media + "{" + ",".join(sorted(body)) + "}"
    return media


class ErrorShapes:
    """The error payload shape an API uses, per origin: declared (problem+json in the spec) or first seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expected: dict[str, str] = {}
        self._declared: dict[str, str] = {}

    def declare(self, origin: str, media_type: str) -> None:
        with self._lock:
            self._declared[origin] = media_type

    def check(self, origin: str, status: int, headers: Headers, content: bytes) -> str | None:
        if status < 400:
            return None
        shape = error_shape(headers, content)
        with self._lock:
            declared = self._declared.get(origin)
            if declared is not None and not shape.startswith(declared):
                return f"{status} error payload is {shape!r}, but the API declares {declared} errors."
            expected = self._expected.setdefault(origin, shape)
        if shape != expected:
            return f"{status} error payload is {shape!r}; other errors of this API are {expected!r}."
        return None


def slow_operation(elapsed_ms: Sequence[float], threshold_ms: float) -> str | None:
    """An operation whose p95 response time is over the threshold (one slow outlier is not enough)."""
    if len(elapsed_ms) < 2:
        return None
    p95 = statistics.quantiles(elapsed_ms, n=20, method="inclusive")[18]
    if p95 > threshold_ms:
        return f"p95 response time {p95:.0f} ms over {len(elapsed_ms)} responses exceeds {threshold_ms:.0f} ms."
    return None
