"""The bugs `create_app(buggy=True)` plants, as data: at most one per operation, each caught by the named checks.

Check names are schemathesis's built-in checks, its `max_response_time` option, or apitest's own REST practice
checks (`retry_after_on_429`, `consistent_error_payload`, `slow_operation`). The buggy app serves exactly the
correct app's OpenAPI document: every bug is in behaviour, none in documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BugKey(StrEnum):
    SERVER_ERROR_ON_MAX_OFFSET = "server_error_on_max_offset"
    ANONYMOUS_BOOK_CREATION = "anonymous_book_creation"
    PRICE_AS_STRING = "price_as_string"
    MISSING_ETAG_ON_UPDATE = "missing_etag_on_update"
    DELETED_BOOK_STILL_READABLE = "deleted_book_still_readable"
    ORDER_CREATED_WITH_200 = "order_created_with_200"
    UNKNOWN_SORT_ACCEPTED = "unknown_sort_accepted"
    PLAIN_TEXT_NOT_FOUND = "plain_text_not_found"
    RATE_LIMIT_WITHOUT_RETRY_AFTER = "rate_limit_without_retry_after"
    SLOW_HEALTH_CHECK = "slow_health_check"


@dataclass(frozen=True, slots=True)
class PlantedBug:
    """One planted bug.

    >>> bug = PlantedBug("price_as_string", "GET /v1/books/{book_id}", ("response_schema_conformance",), "...")
    """

    key: str
    operation: str  # "METHOD /path/template", exactly as in the OpenAPI document
    checks: tuple[str, ...]  # every check that reports it
    description: str
    in_contract: bool = False  # the storefront consumer's Pact contract catches it too


PLANTED_BUGS: tuple[PlantedBug, ...] = (
    PlantedBug(
        BugKey.SERVER_ERROR_ON_MAX_OFFSET,
        "GET /v1/books",
        ("not_a_server_error", "status_code_conformance"),
        "offset=10000, the documented maximum, divides by zero while computing the pages left: 500.",
    ),
    PlantedBug(
        BugKey.ANONYMOUS_BOOK_CREATION,
        "POST /v1/books",
        ("ignored_auth", "missing_required_header"),
        "Rejects a wrong X-API-Key but creates the book when the header is missing altogether.",
    ),
    PlantedBug(
        BugKey.PRICE_AS_STRING,
        "GET /v1/books/{book_id}",
        ("response_schema_conformance",),
        'Schema drift: for the seeded catalogue books (ids 1-3) price_cents comes back as a string ("1299").',
        in_contract=True,
    ),
    PlantedBug(
        BugKey.MISSING_ETAG_ON_UPDATE,
        "PUT /v1/books/{book_id}",
        ("response_headers_conformance",),
        "A successful update omits the ETag header the spec declares as required.",
    ),
    PlantedBug(
        BugKey.DELETED_BOOK_STILL_READABLE,
        "DELETE /v1/books/{book_id}",
        ("use_after_free",),
        "Answers 204 but keeps the book: a GET after the DELETE still returns 200. Only stateful fuzzing"
        " (POST, DELETE, then GET through the documented links) reaches it, so a small budget can miss it.",
    ),
    PlantedBug(
        BugKey.ORDER_CREATED_WITH_200,
        "POST /v1/orders",
        ("status_code_conformance",),
        "Creates the order but answers 200 instead of the documented 201.",
        in_contract=True,
    ),
    PlantedBug(
        BugKey.UNKNOWN_SORT_ACCEPTED,
        "GET /v1/orders",
        ("negative_data_rejection",),
        "A sort value outside the documented enum silently falls back to the default instead of a 422.",
    ),
    PlantedBug(
        BugKey.PLAIN_TEXT_NOT_FOUND,
        "GET /v1/orders/{order_id}",
        ("content_type_conformance", "consistent_error_payload"),
        "Its 404 is a text/plain 'order not found', not the application/problem+json every other error is.",
    ),
    PlantedBug(
        BugKey.RATE_LIMIT_WITHOUT_RETRY_AFTER,
        "GET /v1/stats",
        ("response_headers_conformance", "retry_after_on_429"),
        "Over 10 requests/s per key it answers 429 without the Retry-After header the spec requires.",
    ),
    PlantedBug(
        BugKey.SLOW_HEALTH_CHECK,
        "GET /health",
        ("max_response_time", "slow_operation"),
        "The health check waits 0.7 s on a simulated dependency ping: over a 500 ms response-time budget.",
    ),
)
