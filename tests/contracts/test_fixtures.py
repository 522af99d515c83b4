"""The consumer side: the `pact` fixture writes real pacts through pact's FFI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CONSUMER_TESTS = """
import httpx
import pytest
from pact import match

pytestmark = pytest.mark.apitest_pact(consumer="web")


def test_item(pact):
    (
        pact.upon_receiving("a request for item 1")
        .given("item 1 exists", id=1)
        .with_request("GET", "/items/1")
        .will_respond_with(200)
        .with_body({"id": match.int(1), "name": match.str("bolt")}, content_type="application/json")
    )
    with pact.serve() as server:
        assert str(server.url).startswith("http://127.0.0.1:")
        assert httpx.get(f"{server.url}/items/1").json() == {"id": 1, "name": "bolt"}


def test_health(pact):
    pact.upon_receiving("a health check").with_request("GET", "/health").will_respond_with(200)
    with pact.serve() as server:
        assert httpx.get(f"{server.url}/health").status_code == 200


def test_broken_client(pact):
    pact.upon_receiving("a request the client gets wrong").with_request("GET", "/wrong").will_respond_with(200)
    with pact.serve(raises=False) as server:
        httpx.get(f"{server.url}/wrong")
    assert False, "the consumer's own assertion fails"
"""


def _suite(pytester: pytest.Pytester, contracts: str = 'provider = "inventory"') -> None:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.path.joinpath("apitest.toml").write_text(
        f'base_url = "http://127.0.0.1:9"\n[fuzz]\nenabled = false\n[contracts]\n{contracts}\n'
    )


def test_passing_consumer_tests_merge_into_the_suites_pact(pytester):
    _suite(pytester)
    pytester.makepyfile(test_consumer=CONSUMER_TESTS)
    result = pytester.runpytest("test_consumer.py")
    result.assert_outcomes(passed=2, failed=1)
    written = json.loads((pytester.path / "pacts" / "web-inventory.json").read_text())
    assert written["metadata"]["pactSpecification"]["version"] == "4.0"
    assert sorted(i["description"] for i in written["interactions"]) == ["a health check", "a request for item 1"]
    # A second run merges, it does not duplicate.
    pytester.runpytest("test_consumer.py", "-k", "item")
    again = json.loads((pytester.path / "pacts" / "web-inventory.json").read_text())
    assert len(again["interactions"]) == 2


def test_marker_and_suite_choose_the_specification_and_folder(pytester, monkeypatch):
    _suite(pytester, 'provider = "inventory"\nspecification = "V3"\npact_dir = "contracts/out"')
    pytester.makepyfile(test_consumer=CONSUMER_TESTS)
    pytester.runpytest("test_consumer.py", "-k", "health").assert_outcomes(passed=1)
    written = json.loads((pytester.path / "contracts" / "out" / "web-inventory.json").read_text())
    assert written["metadata"]["pactSpecification"]["version"] == "3.0.0"
    monkeypatch.setenv("APITEST_PACT_DIR", str(pytester.path / "elsewhere"))
    pytester.runpytest("test_consumer.py", "-k", "health").assert_outcomes(passed=1)
    assert (pytester.path / "elsewhere" / "web-inventory.json").is_file()


def test_a_missing_name_is_a_clear_failure(pytester):
    _suite(pytester, "")
    pytester.makepyfile(
        test_consumer="""
        def test_it(pact):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*the `pact` fixture needs a consumer name: mark the test or module with @pytest.mark.apitest_pact(*"]
    )
    assert "Traceback" not in result.stdout.str()


def test_interactions_never_served_are_an_error_not_a_pact(pytester):
    _suite(pytester)
    pytester.makepyfile(
        test_consumer="""
        import pytest

        @pytest.mark.apitest_pact("web")
        def test_it(pact):
            pact.upon_receiving("never sent").with_request("GET", "/x").will_respond_with(200)
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*declared 1 interaction(s) but never ran them against the mock server*"])
    assert not (pytester.path / "pacts").exists()


def test_the_demo_consumer_tests_write_the_committed_pact(pytester):
    suite = Path(__file__).parents[2] / "apitest" / "demo" / "suite"
    _suite(pytester, 'provider = "bookstore"')
    pytester.makepyfile(test_storefront_consumer=(suite / "test_storefront_consumer.py").read_text())
    pytester.runpytest("test_storefront_consumer.py").assert_outcomes(passed=4)
    written = json.loads((pytester.path / "pacts" / "storefront-bookstore.json").read_text())
    committed = json.loads((suite / "pacts" / "storefront-bookstore.json").read_text())
    assert written["interactions"] == committed["interactions"]  # regenerate it: pytest apitest/demo/suite -k consumer


def test_the_tests_own_marker_beats_every_setting_of_the_folder(pytester, monkeypatch):
    _suite(pytester, 'provider = "inventory"\npact_dir = "from-the-suite"')
    marked = CONSUMER_TESTS.replace('apitest_pact(consumer="web")', 'apitest_pact(consumer="web", pact_dir="marked")')
    pytester.makepyfile(test_consumer=marked)
    monkeypatch.setenv("APITEST_PACT_DIR", str(pytester.path / "from-the-environment"))
    pytester.runpytest("test_consumer.py", "-k", "health").assert_outcomes(passed=1)
    assert (pytester.path / "marked" / "web-inventory.json").is_file()
    assert not (pytester.path / "from-the-environment").exists() and not (pytester.path / "from-the-suite").exists()
