"""The in-memory store: thread-safe tables of owned rows, capped per owner so long fuzz or load runs stay small."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from .models import Book, BookIn, Order, OrderIn

T = TypeVar("T")

CATALOGUE = "catalogue"  # owns the seeded books, which no API key may change
SEED_BOOKS = (
    BookIn(title="Dune", author="Frank Herbert", isbn="9780441172719", price_cents=1299, published_year=1965),
    BookIn(title="Neuromancer", author="William Gibson", isbn="9780441569595", price_cents=999, published_year=1984),
    BookIn(title="Kindred", author="Octavia E. Butler", isbn="9780807083697", price_cents=1650, published_year=1979),
)


class QuotaExceededError(Exception):
    """The owner already has as many rows as a table allows per owner."""


@dataclass(frozen=True, slots=True)
class Row(Generic[T]):
    owner: str
    value: T


class Table(Generic[T]):
    """Rows keyed by a server-assigned id, in creation order."""

    def __init__(self, capacity_per_owner: int) -> None:
        self._capacity = capacity_per_owner
        self._rows: dict[int, Row[T]] = {}
        self._per_owner: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def insert(self, owner: str, build: Callable[[int], T], *, capped: bool = True) -> T:
        with self._lock:
            if capped and self._per_owner[owner] >= self._capacity:
                raise QuotaExceededError(f"{owner} already owns {self._capacity} of them; delete some first.")
            key = next(self._ids)
            value = build(key)
            self._rows[key] = Row(owner, value)
            self._per_owner[owner] += 1
            return value

    def get(self, key: int) -> Row[T] | None:
        with self._lock:
            return self._rows.get(key)

    # replace() and delete() report whether the row was still there: another request may have deleted it.
    def replace(self, key: int, value: T) -> bool:
        with self._lock:
            row = self._rows.get(key)
            if row is not None:
                self._rows[key] = Row(row.owner, value)
            return row is not None

    def delete(self, key: int) -> bool:
        with self._lock:
            row = self._rows.pop(key, None)
            if row is not None:
                self._per_owner[row.owner] -= 1
            return row is not None

    def values(self, owner: str | None = None) -> list[T]:
        with self._lock:
            return [row.value for row in self._rows.values() if owner is None or row.owner == owner]


class Store:
    """The bookstore's data. Books are a public catalogue; orders are private to the user who placed them."""

    def __init__(self, *, capacity_per_owner: int) -> None:
        self.books: Table[Book] = Table(capacity_per_owner)
        self.orders: Table[Order] = Table(capacity_per_owner)

    def add_book(self, owner: str, data: BookIn, *, capped: bool = True) -> Book:
        return self.books.insert(owner, lambda key: Book(id=key, **data.model_dump()), capped=capped)

    def add_order(self, owner: str, data: OrderIn, unit_price_cents: int, *, capped: bool = True) -> Order:
        def build(key: int) -> Order:
            total = unit_price_cents * data.quantity
            now = datetime.now(UTC)
            return Order(id=key, **data.model_dump(), total_cents=total, status="placed", created_at=now)

        return self.orders.insert(owner, build, capped=capped)


def seeded_store(*, capacity_per_owner: int, users: tuple[str, ...]) -> Store:
    """A store holding the catalogue's books and one order per user, so GETs by id have something to find."""
    store = Store(capacity_per_owner=capacity_per_owner)
    for book in SEED_BOOKS:
        store.add_book(CATALOGUE, book, capped=False)
    for user in users:
        store.add_order(user, OrderIn(book_id=1, quantity=1), SEED_BOOKS[0].price_cents, capped=False)
    return store
