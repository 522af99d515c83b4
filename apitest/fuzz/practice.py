"""apitest's own checks of fuzzed responses: each fires only where the spec makes the promise it tests.

They are not schemathesis checks. A failed schemathesis check makes the engine treat the case as the failure and
stop exploring the operation (Hypothesis shrinks it), so a check of ours failing inside the engine would hide the
bugs behind it. These run on the recorded exchanges instead, after the engine has explored as it would alone:
apitest adds findings, never takes one away.

* `location_on_201`: a 201 without the `Location` header that the spec declares (optional) for that 201.
* `retry_after_on_429`: a 429 or 503 without the `Retry-After` header the spec declares (optional) for it.
* `consistent_error_payload`: every error response the spec documents with a body uses one media type (such as
  `application/problem+json`), and a documented error status declared without a body came back in another one.
* `rate_limit_headers`: the `RateLimit-*` / `X-RateLimit-*` headers a response declares are there (when optional;
  a required one is schemathesis's) and make sense: whole numbers, `Remaining` no more than `Limit`, `Reset` not in
  the past. (Whether `Remaining` goes down is not judged: with a sliding window it rises as old requests age out.)
* `slow_operation`: an operation whose p95 response time is over `[fuzz] slow_operation_ms`, when it is set (the
  user's promise; no threshold is right for every API, so there is none by default).

A header the spec declares *required* is schemathesis's `response_headers_conformance`, and a body type the
operation's own response declares (or, in Swagger 2, its `produces`) is its `content_type_conformance`: these
checks do not report them twice.
Answers to other methods (schemathesis's probes for unsupported methods) and to undocumented statuses are left to
the checks made for them.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec import HTTP_METHODS, resolve_pointer

Headers = Mapping[str, Sequence[str]]  # lower-case names, as schemathesis gives them

CHECKS = ("location_on_201", "retry_after_on_429", "consistent_error_payload", "rate_limit_headers", "slow_operation")
TITLES = {
    "retry_after_on_429": "Missing Retry-After on 429/503",
    "location_on_201": "Missing Location on 201 Created",
    "consistent_error_payload": "Inconsistent error payload",
    "rate_limit_headers": "Rate-limit headers missing or inconsistent",
    "slow_operation": "Slow operation",
}


@dataclass(frozen=True, slots=True)
class ResponsePromise:
    """What the spec says of one documented status of one operation."""

    headers: dict[str, bool] = field(default_factory=dict)  # lower-case name -> required
    media_types: tuple[str, ...] = ()
    # A Swagger 2 response without a schema still has the operation's (or document's) `produces`, which
    # schemathesis's content_type_conformance holds it to: its content type is that check's to judge, not ours.
    produces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    check: str
    message: str


class Promises:
    """What a spec promises, per operation and status, read once from the plain document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._doc = document
        self._responses: dict[tuple[str, str], dict[str, ResponsePromise]] = {}
        for path, item in (document.get("paths") or {}).items():
            item = self._resolve(item)
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                operation = item.get(method)
                if isinstance(operation, dict):
                    responses = self._resolve(operation.get("responses")) or {}
                    self._responses[(method.upper(), path)] = {
                        str(code): self._promise(response, operation)
                        for code, response in responses.items()
                        if isinstance(self._resolve(response), dict)
                    }
        self.error_media = self._error_media()

    def response(self, method: str, path: str, status: int) -> ResponsePromise | None:
        """The promise for `status` (its exact code, else its range such as "4XX"), or None if undocumented."""
        responses = self._responses.get((method.upper(), path), {})
        code = str(status)
        return responses.get(code) or responses.get(code[0] + "XX") or responses.get(code[0] + "xx")

    def _promise(self, response: Any, operation: Mapping[str, Any]) -> ResponsePromise:
        response = self._resolve(response)
        headers: dict[str, bool] = {}
        for name, header in (response.get("headers") or {}).items():
            header = self._resolve(header)
            headers[str(name).lower()] = bool(isinstance(header, dict) and header.get("required"))
        if "content" in response:  # OpenAPI 3
            media = tuple(str(m).split(";")[0].strip().lower() for m in (response.get("content") or {}))
        elif "schema" in response:  # Swagger 2: the operation's (or the document's) produces
            produces = operation.get("produces") or self._doc.get("produces") or ["application/json"]
            media = tuple(str(m).split(";")[0].strip().lower() for m in produces)
        else:
            media = ()
        declared = operation.get("produces") or self._doc.get("produces") or []
        produces_ = tuple(str(m).split(";")[0].strip().lower() for m in declared) if "swagger" in self._doc else ()
        return ResponsePromise(headers, media, produces_)

    def _error_media(self) -> str | None:
        """The one media type of every documented error body, when at least two documented errors agree on it."""
        declared = [
            promise.media_types
            for responses in self._responses.values()
            for code, promise in responses.items()
            if code[:1] == "4" and promise.media_types
        ]
        kinds = {m for media in declared for m in media}
        return next(iter(kinds)) if len(declared) >= 2 and len(kinds) == 1 else None

    def _resolve(self, node: Any) -> Any:
        for _ in range(20):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
                try:
                    node = resolve_pointer(self._doc, node["$ref"])
                except (KeyError, IndexError, ValueError):
                    return None
            else:
                return node
        return None


