"""Per-app state and the FastAPI dependencies that read it: authentication and rate limiting."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from .bugs import BugKey
from .problems import ProblemError
from .ratelimit import SlidingWindowLimiter
from .store import Store

API_KEY_HEADER = "X-API-Key"
USERS = {"demo-key": "alice", "demo-key-2": "bob"}
ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Demo:
    """Everything one app instance owns, so `app` and `buggy_app` share nothing."""

    store: Store
    limiter: SlidingWindowLimiter
    bugs: frozenset[BugKey]
    cancelled: set[int] = field(default_factory=set)  # order ids cancelled, for the planted double-cancel crash


def get_demo(request: Request) -> Demo:
    return cast(Demo, request.app.state.demo)


DemoDep = Annotated[Demo, Depends(get_demo)]
ApiKey = Annotated[
    str | None,
    Security(APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="`demo-key` or `demo-key-2`.")),
]


def unauthorized(api_key: str | None, detail: str = "") -> ProblemError:
    detail = detail or (f"Missing {API_KEY_HEADER} header." if api_key is None else f"Invalid {API_KEY_HEADER}.")
    return ProblemError(401, detail, headers={"WWW-Authenticate": f'ApiKey header="{API_KEY_HEADER}"'})


def current_user(api_key: ApiKey) -> str:
    user = USERS.get(api_key or "")
    if user is None:
        raise unauthorized(api_key)
    return user


def book_creator(api_key: ApiKey, demo: DemoDep) -> str:
    if api_key is None and BugKey.ANONYMOUS_BOOK_CREATION in demo.bugs:
        return ANONYMOUS
    return current_user(api_key)


def rate_limited_user(user: Annotated[str, Depends(current_user)], demo: DemoDep) -> str:
    retry_after = demo.limiter.hit(user)
    if retry_after is not None:
        headers = {} if BugKey.RATE_LIMIT_WITHOUT_RETRY_AFTER in demo.bugs else {"Retry-After": str(retry_after)}
        raise ProblemError(429, "Too many requests for this API key.", kind="rate-limited", headers=headers)
    return user


User = Annotated[str, Depends(current_user)]
BookCreator = Annotated[str, Depends(book_creator)]
RateLimitedUser = Annotated[str, Depends(rate_limited_user)]
