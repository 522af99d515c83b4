"""Provider states for the storefront's pact: the demo suite's `[contracts] states` handler.

The bookstore runs in its own process (apitest serves it on 127.0.0.1), so the handler sets it up the way a
real provider's test hooks would: over HTTP, at the `base_url` apitest passes. A state it does not know is
reported as a finding.
"""

from __future__ import annotations

import atexit
import functools
import os
from collections.abc import Callable
from typing import Any

import httpx

from ..contracts import UnknownStateError

# The newest order id of a user before an interaction that places orders, per provider, so teardown can cancel
# the orders the interaction placed and leave the provider as it found it.
_newest_order: dict[tuple[str, str], int] = {}


def provider_state(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
    handler = HANDLERS.get(state)
    if handler is None:
        raise UnknownStateError(state)
    handler(_client(base_url, _key(params)), params, action)


@functools.cache
def _client(base_url: str, api_key: str) -> httpx.Client:
    """One client per provider and key: a new httpx.Client costs ~30 ms (its TLS context), a request ~3 ms."""
    client = httpx.Client(base_url=base_url, headers={"X-API-Key": api_key}, timeout=5.0)
    atexit.register(client.close)
    return client


def book_exists(client: httpx.Client, params: dict[str, Any], action: str) -> None:
    book_id = int(params.get("id", 1))
    if action == "setup" and client.get(f"/v1/books/{book_id}").status_code != 200:
        raise LookupError(f"book {book_id} is not in the catalogue")


def no_book(client: httpx.Client, params: dict[str, Any], action: str) -> None:
    book_id = int(params["id"])
    if action == "setup" and client.get(f"/v1/books/{book_id}").status_code != 404:
        raise LookupError(f"book {book_id} exists; the demo cannot delete catalogue books")


def orders_can_be_placed(client: httpx.Client, params: dict[str, Any], action: str) -> None:
    key = (str(client.base_url), _key(params))
    newest = _newest(client)
    if action == "setup":
        _newest_order[key] = newest
        return
    before = _newest_order.pop(key, newest)
    response = client.get("/v1/orders", params={"sort": "-created_at", "limit": 100})
    response.raise_for_status()
    for order in response.json()["items"]:
        if order["id"] > before:
            client.delete(f"/v1/orders/{order['id']}").raise_for_status()


def _newest(client: httpx.Client) -> int:
    response = client.get("/v1/orders", params={"sort": "-created_at", "limit": 1})
    response.raise_for_status()
    items = response.json()["items"]
    return int(items[0]["id"]) if items else 0


def _key(params: dict[str, Any]) -> str:
    return str(params.get("api_key") or os.environ.get("APITEST_DEMO_KEY", "demo-key"))


HANDLERS: dict[str, Callable[[httpx.Client, dict[str, Any], str], None]] = {
    "a book exists": book_exists,
    "no book exists": no_book,
    "orders can be placed": orders_can_be_placed,
}
