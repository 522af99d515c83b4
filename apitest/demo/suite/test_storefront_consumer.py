"""The storefront's consumer tests: its bookstore client against pact's mock server.

Each passing test merges its interactions into `pacts/storefront-bookstore.json`, which the suite's contract items
then verify against the running bookstore and check against its OpenAPI document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pact import Pact, match

pytestmark = pytest.mark.apitest_pact(consumer="storefront", provider="bookstore")

API_KEY = "demo-key"
MISSING_BOOK = 999_999
ETAG = r'^(W/)?"[^"]*"$'
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


@dataclass(frozen=True, slots=True)
class Book:
    id: int
    title: str
    author: str
    price_cents: int


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    book_id: int
    quantity: int
    total_cents: int
    url: str


class Storefront:
    """The consumer: the part of the bookstore API a shop front uses."""

    def __init__(self, base_url: str, api_key: str = API_KEY) -> None:
        self._client = httpx.Client(base_url=base_url, headers={"X-API-Key": api_key}, timeout=5.0)

    def book(self, book_id: int) -> Book | None:
        response = self._client.get(f"/v1/books/{book_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return _book(response.json())

    def catalogue(self, limit: int) -> list[Book]:
        response = self._client.get("/v1/books", params={"limit": limit})
        response.raise_for_status()
        return [_book(item) for item in response.json()["items"]]

    def order(self, book_id: int, quantity: int) -> Order:
        response = self._client.post("/v1/orders", json={"book_id": book_id, "quantity": quantity})
        if response.status_code != 201:
            raise RuntimeError(f"ordering failed: {response.status_code} {response.text}")
        data = response.json()
        return Order(data["id"], data["book_id"], data["quantity"], data["total_cents"], response.headers["Location"])


def _book(data: dict[str, Any]) -> Book:
    return Book(data["id"], data["title"], data["author"], data["price_cents"])


BOOK = {
    "id": match.int(1),
    "title": match.str("Dune"),
    "author": match.str("Frank Herbert"),
    "isbn": match.regex("9780441172719", regex=r"^97[89][0-9]{10}$"),
    "price_cents": match.int(1299),
    "published_year": match.int(1965),
}


def test_shows_a_book(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for a book")
        .given("a book exists", id=1)
        .with_request("GET", "/v1/books/1")
        .with_header("X-API-Key", API_KEY)
        .will_respond_with(200)
        .with_header("ETag", match.regex('"5d41402abc4b2a76b9719d911017c592"', regex=ETAG))
        .with_body(BOOK, content_type="application/json")
    )
    with pact.serve() as server:
        book = Storefront(str(server.url)).book(1)
    assert book == Book(1, "Dune", "Frank Herbert", 1299)


def test_lists_the_catalogue(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for a page of the catalogue")
        .given("a book exists", id=1)
        .with_request("GET", "/v1/books")
        .with_query_parameter("limit", "2")
        .with_header("X-API-Key", API_KEY)
        .will_respond_with(200)
        .with_body(
            {"items": match.each_like(BOOK, min=1), "total": match.int(3), "limit": 2, "offset": 0},
            content_type="application/json",
        )
    )
    with pact.serve() as server:
        books = Storefront(str(server.url)).catalogue(limit=2)
    assert [b.title for b in books] == ["Dune"]


def test_places_an_order(pact: Pact) -> None:
    (
        pact.upon_receiving("a request to place an order")
        .given("a book exists", id=1)
        .given("orders can be placed", api_key=API_KEY)
        .with_request("POST", "/v1/orders")
        .with_header("X-API-Key", API_KEY)
        .with_body({"book_id": 1, "quantity": 2}, content_type="application/json")
        .will_respond_with(201)
        .with_header("Location", match.regex("/v1/orders/7", regex=r"^/v1/orders/[0-9]+$"))
        .with_body(
            {
                "id": match.int(7),
                "book_id": 1,
                "quantity": 2,
                "total_cents": match.int(2598),
                "status": "placed",
                "created_at": match.regex("2026-01-01T12:00:00Z", regex=TIMESTAMP),
            },
            content_type="application/json",
        )
    )
    with pact.serve() as server:
        order = Storefront(str(server.url)).order(book_id=1, quantity=2)
    assert (order.book_id, order.quantity, order.url) == (1, 2, "/v1/orders/7")


def test_reports_a_missing_book(pact: Pact) -> None:
    (
        pact.upon_receiving("a request for a book that does not exist")
        .given("no book exists", id=MISSING_BOOK)
        .with_request("GET", f"/v1/books/{MISSING_BOOK}")
        .with_header("X-API-Key", API_KEY)
        .will_respond_with(404)
        .with_body(
            {"status": 404, "title": match.str("Not Found"), "detail": match.str(f"No book with id {MISSING_BOOK}.")},
            content_type="application/problem+json",
        )
    )
    with pact.serve() as server:
        assert Storefront(str(server.url)).book(MISSING_BOOK) is None
