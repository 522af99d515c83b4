"""The follow-up checks, each against an API that breaks its practice (found, with every request in order) and
one that follows it (not found)."""

from __future__ import annotations

import json
import re
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


@pytest.mark.parametrize("app", ["bad_numeric_etags", "good_numeric_etags"])
def test_a_stale_if_match_has_the_form_of_the_apis_etags(pytester, app):
    # An API that checks the If-Match header's form first (Kinto: digits between double quotes) refused apitest's
    # fixed '"apitest-stale-etag"' with 400, so a stale write it would have applied was never seen; the check now
    # sends an ETag of the form the resource's GET gives, with other digits.
    report = run(pytester, app)
    found = [f for f in report["findings"] if f["check"] == "conditional_request" and f["operation"].startswith("PUT")]
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert not [n for n in item["notes"] if n.startswith("conditional_request")], item["notes"]
    if app == "good_numeric_etags":
        assert found == []
        return
    (finding,) = found
    stale = re.search(r"If-Match: (\S+)", finding["message"]).group(1)
    assert re.fullmatch(r'"[0-9]+"', stale), finding["message"]


def test_an_etag_of_the_same_form_is_another_value():
    from apitest.fuzz._followup import STALE_ETAG, _other_etag

    assert _other_etag('"1732848000000"') == '"6287393555555"'
    assert _other_etag('W/"abc-09"') == 'W/"nop-54"'
    assert _other_etag('"--"') == STALE_ETAG  # nothing to change: the fixed one


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


# Before the follow-up item runs, POST /_wipe (left out of the apps' specs) deletes everything the engine made: what a
# stateful phase that ends by deleting all it made leaves the follow-ups (Kinto's nested collections, Prefect).
WIPE = """
import urllib.request

from apitest.stash import RUNTIME_KEY


def pytest_runtest_setup(item):
    if item.name == "follow-up":
        base = item.config.stash[RUNTIME_KEY].base_url(item.suite)
        urllib.request.urlopen(urllib.request.Request(base + "/_wipe", method="POST"), timeout=10).close()
"""


def run_wiped(pytester: pytest.Pytester, module: str, suite: str) -> tuple[dict, pytest.RunResult]:
    """The whole suite (every phase, then the follow-ups) on `module`'s app, everything wiped before the follow-ups."""
    pytester.makepyfile(**{module: (APPS / f"{module}.py").read_text()})
    pytester.makeconftest(WIPE)
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text(suite)
    result = pytester.runpytest()
    return json.loads((pytester.path / "apitest-report" / "report.json").read_text()), result


def follow_up_notes(report: dict) -> list[str]:
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    return item["notes"]


def test_a_resource_the_engine_left_deleted_is_made_again_by_the_creation_it_sent(pytester):
    # Records are made by PUT to an id of the client's choice (as Kinto's buckets) and the engine left none. The
    # follow-ups send again a PUT the API had answered 201, and find the lost update and the non-idempotent PUT
    # planted there; before, they found nothing alive and said nothing.
    report, _ = run_wiped(pytester, "records", SUITE.format(app="bad_put_created"))
    found = {(f["check"], f["operation"]): f for f in report["findings"] if f["check"] in CHECKS}
    wanted = {("read_after_write", "PUT /records/{record_id}"), ("idempotency", "PUT /records/{record_id}")}
    assert wanted <= set(found), sorted(found)
    for key in wanted:
        sequence = found[key]["sequence"]
        # the creation sent again comes first (the record it made may have been made by an earlier check already,
        # then it answers 200), on the record every later request names; in the curl lines too
        made = sequence[0]
        assert made["method"] == "PUT" and made["status"] in (200, 201), sequence
        assert all(e["url"] == made["url"] for e in sequence), [e["url"] for e in sequence]
        assert found[key]["details"]["steps"][0].startswith("curl -X PUT")
        for exchange in sequence:  # correlated like every follow-up request
            names = {name.lower() for name in exchange["request_headers"]}
            assert {"traceparent", "x-request-id"} <= names, exchange


