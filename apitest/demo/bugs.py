"""The bugs `create_app(buggy=True)` plants, as data: each caught by the named checks on its operation.

Check names are schemathesis's built-in checks, its `max_response_time` option, or apitest's own checks: the
practice checks of single responses (`slow_operation`, `rate_limit_headers`) and the follow-up checks no single
response shows (`read_after_write`, `idempotency`, `conditional_request`, `auth_error_leak`, `cross_user_write`,
`use_after_delete`). The buggy app serves exactly the correct app's OpenAPI document: every bug is in behaviour,
none in documentation.
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
    LOST_PRICE_CHANGE = "lost_price_change"
    STALE_IF_MATCH_APPLIED = "stale_if_match_applied"
    UNAUTHORIZED_NAMES_THE_BOOK = "unauthorized_names_the_book"
    CONDITIONAL_GET_IGNORED = "conditional_get_ignored"
    CANCEL_TWICE_CRASHES = "cancel_twice_crashes"
    ANY_USER_CANCELS = "any_user_cancels"
    REMAINING_OVER_LIMIT = "remaining_over_limit"


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
        ("use_after_free", "use_after_delete"),
        "Answers 204 but keeps the book: a GET after the DELETE still returns 200. Fuzzing reaches it only through a"
        " stateful sequence (POST, DELETE, then GET through the documented links), which a small budget can miss;"
        " apitest's use_after_delete follow-up checks it on every run.",
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
    PlantedBug(
        BugKey.LOST_PRICE_CHANGE,
        "PUT /v1/books/{book_id}",
        ("read_after_write",),
        "A new price is answered as stored but dropped (price changes 'need approval'): GET shows the old price.",
    ),
    PlantedBug(
        BugKey.STALE_IF_MATCH_APPLIED,
        "PUT /v1/books/{book_id}",
        ("conditional_request",),
        "A PUT whose If-Match no longer matches the book is applied instead of refused with 412: lost updates.",
    ),
    PlantedBug(
        BugKey.UNAUTHORIZED_NAMES_THE_BOOK,
        "GET /v1/books/{book_id}",
        ("auth_error_leak",),
        "The 401 for a missing or wrong key helpfully names the book it refuses to show: title and author.",
    ),
    PlantedBug(
        BugKey.CONDITIONAL_GET_IGNORED,
        "GET /v1/orders/{order_id}",
        ("conditional_request",),
        "If-None-Match with the order's current ETag still answers 200 with the whole order, never 304.",
    ),
    PlantedBug(
        BugKey.CANCEL_TWICE_CRASHES,
        "DELETE /v1/orders/{order_id}",
        ("idempotency", "not_a_server_error"),
        "Cancelling an order that is already cancelled crashes (500) instead of answering 404.",
    ),
    PlantedBug(
        BugKey.ANY_USER_CANCELS,
        "DELETE /v1/orders/{order_id}",
        ("cross_user_write",),
        "Any user can cancel another user's order, one they cannot even read (GET answers them 404).",
    ),
    PlantedBug(
        BugKey.REMAINING_OVER_LIMIT,
        "GET /v1/stats",
        ("rate_limit_headers",),
        "X-RateLimit-Remaining counts down from the daily quota (1,000) while X-RateLimit-Limit says 10.",
    ),
)