def check_response(
    promises: Promises, method: str, path: str, status: int, headers: Headers, content: bytes, enabled: frozenset[str]
) -> list[Problem]:
    """apitest's checks of one documented operation's answer (`path` is the spec's template)."""
    promise = promises.response(method, path, status)
    if promise is None:
        return []
    problems: list[Problem] = []
    if (
        "location_on_201" in enabled
        and status == 201
        and _optional(promise, "location")
        and not _has(headers, "location")
    ):
        problems.append(Problem("location_on_201", "201 Created without the Location header its response documents."))
    if (
        "retry_after_on_429" in enabled
        and status in (429, 503)
        and _optional(promise, "retry-after")
        and not _has(headers, "retry-after")
    ):
        problems.append(
            Problem(
                "retry_after_on_429",
                f"{status} without the Retry-After header its response documents: clients cannot back off correctly.",
            )
        )
    if "rate_limit_headers" in enabled:
        problems += _rate_limits(promise, headers, status)
    expected = promises.error_media
    if (
        "consistent_error_payload" in enabled
        and expected is not None
        and 400 <= status < 500
        and not promise.media_types
        and not promise.produces
        and content.strip()
    ):
        media = _media(headers)
        if media != expected:
            problems.append(
                Problem(
                    "consistent_error_payload",
                    f"{status} error body is {media or 'untyped'}; every error body this API documents is {expected}.",
                )
            )
    return problems


_RATE_LIMIT = re.compile(r"^(x-)?ratelimit-(limit|remaining|reset)$")


def _rate_limits(promise: ResponsePromise, headers: Headers, status: int) -> list[Problem]:
    declared = [name for name in promise.headers if _RATE_LIMIT.match(name)]
    if not declared:
        return []
    missing = [name for name in declared if _optional(promise, name) and not _has(headers, name)]
    if missing:
        return [
            Problem(
                "rate_limit_headers", f"{status} without the {', '.join(missing)} header(s) its response documents."
            )
        ]
    values: dict[str, int] = {}
    for name in declared:
        raw = (headers.get(name) or [""])[0].strip()
        if not raw:
            continue
        if not raw.isdigit():
            return [Problem("rate_limit_headers", f"{name}: {raw!r} is not a whole number of requests or seconds.")]
        values[name.rsplit("-", 1)[1]] = int(raw)
    if "remaining" in values and "limit" in values and values["remaining"] > values["limit"]:
        return [
            Problem(
                "rate_limit_headers",
                f"Remaining {values['remaining']} is more than the Limit {values['limit']}: clients pace themselves "
                "on a quota they do not have.",
            )
        ]
    reset = values.get("reset")
    if reset is not None and reset > 10**9 and reset < time.time() - 1:
        return [Problem("rate_limit_headers", f"Reset {reset} is a moment in the past.")]
    return []


def _optional(promise: ResponsePromise, header: str) -> bool:
    """Declared, and not required: a required header missing is schemathesis's response_headers_conformance."""
    return header in promise.headers and not promise.headers[header]


def _has(headers: Headers, name: str) -> bool:
    values = headers.get(name)
    return bool(values and values[0])


def _media(headers: Headers) -> str:
    values = headers.get("content-type")
    return values[0].split(";")[0].strip().lower() if values else ""


def slow_operation(elapsed_ms: Sequence[float], threshold_ms: float) -> str | None:
    """An operation whose p95 response time is over the threshold (one slow outlier is not enough)."""
    if len(elapsed_ms) < 2:
        return None
    p95 = statistics.quantiles(elapsed_ms, n=20, method="inclusive")[18]
    if p95 > threshold_ms:
        return f"p95 response time {p95:.0f} ms over {len(elapsed_ms)} responses exceeds {threshold_ms:.0f} ms."
    return None


def retry_after_seconds(value: str) -> float:
    """Seconds a Retry-After asks for: a number of seconds, or an HTTP date (RFC 9110, section 10.2.3)."""
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return 1.0
