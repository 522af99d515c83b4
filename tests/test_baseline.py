from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from apitest.baseline import (
    Comparison,
    GateSettings,
    compare,
    gate_passed,
    parse_tolerance,
    read_report,
)
from apitest.errors import ConfigError
from apitest.results import Finding, ItemResult, LatencyStats, LoadResult, Outcome, RunMeta, RunResult, Source, to_json

from .report.samples import load_result


def finding(check: str, operation: str, message: str, *, item: str = "", key: str = "") -> Finding:
    return Finding(
        Source.FUZZ, check, operation, check.title(), message, suite="shop", item=item or f"shop::{operation}", key=key
    )


def run(findings: list[Finding], *, items: list[str] | None = None, load: list[LoadResult] | None = None) -> RunResult:
    names = items if items is not None else sorted({f.item for f in findings})
    return RunResult(
        meta=RunMeta(started=1_700_000_000.0, complete=True),
        items=[ItemResult(n, Source.FUZZ, "shop", n, Outcome.PASSED, 0.1) for n in names],
        findings=findings,
        load=load or [],
    )


def test_new_fixed_persisting_match_by_fingerprint_not_message():
    old = run(
        [
            finding("not_a_server_error", "GET /a", "500 for id=1"),
            finding("response_schema_conformance", "GET /b", "'x' is not of type 'integer'"),
            finding("status_code_conformance", "GET /c", "got 418"),
            finding("not_a_server_error", "GET /gone", "500 for q=zz", item="shop::GET /gone"),
        ]
    )
    new = run(
        [
            finding("not_a_server_error", "GET /a", "500 for id=77 (values differ every run)"),
            finding("not_a_server_error", "GET /a", "500 for id=78"),
            finding("response_schema_conformance", "GET /b", "'y' is not of type 'string'"),
            finding("status_code_conformance", "GET /b", "got 418"),  # same message as an old one, other operation: new
        ],
        items=["shop::GET /a", "shop::GET /b", "shop::GET /c"],  # GET /gone was deselected this time
    )
    c = compare(new, old, path="old.json")
    assert [(r.check, r.operation, r.count) for r in c.new] == [("status_code_conformance", "GET /b", 1)]
    assert [(r.operation, r.count) for r in c.persisting] == [("GET /a", 2), ("GET /b", 1)]
    assert [r.operation for r in c.fixed] == ["GET /c"]
    assert [r.operation for r in c.not_run] == ["GET /gone"]
    assert not c.passes("new") and not c.passes("all")


def test_key_separates_findings_of_one_check():
    old = run(
        [Finding(Source.CONTRACT, "pact.BodyMismatch", "GET /x", "t", "m1", suite="shop", item="i", key="web→shop: a")]
    )
    new = run(
        [Finding(Source.CONTRACT, "pact.BodyMismatch", "GET /x", "t", "m1", suite="shop", item="i", key="web→shop: b")]
    )
    c = compare(new, old)
    assert len(c.new) == 1 and len(c.fixed) == 1 and not c.persisting


def test_only_known_findings_pass_the_new_gate_but_not_all():
    findings = [finding("not_a_server_error", "GET /a", "500")]
    c = compare(run(findings), run([dataclasses.replace(findings[0], message="500 again, other values")]))
    assert c.passes("new") and not c.passes("all")
    assert gate_passed(run(findings), GateSettings(gate="new"), c)
    assert not gate_passed(run(findings), GateSettings(gate="all"), c)
    # without a baseline every finding is new: both gates fail
    assert not gate_passed(run(findings), GateSettings(gate="new"), None)
    assert gate_passed(run([]), GateSettings(gate="new"), None)


