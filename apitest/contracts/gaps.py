"""What the cross-check reports: a gap between what a pact relies on and what the spec promises."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..results import Severity

# What part of the request a gap is about: a pact that expects the documented error for breaking that part is a
# negative test (a 400 for a bad body, a 401 for missing credentials), and the gap is what it tests.
REQUEST_VALUES = "request-values"  # query, header, cookie and path parameters, and the body
SECURITY = "security"
ACCEPT = "accept"
CONTENT_TYPE = "content-type"
BODY_SIZE = "body-size"

# The documented error status that tests each kind of broken request.
NEGATIVE_TESTS: dict[int, frozenset[str]] = {
    400: frozenset({REQUEST_VALUES}),
    422: frozenset({REQUEST_VALUES}),
    401: frozenset({SECURITY}),
    403: frozenset({SECURITY}),
    406: frozenset({ACCEPT}),
    413: frozenset({BODY_SIZE, REQUEST_VALUES}),
    415: frozenset({CONTENT_TYPE}),
}


@dataclass(frozen=True, slots=True)
class Gap:
    """Something a pact relies on that the spec does not promise.

    Example::

        Gap("crosscheck.response_schema", "$.price: \\"12\\" is not valid for the spec", "...", Severity.MEDIUM,
            location="$.price", pact_path="$.interactions[0].response.body.price",
            spec_path="#/components/schemas/Book/properties/price", expected="integer", actual='"12"')
    """

    check: str  # "crosscheck.response_schema", ...
    title: str
    message: str  # one sentence a consumer developer can act on
    severity: Severity = Severity.MEDIUM  # LOW: a warning, it weakens the contract but breaks nothing
    location: str = ""  # "$.price_cents", "header ETag", "query limit"
    expected: Any = None  # what the spec documents
    actual: Any = None  # what the pact asks for
    pact_path: str = ""  # "$.interactions[0].response.body.price_cents"
    spec_path: str = ""  # "#/paths/~1books/get/responses/200/content/application~1json/schema"
    kind: str = ""  # REQUEST_VALUES, SECURITY... for negative tests; "" for anything else

    @property
    def is_error(self) -> bool:
        return self.severity is not Severity.LOW


@dataclass(frozen=True, slots=True)
class CrossCheck:
    operation: str | None  # "GET /v1/books/{book_id}" when the request matched a documented operation
    gaps: tuple[Gap, ...]
    negative: tuple[Gap, ...] = ()  # what the pact breaks on purpose, expecting the documented error

    @property
    def verdict(self) -> str:
        """ "error" when a gap would break the consumer, "warning" when gaps only weaken the contract, else "pass"."""
        if any(g.is_error for g in self.gaps):
            return "error"
        return "warning" if self.gaps else "pass"


def short(value: Any, limit: int = 80) -> str:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def article(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind
