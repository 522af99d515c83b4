"""The demo bookstore, in process: REST behaviour of the correct app, and each planted bug of the buggy one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apitest.demo import app as demo_app
from apitest.demo.app import create_app
from apitest.demo.bugs import PLANTED_BUGS, BugKey

pytestmark = pytest.mark.anyio

ALICE = {"X-API-Key": "demo-key"}
BOB = {"X-API-Key": "demo-key-2"}
BOOK = {
    "title": "Solaris",
    "author": "Stanisław Lem",
    "isbn": "9780156027601",
    "price_cents": 1500,
    "published_year": 1961,
}
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        yield client


@pytest.fixture
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with serve(create_app()) as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    return body


async def create_book(client: httpx.AsyncClient, headers: dict[str, str] = ALICE) -> dict[str, Any]:
    response = await client.post("/v1/books", json=BOOK, headers=headers)
    assert response.status_code == 201, response.text
    book: dict[str, Any] = response.json()
    return book


async def test_health_needs_no_key(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}], ids=["missing", "invalid"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/books"), ("POST", "/v1/books"), ("GET", "/v1/books/1"), ("GET", "/v1/orders"), ("GET", "/v1/stats")],
)
async def test_operations_need_a_valid_key(
    api: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = await api.request(method, path, headers=headers, json=BOOK if method == "POST" else None)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == 'ApiKey header="X-API-Key"'


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "offset=10001", "limit=ten"])
async def test_pagination_bounds_are_422_problems(api: httpx.AsyncClient, query: str) -> None:
    body = assert_problem(await api.get(f"/v1/books?{query}", headers=ALICE), 422)
    assert body["type"].endswith("/validation-error")
    assert body["detail"].startswith("query.")


async def test_pagination_windows_the_catalogue(api: httpx.AsyncClient) -> None:
    page = (await api.get("/v1/books?limit=2&offset=1", headers=ALICE)).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 1
    assert [book["id"] for book in page["items"]] == [2, 1]  # newest first
    assert (await api.get("/v1/books?offset=10000", headers=ALICE)).json()["items"] == []


async def test_create_answers_201_with_location_of_the_new_book(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/books", json=BOOK, headers=ALICE)
    assert response.status_code == 201
    created = response.json()
    assert created == {"id": created["id"], **BOOK}
    assert response.headers["Location"] == f"/v1/books/{created['id']}"
    assert (await api.get(response.headers["Location"], headers=ALICE)).json() == created


@pytest.mark.parametrize(
    "body",
    [
        {**BOOK, "price_cents": -1},
        {**BOOK, "price_cents": "1500"},  # strict: a JSON string is not an integer
        {**BOOK, "isbn": "12345"},
        {**BOOK, "extra": 1},
        {key: value for key, value in BOOK.items() if key != "title"},
    ],
    ids=["negative-price", "string-price", "bad-isbn", "unknown-field", "missing-title"],
)
async def test_invalid_bodies_are_422_problems(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_problem(await api.post("/v1/books", json=body, headers=ALICE), 422)


async def test_validation_detail_is_capped(api: httpx.AsyncClient) -> None:
    body = assert_problem(await api.post("/v1/books", json={**BOOK, "x" * 5000: 1}, headers=ALICE), 422)
    assert body["detail"].startswith("body.xxx") and len(body["detail"]) == 1000


async def test_integral_floats_are_integers_as_in_json_schema(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/books", json={**BOOK, "published_year": 1961.0}, headers=ALICE)
    assert response.status_code == 201
    assert response.json()["published_year"] == 1961


async def test_malformed_json_is_a_400_problem(api: httpx.AsyncClient) -> None:
    headers = {**ALICE, "Content-Type": "application/json"}
    assert_problem(await api.post("/v1/books", content=b"{not json", headers=headers), 400)


async def test_unknown_route_is_a_404_problem(api: httpx.AsyncClient) -> None:
    assert_problem(await api.get("/v2/nothing"), 404)


async def test_undeclared_method_is_405_with_every_allowed_method(api: httpx.AsyncClient) -> None:
    response = await api.patch("/v1/books/1", headers=ALICE)
    assert_problem(response, 405)
    assert response.headers["Allow"] == "DELETE, GET, PUT"
    options = await api.options("/v1/books")
    assert options.status_code == 204 and options.headers["Allow"] == "GET, POST"


async def test_etag_and_if_none_match(api: httpx.AsyncClient) -> None:
    first = await api.get("/v1/books/1", headers=ALICE)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await api.get("/v1/books/1", headers={**ALICE, "If-None-Match": if_none_match})
        assert cached.status_code == 304 and cached.content == b""
        assert cached.headers["ETag"] == etag
    assert (await api.get("/v1/books/1", headers={**ALICE, "If-None-Match": '"other"'})).status_code == 200
    order = await api.get("/v1/orders/1", headers=ALICE)
    assert (await api.get("/v1/orders/1", headers={**ALICE, "If-None-Match": order.headers["ETag"]})).status_code == 304


async def test_update_changes_the_etag(api: httpx.AsyncClient) -> None:
    book = await create_book(api)
    before = (await api.get(f"/v1/books/{book['id']}", headers=ALICE)).headers["ETag"]
    updated = await api.put(f"/v1/books/{book['id']}", json={**BOOK, "price_cents": 1}, headers=ALICE)
    assert updated.status_code == 200 and updated.json()["price_cents"] == 1
    assert updated.headers["ETag"] != before
    assert (await api.get(f"/v1/books/{book['id']}", headers=ALICE)).headers["ETag"] == updated.headers["ETag"]


@pytest.mark.parametrize(("sent", "echoed"), [("trace-42.a_b", True), ("bad id\twith tab", False), ("x" * 129, False)])
async def test_request_id_is_echoed_when_sane_else_generated(api: httpx.AsyncClient, sent: str, echoed: bool) -> None:
    for response in (
        await api.get("/health", headers={"X-Request-ID": sent}),
        await api.get("/v1/books", headers={"X-Request-ID": sent}),
    ):
        assert (response.headers["X-Request-ID"] == sent) is echoed
        assert len(response.headers["X-Request-ID"]) <= 128


async def test_every_response_has_a_fresh_request_id(api: httpx.AsyncClient) -> None:
    ids = {(await api.get(path)).headers["X-Request-ID"] for path in ("/health", "/v1/books", "/nowhere")}
    assert len(ids) == 3


async def test_rate_limit_answers_429_with_retry_after_until_the_window_slides() -> None:
    now = [100.0]
    async with serve(create_app(rate_limit=2, rate_window=10.0, clock=lambda: now[0])) as client:
        assert (await client.get("/v1/stats", headers=ALICE)).status_code == 200
        now[0] += 4
        assert (await client.get("/v1/stats", headers=ALICE)).status_code == 200
        limited = await client.get("/v1/stats", headers=ALICE)
        assert assert_problem(limited, 429)["type"].endswith("/rate-limited")
        assert limited.headers["Retry-After"] == "6"
        assert (await client.get("/v1/stats", headers=BOB)).status_code == 200  # per key
        now[0] += 6
        assert (await client.get("/v1/stats", headers=ALICE)).status_code == 200


async def test_delete_answers_204_then_the_book_is_gone(api: httpx.AsyncClient) -> None:
    book = await create_book(api)
    deleted = await api.delete(f"/v1/books/{book['id']}", headers=ALICE)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_problem(await api.get(f"/v1/books/{book['id']}", headers=ALICE), 404)
    assert_problem(await api.delete(f"/v1/books/{book['id']}", headers=ALICE), 404)
    assert_problem(await api.put(f"/v1/books/{book['id']}", json=BOOK, headers=ALICE), 404)


async def test_cancelled_order_is_gone(api: httpx.AsyncClient) -> None:
    assert (await api.delete("/v1/orders/1", headers=ALICE)).status_code == 204
    assert_problem(await api.get("/v1/orders/1", headers=ALICE), 404)


async def test_books_are_public_but_only_their_creator_may_change_them(api: httpx.AsyncClient) -> None:
    book = await create_book(api, ALICE)
    assert (await api.get(f"/v1/books/{book['id']}", headers=BOB)).status_code == 200
    assert_problem(await api.put(f"/v1/books/{book['id']}", json=BOOK, headers=BOB), 403)
    assert_problem(await api.delete(f"/v1/books/{book['id']}", headers=BOB), 403)
    assert_problem(await api.delete("/v1/books/1", headers=ALICE), 403)  # the seeded catalogue is read-only


async def test_orders_are_private(api: httpx.AsyncClient) -> None:
    placed = await api.post("/v1/orders", json={"book_id": 2, "quantity": 3}, headers=ALICE)
    assert placed.status_code == 201
    order = placed.json()
    assert order["total_cents"] == 3 * 999 and order["status"] == "placed"
    assert placed.headers["Location"] == f"/v1/orders/{order['id']}"
    assert_problem(await api.get(f"/v1/orders/{order['id']}", headers=BOB), 404)
    assert_problem(await api.delete(f"/v1/orders/{order['id']}", headers=BOB), 404)
    mine = (await api.get("/v1/orders?sort=created_at", headers=ALICE)).json()
    assert [item["id"] for item in mine["items"]] == [1, order["id"]]
    newest_first = (await api.get("/v1/orders", headers=ALICE)).json()
    assert [item["id"] for item in newest_first["items"]] == [order["id"], 1]


async def test_ordering_an_unknown_book_is_404(api: httpx.AsyncClient) -> None:
    assert_problem(await api.post("/v1/orders", json={"book_id": 999, "quantity": 1}, headers=ALICE), 404)


async def test_stats_aggregate_orders(api: httpx.AsyncClient) -> None:
    await api.post("/v1/orders", json={"book_id": 3, "quantity": 4}, headers=BOB)
    stats = (await api.get("/v1/stats?top=1", headers=ALICE)).json()
    assert stats["books"] == 3 and stats["orders"] == 3 and stats["units_sold"] == 6
    assert stats["revenue_cents"] == 2 * 1299 + 4 * 1650
    assert stats["top_books"] == [{"book_id": 3, "title": "Kindred", "units": 4}]


async def test_store_is_capped_per_user() -> None:
    async with serve(create_app(capacity_per_user=1)) as client:
        await create_book(client, ALICE)
        body = assert_problem(await client.post("/v1/books", json=BOOK, headers=ALICE), 409)
        assert body["type"].endswith("/quota-exceeded")
        await create_book(client, BOB)  # the cap is per user
        assert_problem(await client.post("/v1/orders", json={"book_id": 1, "quantity": 1}, headers=ALICE), 409)


async def test_apps_do_not_share_state() -> None:
    first, second = create_app(), create_app()
    async with serve(first) as one, serve(second) as other:
        book = await create_book(one)
        assert (await other.get(f"/v1/books/{book['id']}", headers=ALICE)).status_code == 404


def test_buggy_app_documents_exactly_the_correct_api() -> None:
    assert demo_app.buggy_app.openapi() == demo_app.app.openapi()
    assert create_app(buggy=True).openapi() == create_app().openapi()


def test_every_error_response_is_documented_as_problem_json() -> None:
    document = create_app().openapi()
    assert set(document["components"]["schemas"]["Problem"]["required"]) == PROBLEM_KEYS
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            if path != "/health":
                assert {"401", "422"} <= set(responses), where
            for status, response in responses.items():
                assert "X-Request-ID" in response["headers"], (where, status)
                if int(status) >= 400:
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (where, status)
                if status == "201":
                    assert response["headers"]["Location"]["required"], where
                if status == "429":
                    assert response["headers"]["Retry-After"]["required"], where


async def test_unexpected_errors_are_500_problems_with_a_request_id() -> None:
    app = create_app()

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("boom")

    async with serve(app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "r-1"})
    assert_problem(response, 500)
    assert response.headers["X-Request-ID"] == "r-1"


# Each demonstration returns whether the bug shows, on the correct app (False expected) or the buggy one (True).
Demonstration = Callable[[bool], Awaitable[bool]]


async def server_error_on_max_offset(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        fine = await client.get("/v1/books?offset=9999", headers=ALICE)
        assert fine.status_code == 200
        return (await client.get("/v1/books?offset=10000", headers=ALICE)).status_code == 500


async def anonymous_book_creation(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        assert (await client.post("/v1/books", json=BOOK, headers={"X-API-Key": "wrong"})).status_code == 401
        return (await client.post("/v1/books", json=BOOK)).status_code == 201


async def price_as_string(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        book = await create_book(client)
        mine = (await client.get(f"/v1/books/{book['id']}", headers=ALICE)).json()
        assert mine["price_cents"] == BOOK["price_cents"]  # only the legacy catalogue rows drift
        catalogue = (await client.get("/v1/books/1", headers=ALICE)).json()
        return isinstance(catalogue["price_cents"], str)


async def missing_etag_on_update(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        book = await create_book(client)
        response = await client.put(f"/v1/books/{book['id']}", json=BOOK, headers=ALICE)
        assert response.status_code == 200
        return "ETag" not in response.headers


async def deleted_book_still_readable(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        book = await create_book(client)
        assert (await client.delete(f"/v1/books/{book['id']}", headers=ALICE)).status_code == 204
        return (await client.get(f"/v1/books/{book['id']}", headers=ALICE)).status_code == 200


async def order_created_with_200(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        response = await client.post("/v1/orders", json={"book_id": 1, "quantity": 1}, headers=ALICE)
        assert response.status_code in (200, 201) and "Location" in response.headers
        return response.status_code == 200


async def unknown_sort_accepted(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        return (await client.get("/v1/orders?sort=price", headers=ALICE)).status_code == 200


async def plain_text_not_found(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        response = await client.get("/v1/orders/999", headers=ALICE)
        assert response.status_code == 404
        return response.headers["content-type"].startswith("text/plain")


async def rate_limit_without_retry_after(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy, rate_limit=1, clock=lambda: 0.0)) as client:
        await client.get("/v1/stats", headers=ALICE)
        response = await client.get("/v1/stats", headers=ALICE)
        assert response.status_code == 429
        return "Retry-After" not in response.headers


async def slow_health_check(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        started = time.perf_counter()
        assert (await client.get("/health")).status_code == 200
        return time.perf_counter() - started > 0.5


async def lost_price_change(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        book = await create_book(client)
        changed = {**BOOK, "price_cents": 2500}
        answered = await client.put(f"/v1/books/{book['id']}", json=changed, headers=ALICE)
        assert answered.status_code == 200 and answered.json()["price_cents"] == 2500
        stored = (await client.get(f"/v1/books/{book['id']}", headers=ALICE)).json()
        return bool(stored["price_cents"] != 2500)


async def stale_if_match_applied(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        book = await create_book(client)
        etag = (await client.get(f"/v1/books/{book['id']}", headers=ALICE)).headers["ETag"]
        current = await client.put(f"/v1/books/{book['id']}", json=BOOK, headers={**ALICE, "If-Match": etag})
        assert current.status_code == 200  # a matching If-Match is applied
        await client.put(f"/v1/books/{book['id']}", json={**BOOK, "title": "Eden"}, headers=ALICE)
        stale = await client.put(f"/v1/books/{book['id']}", json=BOOK, headers={**ALICE, "If-Match": etag})
        if not buggy:
            assert_problem(stale, 412)
        return stale.status_code == 200


async def unauthorized_names_the_book(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        refused = await client.get("/v1/books/1", headers={"X-API-Key": "wrong"})
        assert_problem(refused, 401)
        title = (await client.get("/v1/books/1", headers=ALICE)).json()["title"]
        return title in refused.text


async def conditional_get_ignored(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        etag = (await client.get("/v1/orders/1", headers=ALICE)).headers["ETag"]
        again = await client.get("/v1/orders/1", headers={**ALICE, "If-None-Match": etag})
        assert again.status_code in (200, 304)
        return again.status_code == 200


async def cancel_twice_crashes(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        assert (await client.delete("/v1/orders/1", headers=ALICE)).status_code == 204
        return (await client.delete("/v1/orders/1", headers=ALICE)).status_code == 500


async def any_user_cancels(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy)) as client:
        assert (await client.get("/v1/orders/1", headers=BOB)).status_code == 404
        return (await client.delete("/v1/orders/1", headers=BOB)).status_code == 204


async def remaining_over_limit(buggy: bool) -> bool:
    async with serve(create_app(buggy=buggy, clock=lambda: 0.0)) as client:
        response = await client.get("/v1/stats", headers=ALICE)
        assert response.status_code == 200
        return int(response.headers["X-RateLimit-Remaining"]) > int(response.headers["X-RateLimit-Limit"])


DEMONSTRATIONS: dict[str, Demonstration] = {
    BugKey.SERVER_ERROR_ON_MAX_OFFSET: server_error_on_max_offset,
    BugKey.ANONYMOUS_BOOK_CREATION: anonymous_book_creation,
    BugKey.PRICE_AS_STRING: price_as_string,
    BugKey.MISSING_ETAG_ON_UPDATE: missing_etag_on_update,
    BugKey.DELETED_BOOK_STILL_READABLE: deleted_book_still_readable,
    BugKey.ORDER_CREATED_WITH_200: order_created_with_200,
    BugKey.UNKNOWN_SORT_ACCEPTED: unknown_sort_accepted,
    BugKey.PLAIN_TEXT_NOT_FOUND: plain_text_not_found,
    BugKey.RATE_LIMIT_WITHOUT_RETRY_AFTER: rate_limit_without_retry_after,
    BugKey.SLOW_HEALTH_CHECK: slow_health_check,
    BugKey.LOST_PRICE_CHANGE: lost_price_change,
    BugKey.STALE_IF_MATCH_APPLIED: stale_if_match_applied,
    BugKey.UNAUTHORIZED_NAMES_THE_BOOK: unauthorized_names_the_book,
    BugKey.CONDITIONAL_GET_IGNORED: conditional_get_ignored,
    BugKey.CANCEL_TWICE_CRASHES: cancel_twice_crashes,
    BugKey.ANY_USER_CANCELS: any_user_cancels,
    BugKey.REMAINING_OVER_LIMIT: remaining_over_limit,
}


def test_every_planted_bug_is_demonstrated() -> None:
    assert set(DEMONSTRATIONS) == {bug.key for bug in PLANTED_BUGS} == set(BugKey)


@pytest.mark.parametrize("bug", PLANTED_BUGS, ids=lambda bug: bug.key)
async def test_planted_bug_shows_only_in_the_buggy_app(bug: Any) -> None:
    assert await DEMONSTRATIONS[bug.key](True), "the buggy app should have it"
    assert not await DEMONSTRATIONS[bug.key](False), "the correct app should not"


def test_catalogue_names_documented_operations_and_checks() -> None:
    paths = create_app().openapi()["paths"]
    documented = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    assert {bug.operation for bug in PLANTED_BUGS} <= documented
    caught = [(bug.operation, check) for bug in PLANTED_BUGS for check in bug.checks]
    assert len(set(caught)) == len(caught)  # each check finds at most one bug per operation
    assert all(bug.checks and bug.description for bug in PLANTED_BUGS)
    contract = {bug.operation for bug in PLANTED_BUGS if bug.in_contract}
    assert contract == {"GET /v1/books/{book_id}", "POST /v1/orders"}
