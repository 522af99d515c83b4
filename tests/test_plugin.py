from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import jsonschema
import pytest

from apitest.report.schema import report_schema
from apitest.target import ServedApp

ROOT = Path(__file__).parents[1]


def report(pytester: pytest.Pytester) -> dict:
    data = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    jsonschema.validate(data, report_schema())
    return data


def test_items_per_operation_and_stateful(pytester, inventory_suite):
    inventory_suite()
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "apitest.toml::GET /items/{item_id}",
            "apitest.toml::GET /items",
            "apitest.toml::GET /health",
            "apitest.toml::stateful",
        ]
    )


def test_clean_api_exits_zero_with_valid_report(pytester, inventory_suite):
    inventory_suite()
    result = pytester.runpytest()
    assert result.ret == 0, result.stdout.str()
    data = report(pytester)
    assert data["verdict"] == "passed"
    assert data["summary"]["cases"] > 0
    coverage = {c["operation"]: c for c in data["coverage"]}
    assert coverage["GET /items/{item_id}"]["documented"] == ["200", "404", "422"]
    assert "200" in coverage["GET /items/{item_id}"]["seen"]
    # answers to probes with undocumented methods are counted under those methods, not under GET
    assert "405" not in coverage["GET /health"]["seen"]
    probes = [c for c in data["coverage"] if not c["documented"]]
    assert probes and all(set(c["seen"]) <= {"405", "404", "501"} for c in probes), probes
    assert {c["operation"].split()[1] for c in probes} <= {"/items/{item_id}", "/items", "/health"}
    assert (pytester.path / "apitest-report" / "summary.md").read_text().startswith("## apitest: ✅ passed")


def test_buggy_api_findings_with_curl(pytester, inventory_suite):
    inventory_suite(app="inventory:buggy")
    result = pytester.runpytest("-m", "apitest_fuzz")
    assert result.ret == 1
    data = report(pytester)
    found = {(f["operation"], f["check"]) for f in data["findings"]}
    assert ("GET /items/{item_id}", "not_a_server_error") in found
    assert ("GET /items", "response_schema_conformance") in found
    for f in data["findings"]:
        assert f["curl"].startswith("curl ")
        assert f["item"].endswith(f["operation"]) or f["item"].endswith("stateful")
    result.stdout.fnmatch_lines(["*[[]critical[]] not_a_server_error on GET /items/{item_id}*"])


def test_k_selects_operations(pytester, inventory_suite):
    inventory_suite()
    result = pytester.runpytest("-k", "GET and health")
    result.assert_outcomes(passed=1)
    assert [i["name"] for i in report(pytester)["items"]] == ["GET /health"]


def test_k_takes_an_operation_as_written(pytester, inventory_suite):
    inventory_suite()
    result = pytester.runpytest("-k", "GET /items/{item_id}", "--collect-only", "-q")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["apitest.toml::GET /items/{item_id}", "*1/5 tests collected (4 deselected)*"])
    # an expression pytest accepts keeps its meaning, and a malformed one is still pytest's usage error
    pytester.runpytest("-k", "GET and /items", "--collect-only", "-q").stdout.fnmatch_lines(["*2/5 tests collected*"])
    assert pytester.runpytest("-k", "GET (", "--collect-only").ret == pytest.ExitCode.USAGE_ERROR


@pytest.fixture
def notes_server(tmp_path: Path) -> Iterator[str]:
    served = ServedApp("tests.apps.notes:app", ROOT, "test", log=tmp_path / "serve.log")
    yield served.base_url
    served.close()


def test_selection_bounds_what_the_engine_reaches(pytester, notes_server):
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(f'base_url = "{notes_server}"\n[fuzz]\nmax_examples = 5\n')
    result = pytester.runpytest("-k", "GET")
    result.assert_outcomes(passed=1)
    # one engine run serves the selected items; a deselected operation is never called
    assert httpx.get(notes_server + "/_calls").json() == ["GET /notes/{note_id}"]


