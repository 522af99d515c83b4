"""`apitest replay`: a finding's requests sent again, to the API that has the bug (still fails) and to one without
it (fixed); and the parts that make that work on a fresh server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from apitest import credentials
from apitest.fuzz import judgement
from apitest.fuzz._followup import CHECKS
from apitest.fuzz.replay import Bindings
from apitest.results import Exchange
from tests.apps.records import SUITE

APPS = Path(__file__).parents[1] / "apps"


def replay(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "apitest", "replay", "apitest-report/report.json", *args]
    return subprocess.run(argv, cwd=folder, capture_output=True, text=True, timeout=300)


def verdicts(output: str) -> dict[str, str]:
    """check on operation -> FAILS / FIXED / UNCLEAR, from the replay's lines."""
    found = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0] in ("FAILS", "FIXED", "UNCLEAR"):
            check, _, operation = line.split("] ", 1)[1].partition(" on ")
            found[f"{check} on {operation.split(':')[0]}"] = words[0]
    return found


def test_follow_up_findings_still_fail_on_the_bad_api_and_are_fixed_on_the_good_one(pytester):
    pytester.makepyfile(records=(APPS / "records.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(SUITE.format(app="bad"))
    pytester.runpytest("-k", "follow-up")
    report = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    ours = [f["fingerprint"] for f in report["findings"] if f["check"] in CHECKS]
    assert len(ours) == 8

    # the suite the report names serves the bad app again, fresh: every finding comes back
    bad = replay(pytester.path, *ours)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert set(verdicts(bad.stdout).values()) == {"FAILS"} and len(verdicts(bad.stdout)) == 8, bad.stdout
    assert "replayed 8 findings: 8 still fail, 0 fixed, 0 unclear" in bad.stdout
    assert "k1" not in bad.stdout and "X-Request-ID" in bad.stdout  # where to look in the server's logs

    # the same report against the fixed app: each finding is confirmed fixed
    (pytester.path / "fixed.toml").write_text(SUITE.format(app="good"))
    good = replay(pytester.path, *ours, "--suite", "fixed.toml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert set(verdicts(good.stdout).values()) == {"FIXED"} and len(verdicts(good.stdout)) == 8, good.stdout

    # one finding by (a prefix of) its fingerprint
    one = replay(pytester.path, ours[0][:8])
    assert one.returncode == 1 and "replayed 1 finding: 1 still fail" in one.stdout, one.stdout


def test_engine_findings_are_judged_again_by_their_check(pytester, inventory_suite):
    inventory_suite(app="inventory:buggy")
    pytester.runpytest("-k", "items")
    report = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    checks = {(f["check"], f["operation"]) for f in report["findings"]}
    assert {("not_a_server_error", "GET /items/{item_id}"), ("response_schema_conformance", "GET /items")} <= checks

    still = verdicts(replay(pytester.path).stdout)
    assert still["not_a_server_error on GET /items/{item_id}"] == "FAILS"
    assert still["response_schema_conformance on GET /items"] == "FAILS"

    inventory_suite(app="inventory:app")  # the same suite file, now serving the fixed app
    fixed = replay(pytester.path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert set(verdicts(fixed.stdout).values()) == {"FIXED"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere.json"], "nowhere.json does not exist"),
        (["apitest-report/report.json", "ffff"], "no finding has fingerprint 'ffff'"),
        (["apitest-report/report.json", "--suite", "missing.toml"], "missing.toml does not exist"),
        (["apitest-report/report.json", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_what_cannot_be_replayed_is_one_line_and_exit_4(tmp_path, args, message):
    report = tmp_path / "apitest-report" / "report.json"
    report.parent.mkdir()
    exchange = {"method": "GET", "url": "http://127.0.0.1:9/x", "status": 500}
    finding = {"source": "fuzz", "check": "not_a_server_error", "operation": "GET /x", "title": "t", "suite": "s"}
    report.write_text(
        json.dumps(
            {
                "schema_version": "1.0",
                "meta": {"started": 1.0},
                "findings": [{**finding, "exchange": exchange}],
                "setups": [{"suite": "s", "file": str(tmp_path / "apitest.toml")}],
            }
        )
    )
    argv = [sys.executable, "-m", "apitest", "replay", *args]
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 4, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_values_the_server_handed_out_follow_into_later_steps():
    recorded = Exchange(
        "POST",
        "http://127.0.0.1:1/things",
        status=201,
        response_headers={"Location": "/things/17", "ETag": '"a1"'},
        response_body='{"id": 17, "owner_id": 5, "name": "x", "count": 3}',
    )
    bindings = Bindings()
    bindings.learn(recorded, 201, {"location": "/things/42", "etag": '"b2"'}, '{"id": 42, "owner_id": 5, "count": 4}')
    assert bindings.url("http://127.0.0.1:1/things/17?of=17&n=3", "http://localhost:8") == (
        "http://localhost:8/things/42?of=42&n=3"
    )
    assert bindings.text('"a1"') == '"b2"' and bindings.text("3") == "3"  # only ids and ETags are carried over
    assert json.loads(bindings.body('{"thing_id": 17, "count": 3, "note": "17"}')) == {
        "thing_id": 42,
        "count": 3,
        "note": "42",
    }
    fresh = bindings.text("apitest-123")
    assert fresh != "apitest-123" and bindings.text("apitest-123") == fresh  # a new Idempotency-Key, kept


def test_credentials_are_named_by_user_and_put_back_from_the_suite():
    users = {"primary": {"X-Key": "k1"}, "secondary": {"X-Key": "k2"}}
    assert credentials.who({"x-key": "k1"}, users) == "primary"
    assert credentials.who({"X-Key": "k2", "Accept": "*/*"}, users) == "secondary"
    assert credentials.who({"X-Key": "forged"}, users) == "other"
    assert credentials.who({"Accept": "*/*"}, users) == "anonymous"
    masked = {"X-Key": "[REDACTED]", "Accept": "*/*"}
    assert credentials.restore(masked, "secondary", users) == {"X-Key": "k2", "Accept": "*/*"}
    assert credentials.restore(masked, "other", users)["X-Key"] == credentials.INVALID_CREDENTIAL
    with pytest.raises(credentials.MaskedValueError, match="Cookie"):
        credentials.restore({"Cookie": "[REDACTED]"}, "primary", users)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (judgement.answered("2xx"), True),
        (judgement.answered(404, step=0), False),
        (judgement.not_answered("2xx", 404, 410), False),
        (judgement.differs(0, 1), True),
        (judgement.differs(0, 1, source="request"), False),
        (judgement.class_differs(0, 1), False),
        (judgement.status_differs(0, 1), True),
        (judgement.created_differs(0, 1), True),
        (judgement.contains(["Dune"]), True),
        (judgement.any_of(judgement.answered(500), judgement.contains(["Dune"])), True),
    ],
)
def test_follow_up_rules_judge_recorded_steps(rule, expected):
    steps = [
        judgement.Step(201, {"location": "/b/1"}, '{"id": 1, "title": "Dune"}', '{"title": "Dune Messiah"}'),
        judgement.Step(200, {}, '{"id": 2, "title": "Dune Messiah"}', ""),
    ]
    assert judgement.holds(rule, steps) is expected
