"""The demo bookstore service: `app` is correct, `buggy_app` has the bugs in `apitest.demo.bugs` planted.

Serve one with `python -m uvicorn apitest.demo.app:app --port 8701`; keys are `demo-key` and `demo-key-2`.
"""

from __future__ import annotations

from fastapi import FastAPI

from . import books, openapi, orders, problems, system
from .bugs import BugKey
from .dependencies import USERS, Demo
from .ratelimit import Clock, SlidingWindowLimiter, Ticks
from .requestid import RequestIdMiddleware
from .store import seeded_store

DESCRIPTION = """\
A small bookstore: a public catalogue of books and private orders, for apitest to fuzz, contract-test and load.

Authenticate with `X-API-Key: demo-key` (or `demo-key-2`, a second user). Errors are RFC 9457
`application/problem+json`; every response carries `X-Request-ID`.
"""


def create_app(
    *,
    buggy: bool = False,
    rate_limit: int = 10,
    rate_window: float = 1.0,
    clock: Clock | None = None,
    capacity_per_user: int = 10_000,
) -> FastAPI:
    """A new service with its own seeded store; `rate_limit` requests per `rate_window` seconds on /v1/stats.

    The clock is logical by default (one tick of 1/(2 * rate_limit) s per request): the limit counts requests, so a
    run meets the same 429s every time. Pass `time.monotonic` for a wall clock.
    """
    app = FastAPI(title="apitest demo bookstore", version="1.0.0", description=DESCRIPTION)
    app.state.demo = Demo(
        store=seeded_store(capacity_per_owner=capacity_per_user, users=tuple(USERS.values())),
        limiter=SlidingWindowLimiter(
            limit=rate_limit, window=rate_window, clock=clock or Ticks(rate_window / (2 * rate_limit))
        ),
        bugs=frozenset(BugKey) if buggy else frozenset(),
    )
    for module in (system, books, orders):
        app.include_router(module.router)
    problems.install(app)
    openapi.install(app)
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
buggy_app = create_app(buggy=True)