def test_operations_of_a_suite_share_one_engine_run(pytester, notes_server):
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(f'base_url = "{notes_server}"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    result = pytester.runpytest()
    assert result.ret == 0, result.stdout.str()
    coverage = {c["operation"]: c["seen"] for c in report(pytester)["coverage"]}
    # note IDs are UUIDs the API mints: GET found notes only through IDs from POST /notes's answers
    assert "200" in coverage["GET /notes/{note_id}"]


def test_secrets_are_redacted_everywhere(pytester, inventory_suite, monkeypatch):
    monkeypatch.setenv("INVENTORY_TOKEN", "s3cr3t-token-value")
    inventory_suite('[auth.headers]\nAuthorization = "Bearer ${INVENTORY_TOKEN}"\n', app="inventory:buggy")
    pytester.runpytest("-k", "items")
    folder = pytester.path / "apitest-report"
    for name in ("report.json", "summary.md", "junit.xml"):
        assert "s3cr3t-token-value" not in (folder / name).read_text()
    assert "[REDACTED]" in (folder / "report.json").read_text()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{not json", "not valid JSON or YAML"),
        (
            "openapi: 3.0.0\npaths:\n  /a: {get: {responses: {'200': {$ref: '#/components/responses/Nope'}}}}\n",
            "does not resolve",
        ),
        ('{"hello": "world"}', "not an OpenAPI document"),
        ("key: [unclosed", "not valid JSON or YAML"),
    ],
)
def test_broken_spec_is_one_line_and_exit_4(pytester, spec, message):
    pytester.path.joinpath("broken.yaml").write_text(spec)
    pytester.path.joinpath("apitest.toml").write_text('spec = "broken.yaml"\nbase_url = "http://127.0.0.1:9"\n')
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str() + result.stderr.str()
    assert message in out and "broken.yaml" in out
    assert "Traceback" not in out


def test_bad_config_names_key_and_suggests(pytester):
    pytester.path.joinpath("apitest.toml").write_text('serve = "x:app"\n[fuzz]\nmax_exampels = 3\n')
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: apitest: *apitest.toml [[]fuzz[]]: unknown key 'max_exampels'. Did you mean 'max_examples'?"]
    )
    output = result.stdout.str() + result.stderr.str()
    assert "Traceback" not in output and output.count("max_exampels") == 1


def test_unreachable_base_url_exit_4_and_report_kept(pytester, inventory_suite):
    spec = pytester.path / "openapi.json"
    from tests.apps.inventory import app

    spec.write_text(json.dumps(app.openapi()))
    pytester.path.joinpath("apitest.toml").write_text('spec = "openapi.json"\nbase_url = "http://127.0.0.1:9"\n')
    result = pytester.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str()
    assert "base URL http://127.0.0.1:9 is unreachable" in out and "Traceback" not in out
    data = report(pytester)
    assert data["verdict"] == "error"
    assert "unreachable" in data["errors"][0]["message"]


def test_xdist_workers_merge_into_one_report(pytester, inventory_suite):
    inventory_suite(app="inventory:buggy")
    result = pytester.runpytest_subprocess("-n", "2", "-p", "xdist")
    assert result.ret == 1
    data = report(pytester)
    assert len(data["items"]) == 5  # 3 operations, stateful, follow-up
    assert {f["check"] for f in data["findings"]} >= {"not_a_server_error", "response_schema_conformance"}


def test_junit_has_findings_as_failures(pytester, inventory_suite):
    inventory_suite(app="inventory:buggy")
    pytester.runpytest("-k", "items")
    junit = (pytester.path / "apitest-report" / "junit.xml").read_text()
    assert 'message="1 finding(s): Server error"' in junit or "not_a_server_error" in junit
    assert junit.count("<testcase") == 2


def test_cli_and_env_override_the_file(pytester, inventory_suite, monkeypatch):
    inventory_suite()
    monkeypatch.setenv("APITEST_PHASES", "examples")
    result = pytester.runpytest("--collect-only", "-q", "--apitest-phases", "stateful")
    out = result.stdout.str()
    assert "stateful" in out and "GET /health" not in out


def test_our_own_runs_write_no_report(pytester):
    pytester.makepyfile("def test_x(): pass")
    pytester.runpytest().assert_outcomes(passed=1)
    assert not (pytester.path / "apitest-report").exists()


