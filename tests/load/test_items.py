"""The load item end to end: a suite file, the pytest plugin, a Locust child process, the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ..apps.faulty import FaultyServer, spec

HERE = Path(__file__).parent


@pytest.fixture
def write_suite(pytester: pytest.Pytester) -> Callable[..., None]:
    pytester.makepyfile(target=(HERE / "target.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")

    def write(body: str, target: str = 'serve = "target:app"') -> None:
        (pytester.path / "apitest.toml").write_text(f"{target}\n[fuzz]\nenabled = false\n{body}")

    return write


def test_a_gate_on_a_slow_endpoint_fails_the_item_with_the_numbers(pytester, write_suite):
    write_suite(
        """
[load]
weights = {"GET /fail" = 0}

[load.reads]
users = 4
ramp = 0
duration = 4
think_time = 0.05

[load.reads.slo]
error_rate = 0.01

[load.reads.slo."GET /slow"]
p95_ms = 100
"""
    )
    result = pytester.runpytest("-m", "apitest_load", "--apitest-report-dir=report")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "load[[]reads[]]: traffic derived from the spec (weight, operation):",
            "     2  GET /slow",
            "  left out  GET /limited: rate-limited by design (documents 429)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*[[]medium[]] slo.p95_ms on GET /slow: p95 latency above SLO",
            "*p95 latency of GET /slow was 2* ms; the SLO allows at most 100 ms (profile 'reads', * requests in 4.0 s).",
        ]
    )
    report = json.loads((pytester.path / "report" / "report.json").read_text())
    (finding,) = report["findings"]
    assert (finding["source"], finding["check"], finding["operation"]) == ("load", "slo.p95_ms", "GET /slow")
    assert 200 <= finding["details"]["measured"] <= 300 and finding["details"]["allowed"] == 100
    (load,) = report["load"]
    # no locustfile: the mix came from the spec, without the POST, the rate-limited GET and the weight-0 GET
    assert {e["name"] for e in load["endpoints"]} == {"GET /fast", "GET /slow", "GET /items/{item_id}"}
    assert load["total"]["failures"] == 0 and load["timeline"]
    assert {(s["metric"], s["passed"]) for s in load["slos"]} == {("error_rate", True), ("p95_ms", False)}
    (item,) = report["items"]
    assert item["name"] == "load[reads]" and item["outcome"] == "failed" and item["findings"] == 1


def test_a_host_that_is_not_loopback_is_refused(pytester, write_suite):
    write_suite("[load.remote]\nusers = 1\nduration = 1\n", target='base_url = "http://192.0.2.10:8080"')
    result = pytester.runpytest("--apitest-report-dir=report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines(
        ["apitest: *[[]load.remote[]]: refusing to load 192.0.2.10 (http://192.0.2.10:8080)*allow_hosts*"]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_a_server_the_spec_declares_off_host_receives_nothing_before_it_is_refused(pytester):
    # The spec declares http://0.0.0.0:PORT (this machine on Linux, yet not loopback); the API listening there counts
    # every request: none may come, not even the reachability check.
    with FaultyServer() as api:
        document = spec(("ok",))
        document["servers"] = [{"url": f"http://0.0.0.0:{api.port}"}]
        (pytester.path / "openapi.json").write_text(json.dumps(document))
        (pytester.path / "apitest.toml").write_text(
            'spec = "openapi.json"\n[fuzz]\nenabled = false\n[load.x]\nusers = 1\nduration = 1\n'
        )
        result = pytester.runpytest("--apitest-report-dir=report")
        assert sum(api.hits.values()) == 0, api.hits
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stdout.fnmatch_lines([f"*[[]load.x[]]: refusing to load 0.0.0.0 (http://0.0.0.0:{api.port})*allow_hosts*"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[load.x]\nduration = 60\n[load.x.slo."GET /slwo"]\np95_ms = 100\n',
            "[[]load.x[]]: the SLO on 'GET /slwo' names no operation of the traffic derived from the spec. "
            "Did you mean 'GET /slow'?*",
        ),
        (
            '[load.x]\nduration = 60\n[load.x.slo."GET /limited"]\np95_ms = 100\n',
            "*the SLO on 'GET /limited' cannot be judged: the traffic derived from the spec leaves it out "
            "(rate-limited by design (documents 429)).",
        ),
        (
            '[load]\nweights = {"GET /fats" = 2}\n[load.x]\nduration = 60\n',
            "*weights: 'GET /fats' is no GET operation of the spec. Did you mean 'GET /fast'?",
        ),
    ],
)
def test_gates_and_weights_naming_no_operation_fail_before_any_load(pytester, write_suite, body, message):
    write_suite(body)
    result = pytester.runpytest("--apitest-report-dir=report")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: apitest: *" + message])
    assert "load[x]" not in result.stdout.str()  # refused at collection: no load was sent
