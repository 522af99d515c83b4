"""The follow-up checks, each against an API that breaks its practice (found, with every request in order) and
one that follows it (not found)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from apitest.fuzz import judgement
from apitest.fuzz._followup import CHECKS
from apitest.results import Exchange, from_json
from tests.apps.records import SUITE

APPS = Path(__file__).parents[1] / "apps"


def run(pytester: pytest.Pytester, app: str, suite: str = SUITE, select: str = "follow-up") -> dict:
    pytester.makepyfile(records=(APPS / "records.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(suite.format(app=app))
    pytester.runpytest("-k", select)
    return json.loads((pytester.path / "apitest-report" / "report.json").read_text())


EXPECTED = {
    ("read_after_write", "PUT /records/{record_id}"): "but GET then shows ",
    ("idempotency", "PUT /records/{record_id}"): "sending the same PUT twice changed the resource: count went from",
    ("conditional_request", "GET /records/{record_id}"): "answered 200 with the whole body instead of 304",
    ("conditional_request", "PUT /records/{record_id}"): "the write was applied instead of refused with 412",
    ("use_after_delete", "DELETE /records/{record_id}"): "yet GET /records/{record_id} still answers 200",
    ("auth_error_leak", "GET /records/{record_id}"): "the error body holds values of the protected answer",
    ("cross_user_write", "PUT /records/{record_id}"): "object-level authorization is missing on writes",
    ("idempotency", "POST /payments"): "with the same Idempotency-Key answered 201 then 201 and made",
}


def test_each_broken_practice_is_found_with_its_whole_sequence(pytester):
    report = run(pytester, "bad")
    found = {(f["check"], f["operation"]): f for f in report["findings"] if f["check"] in CHECKS}
    assert set(found) == set(EXPECTED), sorted(set(found) ^ set(EXPECTED))
    for key, words in EXPECTED.items():
        finding = found[key]
        assert words in finding["message"], (key, finding["message"])
        steps = finding["details"].get("steps", [finding["curl"]])
        assert steps[-1] == finding["curl"] and all(shlex.split(s)[0] == "curl" for s in steps)
        method = key[1].split()[0]
        last = shlex.split(steps[-1])
        sent = last[last.index("-X") + 1] if "-X" in last else "GET"
        if key[0] in ("use_after_delete", "read_after_write", "idempotency") and method != "POST":
            assert sent == "GET" and any(f"-X {method}" in s for s in steps), steps  # the write, then the read
        assert any("X-Key: [REDACTED]" in s for s in steps) and "k1" not in json.dumps(finding)
        assert finding["details"]["request_id"] and finding["details"]["traceparent"].startswith("00-")
        # the rule that found it, recorded for `apitest replay`, holds over the requests it recorded
        recorded = [from_json(Exchange, e) for e in finding["sequence"]] or [from_json(Exchange, finding["exchange"])]
        assert len(recorded) == len(steps)
        assert judgement.holds(finding["details"]["fails_if"], [judgement.Step.of(e) for e in recorded]), key


def test_an_api_that_follows_the_practices_has_no_such_finding(pytester):
    report = run(pytester, "good", select="records or follow-up")
    assert [f for f in report["findings"] if f["check"] in (*CHECKS, "object_level_authorization")] == []
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert item["notes"] == []


def test_a_read_back_is_compared_only_where_the_spec_describes_what_the_read_holds(pytester):
    # The same broken API, but its spec documents no body for GET /records/{record_id} (as httpbin's echo endpoints):
    # nothing promises the read shows the write, so neither read_after_write nor the PUT's idempotency is judged;
    # the checks that need no representation still are.
    report = run(pytester, "bad_undescribed")
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert ("read_after_write", "PUT /records/{record_id}") not in found
    assert ("idempotency", "PUT /records/{record_id}") not in found
    assert {("use_after_delete", "DELETE /records/{record_id}"), ("idempotency", "POST /payments")} <= found


def test_a_repeated_delete_refused_with_403_is_the_apis_choice(pytester):
    # Kinto answers 403 for an object that is gone (a user may not learn what existed): not a 5xx, not a finding
    report = run(pytester, "good_gone_403")
    assert [f for f in report["findings"] if f["check"] in CHECKS] == []


def test_a_deleted_resource_is_read_back_only_where_the_spec_documents_404(pytester):
    # The record survives its DELETE, but GET /records/{record_id} documents no 404 (nor 410): no promise to break
    report = run(pytester, "bad_undocumented_404")
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert ("use_after_delete", "DELETE /records/{record_id}") not in found
    assert ("read_after_write", "PUT /records/{record_id}") in found  # the other checks still run


def test_without_a_second_user_the_cross_user_checks_say_they_were_skipped(pytester):
    report = run(pytester, "good", SUITE.replace('[auth.secondary.headers]\nX-Key = "k2"\n', ""))
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert item["notes"] == ["cross-user checks skipped: no second credential ([auth.secondary.headers])"]


def test_the_second_user_reaches_schemathesis_object_level_authorization(pytester):
    # cross-user reads are schemathesis's check; apitest gives it the suite's two users
    leaky = run(pytester, "leaky", SUITE, "records or payments")
    found = {(f["check"], f["operation"]) for f in leaky["findings"]}
    assert ("object_level_authorization", "GET /records/{record_id}") in found


def test_a_resource_below_another_is_checked_with_its_parents_path_parameters(pytester):
    # /shelves/{shelf_id}/books/{book_id}: every follow-up request on a book names the shelf it was made on. Before,
    # they named only book_id: schemathesis refused the case, and the follow-up item errored.
    pytester.makepyfile(shelves=(APPS / "shelves.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text('serve = "shelves:app"\n[fuzz]\nmax_examples = 10\nseed = 1\n')
    pytester.runpytest("-k", "follow-up")
    report = json.loads((pytester.path / "apitest-report" / "report.json").read_text())
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert item["outcome"] == "failed" and not [n for n in item["notes"] if "is not defined" in n], item
    (finding,) = [f for f in report["findings"] if f["check"] == "use_after_delete"]
    assert finding["operation"] == "DELETE /shelves/{shelf_id}/books/{book_id}"
    shelves = {shlex.split(s)[-1].split("/shelves/")[1].split("/")[0] for s in finding["details"]["steps"]}
    assert len(shelves) == 1, finding["details"]["steps"]  # made, deleted and read on the same shelf


def test_a_read_back_is_held_to_the_fields_the_write_sent():
    from apitest.fuzz._followup import _written

    described = frozenset({"name", "tags", "estimated_start_time_delta"})
    # prefect computes estimated_start_time_delta on every read: not a field the create wrote
    assert _written(described, {"name": "t", "tags": ["a"], "id": None}) == {"name", "tags"}
    assert _written(described, "name=t") == described  # a body that is not an object: what the spec describes