def test_report_dir_option(pytester, inventory_suite, tmp_path: Path):
    inventory_suite()
    pytester.runpytest("-k", "health", "--apitest-report-dir", str(tmp_path / "out"))
    assert (tmp_path / "out" / "report.json").is_file()


def test_each_fuzz_item_reports_its_own_time_not_the_shared_engine_runs(pytester, inventory_suite):
    inventory_suite()
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == 0, result.stdout.str()
    items = report(pytester)["items"]
    junit = (pytester.path / "apitest-report" / "junit.xml").read_text()
    times = {i["name"]: i["duration_s"] for i in items}
    # the first item pulls the examples and coverage phases of every operation; it is charged only its own share
    first = next(name for name in times if name == "GET /items/{item_id}")
    assert times[first] < sum(times.values()) - times[first], times
    assert f'name="{first}" time="{times[first]:.3f}"' in junit.replace("&#123;", "{")


def test_credentials_a_target_echoes_reach_no_output(pytester, monkeypatch):
    token = "s3cr3t-Tok3n-value"
    monkeypatch.setenv("ECHO_TOKEN", token)
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.makepyfile(echo=(ROOT / "tests" / "apps" / "echo.py").read_text())
    pytester.path.joinpath("apitest.toml").write_text(
        'serve = "echo:app"\n[auth.headers]\nAuthorization = "Bearer ${ECHO_TOKEN}"\n'
        "[fuzz]\nmax_examples = 20\nseed = 1\n"
    )
    result = pytester.runpytest("--junitxml=pytest-junit.xml")
    assert result.ret == 1, result.stdout.str()
    outputs = {"terminal": result.stdout.str() + result.stderr.str()}
    for path in pytester.path.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".html", ".md", ".xml", ".log"):
            outputs[str(path.relative_to(pytester.path))] = path.read_text(errors="replace")
    assert "apitest-report/serve-test_credentials_a_target_echoes_reach_no_output0.log" in outputs
    leaked = [name for name, text in outputs.items() if token in text]
    assert leaked == [], leaked
    data = report(pytester)
    evidence = [f for f in data["findings"] if f["exchange"] and f["exchange"]["status"] == 500]
    assert evidence, data["findings"]
    body = evidence[0]["exchange"]["response_body"]
    assert '"author":"Ann"' in body.replace(" ", "") and "[REDACTED]" in body  # only secrets are masked
    assert "[Filtered]" not in outputs["apitest-report/report.json"]


def test_operations_not_fully_tested_are_counted_and_explained(pytester, inventory_suite):
    from tests.apps.inventory import app

    doc = app.openapi()
    # as httpbin's GET /etag/{etag}: the path parameter is not declared, so no phase can build a full case
    doc["paths"]["/items/{item_id}"]["get"]["parameters"] = []
    (pytester.path / "openapi.json").write_text(json.dumps(doc))
    inventory_suite()
    path = pytester.path / "apitest.toml"
    path.write_text('spec = "openapi.json"\n' + path.read_text())
    result = pytester.runpytest()
    out = result.stdout.str()
    data = report(pytester)
    assert data["summary"]["operations"] == {"fully": 2, "partly": 1, "not": 0}
    (partly,) = [c for c in data["coverage"] if c["tested"] == "partly"]
    assert partly["operation"] == "GET /items/{item_id}"
    assert partly["notes"] and all("Path parameter 'item_id' is not defined" in n for n in partly["notes"])
    assert "operations: 2 fully, 1 partly, 0 not tested" in out
    assert "GET /items/{item_id}: partly tested: examples: Schema Error: Path parameter 'item_id' is not defined" in out
    summary = (pytester.path / "apitest-report" / "summary.md").read_text()
    assert "### Operations not fully tested" in summary and "| `GET /items/{item_id}` | partly |" in summary


def test_every_request_carries_a_traceparent_and_a_request_id(pytester, notes_server):
    import re

    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(f'base_url = "{notes_server}"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    pytester.runpytest()
    ids = httpx.get(notes_server + "/_ids").json()
    assert len(ids) > 20
    assert all(re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", t or "") and r for t, r in ids), ids[:5]
    assert len({t for t, _ in ids}) == len(ids)  # one trace per request
