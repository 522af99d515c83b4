"""Contract items end to end: suites with pacts run through pytest, against the demo bookstore served on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from apitest.report.schema import report_schema

from .builders import PACTS, SHOP_SPEC

DEMO_PACTS = Path(__file__).parents[2] / "apitest" / "demo" / "suite" / "pacts"


def report(pytester: pytest.Pytester) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    jsonschema.validate(data, report_schema())
    return data


def demo_suite(
    pytester: pytest.Pytester,
    *,
    app: str = "app",
    states: str = "apitest.demo.states:provider_state",
    contracts: str = "",
) -> None:
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    shutil.copytree(DEMO_PACTS, pytester.path / "pacts")
    pytester.path.joinpath("apitest.toml").write_text(
        f'name = "demo"\nserve = "apitest.demo.app:{app}"\n[auth.headers]\nX-API-Key = "demo-key"\n[fuzz]\nenabled = false\n'
        f'[contracts]\nprovider = "bookstore"\nstates = "{states}"\n{contracts}'
    )


def test_one_verify_and_one_crosscheck_item_per_interaction(pytester):
    demo_suite(pytester)
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "apitest.toml::verify[[]storefront→bookstore: a request for a book[]]",
            "apitest.toml::crosscheck[[]storefront→bookstore: a request for a book[]]",
            "apitest.toml::verify[[]storefront→bookstore: a request to place an order[]]",
            "*8 tests collected*",
        ]
    )


def test_demo_pact_passes_against_the_correct_demo(pytester):
    demo_suite(pytester)
    result = pytester.runpytest("-m", "apitest_contract")
    assert result.ret == 0, result.stdout.str()
    data = report(pytester)
    assert data["verdict"] == "passed"
    modes = sorted((c["mode"], c["outcome"]) for c in data["contracts"])
    assert modes == [("crosscheck", "passed")] * 4 + [("verify", "passed")] * 4


def test_buggy_demo_fails_with_precise_findings(pytester):
    demo_suite(pytester, app="buggy_app")
    result = pytester.runpytest("-k", "verify")
    assert result.ret == 1
    result.assert_outcomes(passed=2, failed=2)
    findings = {f["check"]: f for f in report(pytester)["findings"]}
    assert set(findings) == {"pact.body", "pact.status"}
    drift, status = findings["pact.body"], findings["pact.status"]
    assert drift["operation"] == "GET /v1/books/{book_id}" and drift["source"] == "contract"
    assert {k: drift["details"][k] for k in ("consumer", "provider", "interaction", "path", "expected", "actual")} == {
        "consumer": "storefront",
        "provider": "bookstore",
        "interaction": "a request for a book",
        "path": "$.price_cents",
        "expected": 1299,
        "actual": "1299",
    }
    assert status["operation"] == "POST /v1/orders" and (
        status["details"]["expected"],
        status["details"]["actual"],
    ) == (201, 200)
    assert status["curl"].startswith("curl -X POST http://127.0.0.1:") and "X-API-Key: [REDACTED]" in status["curl"]
    assert "demo-key" not in json.dumps(findings)
    result.stdout.fnmatch_lines(["*[[]high[]] pact.status on POST /v1/orders: status 200, the pact expects 201*"])


def test_k_selects_which_interactions_are_verified(pytester):
    demo_suite(pytester, app="buggy_app", states="hooks:handler")
    pytester.makepyfile(
        hooks="""
        from apitest.demo.states import provider_state

        def handler(state, params, action, base_url):
            with open("states.log", "a") as log:
                log.write(f"{action} {state}\\n")
            provider_state(state, params, action, base_url)
        """
    )
    result = pytester.runpytest("-k", "verify and exist")
    result.assert_outcomes(passed=1)
    assert [c["interaction"] for c in report(pytester)["contracts"]] == ["a request for a book that does not exist"]
    assert (pytester.path / "states.log").read_text().splitlines() == [
        "setup no book exists",
        "teardown no book exists",
    ]


def test_failing_states_are_findings_and_the_run_is_bounded(pytester):
    demo_suite(pytester, states="hooks:handler", contracts="timeout = 1.5\n")
    pytester.makepyfile(
        hooks="""
        import time
        from apitest.contracts import UnknownStateError

        def handler(state, action):
            if state == "a book exists":
                raise RuntimeError("the catalogue is offline")
            if state == "no book exists":
                time.sleep(30)
            raise UnknownStateError(state)
        """
    )
    started = time.monotonic()
    result = pytester.runpytest("-k", "verify")
    assert time.monotonic() - started < 30  # pact alone retries failing state changes for minutes
    assert result.ret == 1
    found = sorted((f["details"]["interaction"], f["title"]) for f in report(pytester)["findings"])
    assert found == [
        ("a request for a book", "provider state 'a book exists' setup failed"),
        (
            "a request for a book that does not exist",
            "provider state 'no book exists' setup did not return within 1.5 s",
        ),
        ("a request for a page of the catalogue", "provider state 'a book exists' setup failed"),
        ("a request to place an order", "provider state 'a book exists' setup failed"),
        ("a request to place an order", "provider state 'orders can be placed' is not handled"),
    ]


def test_crosscheck_runs_offline_against_a_spec_file(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "pacts").mkdir()
    shutil.copy(PACTS / "conforming-v4.json", pytester.path / "pacts")
    drifted = json.loads((PACTS / "drifted-v4.json").read_text())
    drifted["interactions"][1]["pending"] = True  # pact's pending pacts: reported, but must not break the build
    (pytester.path / "pacts" / "drifted-v4.json").write_text(json.dumps(drifted))
    (pytester.path / "shop.json").write_text(json.dumps(SHOP_SPEC))
    pytester.path.joinpath("apitest.toml").write_text(
        'spec = "shop.json"\nbase_url = "http://127.0.0.1:9"\n[fuzz]\nenabled = false\n[contracts]\nverify = false\n'
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=4, failed=2)  # the pending interaction's gap is a warning: it fails nothing
    findings = sorted(
        (f["check"], f["operation"], f["details"]["location"], f["severity"], f["warning"])
        for f in report(pytester)["findings"]
    )
    assert findings == [
        ("crosscheck.response_schema", "GET /products/{id}", "$.colour", "medium", False),
        ("crosscheck.response_schema", "GET /products/{id}", "$.stock", "medium", False),
        ("crosscheck.undocumented_operation", "GET /orders", "path", "low", True),
    ]
    assert all(f["curl"].startswith("curl http://127.0.0.1:9/") for f in report(pytester)["findings"])
    result.stdout.fnmatch_lines(["failed: 3 findings (1 warning) *", "  [[]low[]] (warning) contract GET /orders:*"])
    strict = pytester.runpytest("--apitest-strict", "true")
    strict.assert_outcomes(passed=3, failed=3)  # --apitest-strict: warnings fail their item too
    assert [f["warning"] for f in report(pytester)["findings"]] == [False, False, False]


def test_warnings_alone_pass_the_item_and_the_run(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "pacts").mkdir()
    conforming = json.loads((PACTS / "conforming-v3.json").read_text())
    conforming["interactions"][2]["request"]["query"]["sort"] = ["name"]  # undocumented: the provider may ignore it
    (pytester.path / "pacts" / "web.json").write_text(json.dumps(conforming))
    (pytester.path / "shop.json").write_text(json.dumps(SHOP_SPEC))
    pytester.path.joinpath("apitest.toml").write_text(
        'spec = "shop.json"\nbase_url = "http://127.0.0.1:9"\n[fuzz]\nenabled = false\n[contracts]\nverify = false\n'
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=3)
    data = report(pytester)
    assert data["verdict"] == "passed" and data["summary"]["warnings"] == 1
    assert [(f["check"], f["severity"], f["warning"]) for f in data["findings"]] == [
        ("crosscheck.request_parameters", "low", True)
    ]
    assert pytester.runpytest("--apitest-strict", "true").ret == pytest.ExitCode.TESTS_FAILED


def test_a_pact_that_cannot_be_read_is_one_error_and_every_other_pact_is_checked(pytester):
    demo_suite(pytester)
    broken = json.loads((pytester.path / "pacts" / "storefront-bookstore.json").read_text())
    broken["interactions"][2]["response"]["status"] = "201"  # Pact's core refuses this too
    (pytester.path / "pacts" / "broken.json").write_text(json.dumps(broken))
    result = pytester.runpytest("-k", "not verify")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "apitest: pacts/broken.json: $.interactions[[]2[]].response.status must be an HTTP status code, "
            'not "201". Pact\'s core refuses it too.'
        ]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    data = report(pytester)
    assert [e["item"].split("::")[-1] for e in data["errors"]] == ["pact[pacts/broken.json]"]
    assert sorted(c["outcome"] for c in data["contracts"]) == ["passed"] * 4


def test_a_provider_no_pact_names_says_which_names_it_found(pytester):
    demo_suite(pytester, contracts="")
    toml = pytester.path / "apitest.toml"
    toml.write_text(toml.read_text().replace('provider = "bookstore"', 'provider = "book-store"'))
    result = pytester.runpytest("-k", "not verify")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "apitest: */apitest.toml [[]contracts[]]: provider 'book-store' matches no pact; the 1 pact(s) read name "
            "the provider(s) 'bookstore'. Did you mean 'bookstore'? Fix [[]contracts[]] provider*"
        ]
    )


def test_message_interactions_are_listed_as_not_checked(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider -rs\n")
    (pytester.path / "pacts").mkdir()
    events = {
        "consumer": {"name": "mailer"},
        "provider": {"name": "shop"},
        "interactions": [
            {"type": "Asynchronous/Messages", "description": "an order was placed", "contents": {"id": 1}},
            {"type": "Synchronous/Messages", "description": "a price quote", "request": {}, "response": []},
        ],
        "metadata": {"pactSpecification": {"version": "4.0"}},
    }
    (pytester.path / "pacts" / "events.json").write_text(json.dumps(events))
    (pytester.path / "shop.json").write_text(json.dumps(SHOP_SPEC))
    pytester.path.joinpath("apitest.toml").write_text(
        'spec = "shop.json"\nbase_url = "http://127.0.0.1:9"\n[fuzz]\nenabled = false\n[contracts]\nprovider = "shop"\n'
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.OK  # not pytest's bare "no tests ran" (5)
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(
        [
            "SKIPPED*pacts/events.json $.interactions[[]0[]]: a Asynchronous/Messages interaction: OpenAPI describes HTTP*"
        ]
    )
    data = report(pytester)
    assert [(c["interaction"], c["outcome"]) for c in data["contracts"]] == [
        ("a price quote", "skipped"),
        ("an order was placed", "skipped"),
    ]
    assert all("not checked against the spec" in c["note"] for c in data["contracts"])
    assert sorted(i["outcome"] for i in data["items"]) == ["skipped", "skipped"]


class _Broker(BaseHTTPRequestHandler):
    pact = b""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer s3cret":
            self._send(401, b"{}")
        elif self.path == "/pacts/provider/bookstore/latest":
            self._send(
                200,
                json.dumps(
                    {"_links": {"pb:pacts": [{"href": "/pacts/provider/bookstore/consumer/storefront/latest"}]}}
                ).encode(),
            )
        elif self.path == "/pacts/provider/bookstore/consumer/storefront/latest":
            self._send(200, self.pact)
        else:
            self._send(404, b"{}")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/hal+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def broker() -> Iterator[str]:
    data = json.loads((DEMO_PACTS / "storefront-bookstore.json").read_text())
    data["_links"] = {"self": {"href": "http://broker/pacts/1"}}
    _Broker.pact = json.dumps(data).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Broker)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_pacts_from_a_broker_url(pytester, broker, monkeypatch):
    monkeypatch.setenv("BROKER_TOKEN", "s3cret")
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.path.joinpath("apitest.toml").write_text(
        'serve = "apitest.demo.app:app"\n[fuzz]\nenabled = false\n[contracts]\n'
        f'pacts = ["{broker}/pacts/provider/bookstore/latest"]\nbroker_token = "${{BROKER_TOKEN}}"\n'
        'states = "apitest.demo.states:provider_state"\n'
    )
    result = pytester.runpytest("-k", "book and not order and not page")
    result.assert_outcomes(passed=4)
    monkeypatch.setenv("BROKER_TOKEN", "wrong")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        [
            f"apitest: {broker}/pacts/provider/bookstore/latest: fetching the pact answered HTTP 401. Set [[]contracts[]] broker_token*"
        ]
    )
