"""Operational endpoints: the unauthenticated health check and the rate-limited sales statistics."""

from __future__ import annotations

import time
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Response

from .bugs import BugKey
from .dependencies import DemoDep, RateLimitedUser
from .models import BookSales, Health, Stats
from .openapi import RATE_LIMITED, errors

router = APIRouter()
DAILY_QUOTA = 1000


@router.get("/health", operation_id="health", summary="Liveness", tags=["system"], response_model=Health)
def health(demo: DemoDep) -> Health:
    if BugKey.SLOW_HEALTH_CHECK in demo.bugs:
        time.sleep(0.7)  # planted: a synchronous "dependency ping"
    return Health(status="ok")


@router.get(
    "/v1/stats",
    operation_id="getStats",
    summary="Sales statistics (expensive, so rate-limited per API key)",
    tags=["system"],
    response_model=Stats,
    responses={200: RATE_LIMITED, **errors(401, 422, 429)},
)
def stats(
    user: RateLimitedUser,
    demo: DemoDep,
    response: Response,
    top: Annotated[int, Query(ge=1, le=20, description="How many best sellers to list.", examples=[5])] = 5,
) -> Stats:
    books = {book.id: book for book in demo.store.books.values()}
    orders = demo.store.orders.values()
    units: Counter[int] = Counter()
    for order in orders:
        units[order.book_id] += order.quantity
    best = [(book_id, sold) for book_id, sold in units.most_common() if book_id in books][:top]
    remaining = demo.limiter.remaining(user)
    if BugKey.REMAINING_OVER_LIMIT in demo.bugs:
        remaining += DAILY_QUOTA - demo.limiter.limit  # planted: counts down from the daily quota, not this window's
    response.headers["X-RateLimit-Limit"] = str(demo.limiter.limit)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    return Stats(
        books=len(books),
        orders=len(orders),
        units_sold=sum(units.values()),
        revenue_cents=sum(order.total_cents for order in orders),
        top_books=[BookSales(book_id=book_id, title=books[book_id].title, units=sold) for book_id, sold in best],
    )