@pytest.mark.parametrize(
    ("p95", "tolerance", "regressed"),
    [(120.0, 0.10, True), (105.0, 0.10, False), (115.0, 0.10, False), (115.5, 0.10, True), (120.0, 0.20, False)],
)
def test_latency_regression_against_tolerance(p95, tolerance, regressed):
    old = run([], load=[dataclasses.replace(load_result(p95=100.0, p99=150.0), endpoints=())])
    new = run([], load=[dataclasses.replace(load_result(p95=p95, p99=150.0), endpoints=())])
    c = compare(new, old, tolerance=tolerance)
    total = c.regressions
    assert bool(total) is regressed
    assert c.passes("new") is not regressed
    assert gate_passed(new, GateSettings(gate="new", tolerance=tolerance), c) is not regressed
    if regressed:
        (r,) = total
        assert (r.metric, r.baseline, r.current, r.tolerance) == ("p95_ms", 100.0, p95, tolerance)
        assert r.allowed == pytest.approx(100.0 * (1 + tolerance) + 5.0)  # + LATENCY_SLACK_MS
        assert r.change == pytest.approx(p95 / 100.0 - 1)


def test_endpoint_error_rate_and_throughput_regressions():
    old = run([], load=[load_result(failures=0, rps=400.0)])
    new = run([], load=[load_result(failures=240, rps=300.0)])  # 1% errors, throughput down 25%
    found = {(r.scope, r.metric) for r in compare(new, old).regressions}
    assert ("total", "error_rate") in found and ("GET /books/{id}", "error_rate") in found
    assert ("total", "rps") in found and ("GET /books", "rps") in found
    assert not any(m in ("p95_ms", "p99_ms") for _, m in found)
    # more throughput and a tiny error rate on a clean baseline are no regression
    assert compare(run([], load=[load_result(failures=2, rps=500.0)]), old).regressions == ()


def test_small_samples_and_unknown_profiles_are_not_compared():
    old = run([], load=[load_result(requests=20, p95=10.0), load_result(profile="soak", p95=10.0)])
    new = run([], load=[load_result(requests=20, p95=90.0), load_result(profile="other", p95=90.0)])
    c = compare(new, old)
    assert c.regressions == () and c.counts.compared == 0
    # 400 requests: enough for p95 (100) but not for p99 (500)
    c = compare(
        run([], load=[load_result(requests=400, p95=90.0, p99=900.0)]),
        run([], load=[load_result(requests=400, p95=10.0)]),
    )
    assert {r.metric for r in c.regressions} == {"p95_ms"}


def test_comparison_dict_is_plain_json_and_read_back(tmp_path: Path):
    old = run([finding("c", "GET /a", "m"), finding("d", "GET /b", "m")], load=[load_result(p95=100.0)])
    new = run([finding("c", "GET /a", "m2")], items=["shop::GET /a", "shop::GET /b"], load=[load_result(p95=130.0)])
    new.baseline = compare(new, old, path="old.json", tolerance=0.1, gate="new")
    data = json.loads(json.dumps(new.to_dict()))
    b = data["baseline"]
    assert b["counts"] == {
        "new": 0,
        "fixed": 1,
        "persisting": 1,
        "not_run": 0,
        "regressions": len(b["regressions"]),
        "compared": 12,
    }
    assert b["gate"] == "new" and b["gate_passed"] is False and b["tolerance"] == 0.1 and b["path"] == "old.json"
    assert set(b["persisting"][0]) == {
        "fingerprint",
        "source",
        "suite",
        "check",
        "operation",
        "title",
        "severity",
        "count",
    }
    assert set(b["regressions"][0]) == {
        "suite",
        "profile",
        "scope",
        "metric",
        "baseline",
        "current",
        "allowed",
        "change",
        "tolerance",
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data))
    assert to_json(read_report(path).baseline) == b


@pytest.mark.parametrize(("text", "value"), [("10%", 0.10), ("0.25", 0.25), ("0", 0.0), (" 150% ", 1.5)])
def test_parse_tolerance(text, value):
    assert parse_tolerance(text, "x") == pytest.approx(value)


