from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from hypothesis import given, settings, strategies as st

from apitest.recorder import Recorder, merge
from apitest.results import (
    Exchange,
    Finding,
    ItemResult,
    LatencyStats,
    LoadResult,
    Outcome,
    RunError,
    RunMeta,
    RunResult,
    Severity,
    SloResult,
    Source,
    TimelinePoint,
)

text = st.text(max_size=20)
findings = st.builds(
    Finding,
    source=st.sampled_from(Source),
    check=text,
    operation=st.none() | text,
    title=text,
    message=text,
    severity=st.sampled_from(Severity),
    suite=text,
    curl=st.none() | text,
    exchange=st.none() | st.builds(Exchange, method=text, url=text, status=st.none() | st.integers(100, 599)),
    details=st.dictionaries(text, st.integers() | text, max_size=3),
)
items = st.builds(
    ItemResult,
    nodeid=text,
    source=st.sampled_from(Source),
    suite=text,
    name=text,
    outcome=st.sampled_from(Outcome),
    duration_s=st.floats(0, 100),
    cases=st.integers(0, 100),
)
loads = st.builds(
    LoadResult,
    suite=text,
    profile=text,
    shape=text,
    duration_s=st.floats(0, 100),
    total=st.builds(
        LatencyStats, name=text, requests=st.integers(0, 10), failures_by_kind=st.dictionaries(text, st.integers(0, 5))
    ),
    timeline=st.lists(
        st.builds(
            TimelinePoint,
            t=st.floats(0, 10),
            users=st.integers(0, 5),
            rps=st.floats(0, 9),
            p50_ms=st.floats(0, 9),
            p95_ms=st.floats(0, 9),
            p99_ms=st.floats(0, 9),
            errors=st.integers(0, 3),
        ),
        max_size=3,
    ).map(tuple),
    slos=st.lists(
        st.builds(
            SloResult, metric=text, scope=text, allowed=st.floats(0, 9), measured=st.floats(0, 9), passed=st.booleans()
        ),
        max_size=2,
    ).map(tuple),
)
runs = st.builds(
    RunResult,
    meta=st.builds(RunMeta, started=st.floats(0, 1e9), argv=st.lists(text, max_size=2).map(tuple)),
    items=st.lists(items, max_size=4),
    findings=st.lists(findings, max_size=4),
    load=st.lists(loads, max_size=2),
)


@given(runs)
def test_round_trip_through_json(run):
    assert RunResult.from_dict(json.loads(json.dumps(run.to_dict()))) == run


@settings(max_examples=40)
@given(st.lists(findings | items, max_size=12), st.randoms())
def test_merge_is_order_independent(records, rnd):
    meta = RunMeta(started=0.0)
    results = []
    for _ in range(2):
        shuffled = list(records)
        rnd.shuffle(shuffled)
        with tempfile.TemporaryDirectory() as folder:
            for i, record in enumerate(shuffled):
                Recorder(Path(folder), f"gw{i % 3}").record(record)
            results.append(merge(Path(folder), meta).to_dict())
    assert results[0] == results[1]


def test_fingerprint_ignores_message_and_title():
    a = Finding(Source.FUZZ, "not_a_server_error", "GET /a", "Server error", "500 at id=1", suite="s")
    b = Finding(Source.FUZZ, "not_a_server_error", "GET /a", "Server error!", "500 at id=99", suite="s")
    c = Finding(Source.FUZZ, "not_a_server_error", "GET /b", "Server error", "500 at id=1", suite="s")
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_torn_last_line_is_skipped(tmp_path):
    rec = Recorder(tmp_path, "main")
    rec.record(Finding(Source.LOAD, "slo.p95_ms", None, "p95 over"))
    with rec.path.open("a") as fh:
        fh.write('{"kind": "Finding", "data": {"sour')
    merged = merge(tmp_path, RunMeta(started=0))
    assert [f.check for f in merged.findings] == ["slo.p95_ms"]


def test_verdict():
    run = RunResult(meta=RunMeta(started=0, complete=True))
    assert run.verdict == "passed"
    run.items.append(ItemResult("n", Source.FUZZ, "s", "n", Outcome.ERROR, 0.1))
    assert run.verdict == "failed"


def test_a_run_cut_short_never_reads_passed_but_what_it_found_still_fails():
    cut = RunResult(meta=RunMeta(started=0, complete=False, interrupted="SIGTERM"))
    cut.items.append(ItemResult("a", Source.FUZZ, "s", "a", Outcome.PASSED, 0.1))
    assert cut.verdict == "incomplete"
    whole = RunResult(meta=RunMeta(started=0, complete=True))
    whole.items.append(ItemResult("b", Source.FUZZ, "s", "b", Outcome.INTERRUPTED, 0.1, error="not run"))
    assert whole.verdict == "incomplete"  # an item that did not finish is never a pass, whatever the flag says
    cut.findings.append(Finding(Source.FUZZ, "not_a_server_error", "GET /", "Server error"))
    assert cut.verdict == "failed"
    cut.errors.append(RunError("broken"))
    assert cut.verdict == "error"
    assert RunResult.from_dict(cut.to_dict()).meta.interrupted == "SIGTERM"


def test_one_finding_per_fingerprint_whichever_items_found_it():
    from apitest.results import format_findings

    first = Finding(Source.FUZZ, "use_after_free", "DELETE /b/{id}", "Resource still available", item="x::stateful")
    again = Finding(
        Source.FUZZ, "use_after_free", "DELETE /b/{id}", "Resource still available", item="x::DELETE /b/{id}"
    )
    other = Finding(Source.FUZZ, "not_a_server_error", "DELETE /b/{id}", "Server error", item="x::DELETE /b/{id}")
    result = RunResult(meta=RunMeta(started=1.0), findings=[first, again, other])
    result.sort()
    assert sorted(f.check for f in result.findings) == ["not_a_server_error", "use_after_free"]
    kept = next(f for f in result.findings if f.check == "use_after_free")
    assert kept.details["occurrences"] == 2 and kept.details["items"] == ["x::DELETE /b/{id}", "x::stateful"]
    assert result.summary()["findings"] == 2
    steps = Finding(
        Source.FUZZ,
        "use_after_free",
        "DELETE /b/{id}",
        "t",
        curl="curl -X GET b",
        details={"steps": ["curl a", "curl b"]},
    )
    assert "reproduce (2 requests in order, the last one fails):\n      curl a\n      curl b" in format_findings(
        [steps]
    )


def test_a_finding_the_engine_made_under_its_own_name_is_shown_once_as_the_engines():
    engine = Finding(Source.FUZZ, "use_after_free", "DELETE /b/{id}", "Resource still available", item="x::stateful")
    ours = Finding(
        Source.FUZZ,
        "use_after_delete",
        "DELETE /b/{id}",
        "Deleted resource still readable",
        item="x::follow-up",
        details={"same_defect_as": "use_after_free"},
    )
    elsewhere = dataclasses.replace(ours, operation="DELETE /c/{id}")  # the engine did not see this one: it stays
    result = RunResult(meta=RunMeta(started=1.0), findings=[ours, engine, elsewhere])
    result.sort()
    shown = {(f.check, f.operation): f for f in result.findings}
    assert set(shown) == {("use_after_free", "DELETE /b/{id}"), ("use_after_delete", "DELETE /c/{id}")}
    assert shown["use_after_free", "DELETE /b/{id}"].details["also_found_by"] == ["use_after_delete"]