def test_a_resource_below_one_the_engine_left_deleted_is_made_under_a_parent_made_first(pytester):
    # The engine's shelves are all gone when the follow-ups start, and with them the books it made. A shelf is made
    # again (its POST /shelves sent again), then a book on it, and the book DELETE that removes nothing is found:
    # every request on the book names the new shelf, whose creation is among the finding's requests.
    suite = 'serve = "shelves:removable"\n[fuzz]\nmax_examples = 10\nseed = 1\nphases = ["examples", "coverage", "fuzzing"]\n'
    report, _ = run_wiped(pytester, "shelves", suite)
    (finding,) = [f for f in report["findings"] if f["check"] == "use_after_delete"]
    assert finding["operation"] == "DELETE /shelves/{shelf_id}/books/{book_id}"
    sequence = finding["sequence"]
    (shelf,) = [e for e in sequence if e["method"] == "POST" and e["url"].endswith("/shelves")]
    assert shelf["status"] == 201
    made = shelf["response_headers"]["location"].rsplit("/", 1)[1]
    after = sequence[sequence.index(shelf) + 1 :]
    assert after and all(f"/shelves/{made}/books" in e["url"] for e in after), [e["url"] for e in sequence]
    assert [e["method"] for e in after][-3:] == ["GET", "DELETE", "GET"]


def test_a_creator_that_refuses_to_make_another_leaves_a_note_and_no_finding(pytester):
    # Record names stay taken after their records are deleted, so sending a creation again answers 409: no resource
    # for most follow-up checks. That is no finding (the exit status stays 0), and the follow-up item says which
    # checks were skipped where, and why, in one note per check and reason.
    # the engine's own checks on what is no promise of this spec (400s, extra fields refused) left out
    checks = 'checks = ["not_a_server_error", ' + ", ".join(f'"{c}"' for c in CHECKS) + "]\n"
    report, result = run_wiped(pytester, "records", SUITE.format(app="good_unique_names") + checks)
    assert result.ret == 0, [f["check"] for f in report["findings"]]
    assert report["findings"] == []
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert item["outcome"] == "passed"
    notes = item["notes"]
    alive = "none of those the engine made was still there, and re-sending its creation answered 409"
    # one note for the check and reason, naming both operations it could not run on
    assert [n for n in notes if n.startswith("idempotency")] == [
        f"idempotency: skipped on 2 operations, {alive}: PUT /records/{{record_id}}, DELETE /records/{{record_id}}"
    ], notes
    assert f"use_after_delete on DELETE /records/{{record_id}}: skipped, {alive}" in notes
    assert "read_after_write on POST /records: skipped, re-sending its creation answered 409" in notes


def test_skip_notes_are_one_per_check_and_reason_and_leave_out_where_the_check_ran():
    from apitest.fuzz._skips import Skips

    skips = Skips()
    labels = [f"PUT /r{n}/{{id}}" for n in range(12)]
    for label in labels:
        skips.skipped("idempotency", label, "no live resource")
    skips.skipped("idempotency", "DELETE /r0/{id}", "the spec documents no GET of the item to read it back")
    skips.skipped("read_after_write", "PUT /r0/{id}", "no live resource")
    skips.skipped("auth_error_leak", "GET /r0/{id}", "no live resource")
    skips.ran("auth_error_leak", "GET /r0/{id}")  # reached another way: checked after all
    skips.skipped("idempotency", labels[0], "a later reason")  # the first reason stays
    assert skips.notes() == [
        "idempotency: skipped on 12 operations, no live resource: PUT /r0/{id}, PUT /r1/{id}, PUT /r2/{id}, "
        "PUT /r3/{id}, PUT /r4/{id} and 7 more",
        "idempotency on DELETE /r0/{id}: skipped, the spec documents no GET of the item to read it back",
        "read_after_write on PUT /r0/{id}: skipped, no live resource",
    ]


def test_an_accepted_write_of_nothing_the_read_shows_leaves_a_note_not_a_run(pytester):
    # The one write is a PATCH of a memo the GET never shows (a write-only field): read_after_write has nothing to
    # read back, so it says so instead of counting as run, and finds nothing.
    report = run(pytester, "good_memo_patch")
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert [f for f in report["findings"] if f["check"] in CHECKS] == []
    written = [n for n in item["notes"] if n.startswith("read_after_write") and "PATCH /records/{record_id}" in n]
    assert written and "sent no field the item's GET describes" in written[0], item["notes"]


def test_a_resource_the_engine_never_had_an_id_of_leaves_a_note_saying_so(pytester):
    # No POST /records in the spec, and a PUT that only replaces: no record ever exists, so the checks that need a
    # live one say the engine run gave no id to work on, and what was missing to make one.
    report = run(pytester, "good_no_creation")
    (item,) = [i for i in report["items"] if i["name"] == "follow-up"]
    assert [f for f in report["findings"] if f["check"] in CHECKS] == []
    missing = [n for n in item["notes"] if "the engine run gave no id of one to work on" in n]
    assert missing, item["notes"]
    assert "the engine run had no accepted creation of it to re-send" in missing[0], missing