@pytest.mark.parametrize("text", ["10", "-5%", "ten", "", "5000%"])
def test_parse_tolerance_refuses(text):
    with pytest.raises(ConfigError, match=r"--apitest-tolerance: tolerance .* write a percentage such as 10%"):
        parse_tolerance(text, "--apitest-tolerance")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{oops", "not valid JSON"),
        ('{"a": 1}', "not an apitest report.json"),
        ('{"schema_version": "1.0"}', "not a valid apitest report.json"),
    ],
)
def test_read_report_errors_name_the_file(tmp_path: Path, content, message):
    path = tmp_path / "old.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=f"--apitest-baseline: {path}.*{message}"):
        read_report(path, "--apitest-baseline")


def test_comparison_is_a_dataclass_with_defaults():
    assert Comparison(version=1, path="", started=None, tolerance=0.1).counts.new == 0


# ---- the plugin: options, gate and exit status ----

FAST = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:locust")
RECORD_LOAD = """
import json, pathlib
from apitest.results import ItemResult, LoadResult, Outcome, Source, from_json
from apitest.stash import RUNTIME_KEY

def test_load(request):
    runtime = request.config.stash[RUNTIME_KEY]
    runtime.record(from_json(LoadResult, json.loads(pathlib.Path("current_load.json").read_text())))
    runtime.record(ItemResult("load[spike]", Source.LOAD, "shop", "load[spike]", Outcome.PASSED, 1.0))
"""


def load_run(pytester: pytest.Pytester, *, p95: float, baseline_p95: float = 100.0, extra: str = "") -> str:
    """A run that records one load profile measuring `p95`, and a baseline report whose profile measured `baseline_p95`."""
    pytester.makepyfile(test_load=RECORD_LOAD + extra)
    (pytester.path / "current_load.json").write_text(json.dumps(to_json(load_result(p95=p95))))
    (pytester.path / "old.json").write_text(json.dumps(run([], load=[load_result(p95=baseline_p95)]).to_dict()))
    return "--apitest-baseline=old.json"


@pytest.mark.parametrize(("p95", "ret"), [(125.0, 1), (105.0, 0)])
def test_plugin_fails_on_a_latency_regression_only_over_tolerance(pytester: pytest.Pytester, p95: float, ret: int):
    baseline = load_run(pytester, p95=p95)
    result = pytester.runpytest(*FAST, baseline, "--apitest-gate=new", "--apitest-tolerance=10%")
    assert result.ret == ret, result.stdout.str()
    report = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    assert report["baseline"]["gate_passed"] is (ret == 0)
    assert report["meta"]["exit_status"] == ret
    if ret:
        result.stdout.fnmatch_lines(
            ["*gate new: failed", "*regression shop/spike total p95_ms: 100 -> 125 (allowed 115)*"]
        )
    else:
        result.stdout.fnmatch_lines(["*0 load regressions in * metrics compared; gate new: passed"])


def test_plugin_reads_tolerance_from_the_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    baseline = load_run(pytester, p95=125.0)
    monkeypatch.setenv("APITEST_TOLERANCE", "30%")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "step-summary.md"))
    (tmp_path / "step-summary.md").write_text("earlier step\n")
    assert pytester.runpytest(*FAST, baseline).ret == 0
    summary = (tmp_path / "step-summary.md").read_text()
    assert summary.startswith("earlier step\n## apitest: ✅ passed")
    assert "tolerance 30%, gate `all`: ✅ passed" in summary


