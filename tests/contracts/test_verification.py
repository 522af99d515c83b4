"""Provider verification with the real pact verifier against the demo bookstore served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from apitest.contracts import UnknownStateError
from apitest.contracts.findings import verdict_findings
from apitest.contracts.pactfile import PactDocument, parse_pact, read_pact_file
from apitest.contracts.verification import PactVerification
from apitest.demo.states import provider_state
from apitest.target import ServedApp

ROOT = Path(__file__).parents[2]
DEMO_PACT = ROOT / "apitest" / "demo" / "suite" / "pacts" / "storefront-bookstore.json"
HEADERS = {"X-API-Key": "demo-key"}


def _serve(ref: str, logs: Path) -> Iterator[str]:
    served = ServedApp(ref, ROOT, "test", log=logs / "serve.log")
    yield served.base_url
    served.close()


@pytest.fixture(scope="module")
def correct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve("apitest.demo.app:app", tmp_path_factory.mktemp("correct"))


@pytest.fixture(scope="module")
def buggy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve("apitest.demo.app:buggy_app", tmp_path_factory.mktemp("buggy"))


def verify(
    document: PactDocument,
    base_url: str,
    handler: Callable[[str, dict[str, Any], str, str], None],
    timeout_s: float = 10.0,
) -> dict[str, list[Any]]:
    verification = PactVerification(
        document,
        base_url=base_url,
        handler=handler,
        headers=HEADERS,
        timeout_s=timeout_s,
        request_timeout_s=5.0,
        order=[i.index for i in document.interactions],
    )
    try:
        return {
            i.description: verdict_findings(
                document, i, verification.verdict(i.index), operation="op", base_url=base_url, headers=HEADERS
            )
            for i in document.interactions
        }
    finally:
        verification.close()


def test_demo_pact_passes_against_the_correct_demo(correct):
    found = verify(read_pact_file(DEMO_PACT), correct, provider_state)
    assert found == {
        "a request for a book": [],
        "a request for a page of the catalogue": [],
        "a request to place an order": [],
        "a request for a book that does not exist": [],
    }


def test_buggy_demo_fails_with_the_drifted_field_and_the_changed_status(buggy):
    found = verify(read_pact_file(DEMO_PACT), buggy, provider_state)
    (drift,) = found["a request for a book"]
    assert (drift.check, drift.details["path"], drift.details["expected"], drift.details["actual"]) == (
        "pact.body",
        "$.price_cents",
        1299,
        "1299",
    )
    assert drift.key == "storefront→bookstore: a request for a book $.price_cents"
    assert drift.curl is not None and drift.curl.startswith(f"curl {buggy}/v1/books/1 -H 'X-API-Key: demo-key'")
    (status,) = found["a request to place an order"]
    assert (status.check, status.details["expected"], status.details["actual"], status.title) == (
        "pact.status",
        201,
        200,
        "status 200, the pact expects 201",
    )
    assert (
        status.exchange is not None
        and status.exchange.status == 200
        and status.exchange.request_body == '{"book_id":1,"quantity":2}'
    )
    assert (
        found["a request for a page of the catalogue"] == [] and found["a request for a book that does not exist"] == []
    )


def _single(description: str, state: str | None, path: str = "/health") -> dict[str, Any]:
    interaction: dict[str, Any] = {
        "description": description,
        "request": {"method": "GET", "path": path},
        "response": {"status": 200, "body": {"status": "ok"}},
    }
    if state:
        interaction["providerStates"] = [{"name": state, "params": {"n": 1}}]
    return interaction


def _document(*interactions: dict[str, Any]) -> PactDocument:
    data = {
        "consumer": {"name": "ops"},
        "provider": {"name": "bookstore"},
        "interactions": list(interactions),
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    return parse_pact(data, "ops.json")


def test_unknown_and_broken_states_are_quick_clear_findings(correct):
    def handler(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
        if state == "the database is up":
            raise ConnectionError("database down")
        if state != "fine":
            raise UnknownStateError(state)

    document = _document(
        _single("health, unknown state", "a wizard did it"),
        _single("health, broken state", "the database is up"),
        _single("health, fine", "fine"),
    )
    started = time.monotonic()
    found = verify(document, correct, handler)
    assert time.monotonic() - started < 10  # pact would retry a failing state change for minutes
    (unknown,) = found["health, unknown state"]
    assert (unknown.check, unknown.title) == ("pact.state", "provider state 'a wizard did it' is not handled")
    assert unknown.key == "ops→bookstore: health, unknown state state a wizard did it"
    (broken,) = found["health, broken state"]
    assert broken.check == "pact.state" and broken.title == "provider state 'the database is up' setup failed"
    assert "raised ConnectionError: database down" in broken.message and '{"n": 1}' in broken.message
    assert found["health, fine"] == []


def test_a_hanging_state_handler_ends_within_the_bound_and_the_rest_is_verified(correct):
    release = threading.Event()

    def handler(state: str, params: dict[str, Any], action: str, base_url: str) -> None:
        if state == "hangs":
            release.wait(60)

    document = _document(_single("health, hanging state", "hangs"), _single("health after", "fine"))
    started = time.monotonic()
    try:
        found = verify(document, correct, handler, timeout_s=1.5)
    finally:
        release.set()
    elapsed = time.monotonic() - started
    assert elapsed < 8, elapsed
    (hung,) = found["health, hanging state"]
    assert hung.check == "pact.state" and hung.title == "provider state 'hangs' setup did not return within 1.5 s"
    assert found["health after"] == []


def test_the_demo_states_module_sets_up_the_provider_over_http(correct):
    with httpx.Client(base_url=correct, headers=HEADERS, timeout=5) as orders:
        before = orders.get("/v1/orders", params={"limit": 100}).json()["total"]
        provider_state("orders can be placed", {"api_key": "demo-key"}, "setup", correct)
        assert orders.post("/v1/orders", json={"book_id": 1, "quantity": 1}).status_code == 201  # the interaction
        provider_state("orders can be placed", {"api_key": "demo-key"}, "teardown", correct)
        assert orders.get("/v1/orders", params={"limit": 100}).json()["total"] == before
    with pytest.raises(UnknownStateError):
        provider_state("a wizard did it", {}, "setup", correct)
    with pytest.raises(LookupError, match="book 424242 is not in the catalogue"):
        provider_state("a book exists", {"id": 424242}, "setup", correct)
    with pytest.raises(LookupError, match="book 1 exists"):
        provider_state("no book exists", {"id": 1}, "setup", correct)