def test_gate_new_still_fails_on_other_test_failures(pytester: pytest.Pytester):
    baseline = load_run(pytester, p95=100.0, extra="\n\ndef test_broken():\n    assert False\n")
    result = pytester.runpytest(*FAST, baseline, "--apitest-gate=new")
    assert result.ret == 1
    result.assert_outcomes(passed=1, failed=1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--apitest-gate=some"], "ERROR: apitest: --apitest-gate 'some' is not valid; expected one of 'all', 'new'."),
        (["--apitest-baseline=missing/report.json"], "*--apitest-baseline: *missing/report.json does not exist*"),
    ],
)
def test_plugin_rejects_bad_settings_before_running(pytester: pytest.Pytester, args, message):
    pytester.makepyfile(test_x="def test_x(): pass")
    result = pytester.runpytest(*FAST, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_gate_new_adopts_an_api_with_known_findings(
    pytester: pytest.Pytester, inventory_suite, monkeypatch: pytest.MonkeyPatch
):
    # the coverage phase is deterministic: the planted schema drift of GET /items is found in every run
    inventory_suite('phases = ["coverage"]\n', app="inventory:buggy")
    only = ("-k", "items and not item_id")
    first = pytester.runpytest(*FAST, *only)
    assert first.ret == 1
    folder = pytester.path / "apitest-report"
    (pytester.path / "old.json").write_text((folder / "report.json").read_text())
    found = json.loads((folder / "report.json").read_text())["findings"]
    assert {f["check"] for f in found} == {"response_schema_conformance"}

    known = pytester.runpytest(*FAST, *only, "--apitest-baseline=old.json", "--apitest-gate=new")
    assert known.ret == 0, known.stdout.str()
    known.stdout.fnmatch_lines(
        [
            "*baseline old.json: 0 new, 0 fixed, * persisting findings; 0 load regressions in * metrics compared; gate new: passed"
        ]
    )
    known.assert_outcomes(failed=1)  # the item still shows its findings; only the exit status follows the gate

    # a baseline without that finding (an older run, before the bug): now it is new, and the gate (from the
    # environment) fails
    old = json.loads((pytester.path / "old.json").read_text())
    old["findings"] = []
    (pytester.path / "old.json").write_text(json.dumps(old))
    monkeypatch.setenv("APITEST_GATE", "new")
    regressed = pytester.runpytest(*FAST, *only, "--apitest-baseline=old.json")
    assert regressed.ret == 1
    report = json.loads((folder / "report.json").read_text())
    assert [r["check"] for r in report["baseline"]["new"]] == ["response_schema_conformance"]
    assert "🆕 new" in (folder / "summary.md").read_text()


def test_latency_stats_error_rate_is_compared_per_endpoint():
    stats = LatencyStats("/x", "GET", requests=100, failures=5)
    named = LatencyStats("GET /y", "GET", requests=100, failures=5)  # Locust names may carry the method already
    clean = tuple(dataclasses.replace(s, failures=0) for s in (stats, named))
    old = LoadResult("shop", "p", "ramp", 1.0, total=clean[0], endpoints=clean)
    new = LoadResult("shop", "p", "ramp", 1.0, total=stats, endpoints=(stats, named))
    scopes = {(r.scope, r.metric) for r in compare(run([], load=[new]), run([], load=[old])).regressions}
    assert scopes == {("total", "error_rate"), ("GET /x", "error_rate"), ("GET /y", "error_rate")}


def test_warnings_are_reported_but_fail_no_gate():
    warned = dataclasses.replace(
        finding("crosscheck.request_parameters", "GET /a", "sort is undocumented"), warning=True
    )
    failing = finding("not_a_server_error", "GET /b", "500")
    only_warnings = run([warned])
    assert only_warnings.verdict == "passed" and only_warnings.summary()["warnings"] == 1
    assert gate_passed(only_warnings, GateSettings(), None)
    assert not gate_passed(run([warned, failing]), GateSettings(), None)
    c = compare(only_warnings, run([]), path="old.json")
    assert c.new == () and c.gate_passed
    c = compare(run([]), only_warnings, path="old.json")
    assert c.fixed == ()  # a warning that went away was never a failure to fix
    assert RunResult.from_dict(json.loads(json.dumps(only_warnings.to_dict()))).findings[0].warning is True
