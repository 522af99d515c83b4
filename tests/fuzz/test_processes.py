"""A suite's operations spread over processes that still learn from each other, both ways: `apitest run -n N`
(xdist workers, fuzz/_grouped.py) and `[fuzz] processes = N` (forked children, fuzz/_forked.py), sharing through
fuzz/_pool.py; against real APIs on 127.0.0.1."""

from __future__ import annotations

import errno
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apitest.demo.bugs import PLANTED_BUGS
from apitest.fuzz._engine import EngineError
from apitest.fuzz.groups import operation_groups, operation_pieces, resource_of, ungrouped
from apitest.target import ServedApp

ROOT = Path(__file__).parents[2]


def apitest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apitest.cli", *args, "-p", "no:randomly", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def worker_of(output: str) -> dict[str, str]:
    """The xdist worker that ran each item, from -v's "[gw0] [ 50%] PASSED apitest.toml::GET /x" lines."""
    found = re.findall(r"^\[(gw\d+)\] \[[ \d]+%\] [A-Z]+ \S*apitest\.toml::(.+?)\s*$", output, re.MULTILINE)
    return {name: worker for worker, name in found}


@pytest.fixture
def handoff(tmp_path: Path) -> Iterator[str]:
    served = ServedApp("tests.apps.handoff:app", ROOT, "test", log=tmp_path / "serve.log")
    yield served.base_url
    served.close()


@pytest.mark.parametrize("spread", ["-n 2", "processes = 2"])
def test_an_id_captured_in_one_process_reaches_an_operation_in_another(tmp_path, handoff, spread):
    suite = tmp_path / "suite"
    suite.mkdir()
    # stateless phases only, and no follow-up check: the only GETs the API sees are the GET item's own cases
    (suite / "apitest.toml").write_text(
        f'base_url = "{handoff}"\n[fuzz]\nmax_examples = 20\nseed = 1\n'
        'phases = ["examples", "coverage", "fuzzing"]\nchecks = ["not_a_server_error"]\n'
        + (spread + "\n" if spread.startswith("processes") else "")
    )
    result = apitest(suite, "run", "-v", *(spread.split() if spread.startswith("-n") else []))
    assert result.returncode == 0, result.stdout[-3000:]
    pool = next((suite / "apitest-report" / ".records" / "fuzz-pool").iterdir())
    if spread.startswith("-n"):
        workers = worker_of(result.stdout)
        # two resources, two workers: one group each, so the GET never ran in the process that created notes
        assert workers.keys() == {"POST /notes", "GET /summaries/{note_id}"}, result.stdout[-3000:]
        assert workers["POST /notes"] != workers["GET /summaries/{note_id}"]
    else:
        # two pieces, and child i starts with piece i: the POST's values come from one child's file only, and the GET
        # was not there
        assert operation_pieces(["POST /notes", "GET /summaries/{note_id}"], 2) == [
            ["POST /notes"],
            ["GET /summaries/{note_id}"],
        ]
        published = {
            path.stem: {json.loads(line).get("op") for line in path.read_text().splitlines()}
            for path in pool.glob("p*.jsonl")
        }
        assert sorted(published) == ["p0", "p1"], published
        assert "POST /notes" in published["p0"] and "POST /notes" not in published["p1"], published
    # note IDs are UUIDs the API mints: a GET that found a note sent an ID from a POST's answer in the other process
    found = httpx.get(handoff + "/_found").json()
    assert found, "no GET carried an ID captured from POST /notes in the other process"
    report = json.loads((suite / "apitest-report" / "report.json").read_text())
    assert [i["name"] for i in report["items"]] == ["GET /summaries/{note_id}", "POST /notes"]  # once each, no @group
    seen = {c["operation"]: c["seen"] for c in report["coverage"]}
    assert "200" in seen["GET /summaries/{note_id}"]


def demo_findings(folder: Path, *args: str) -> tuple[dict, set[tuple[str, str]]]:
    folder.mkdir()
    result = apitest(folder, "demo", "--buggy", "-q", "-m", "apitest_fuzz", *args)
    assert result.returncode == 1, result.stdout[-3000:]
    report = json.loads((folder / "apitest-report" / "report.json").read_text())
    # max_response_time and slow_operation measure this loaded machine's timing, not the API's behaviour; the
    # sequence checks of the stateful phase (use_after_free, ensure_resource_availability) depend on which
    # sequences it draws, which the values the groups shared change: a full-suite run once missed use_after_free
    # on DELETE /v1/books/{book_id} with processes = 2 (the planted bugs are still asserted for every way); and
    # use_after_delete, which the report folds into use_after_free where the stateful phase found that
    left_out = {
        "max_response_time",
        "slow_operation",
        "use_after_free",
        "use_after_delete",
        "ensure_resource_availability",
    }
    return report, {(f["operation"], f["check"]) for f in report["findings"] if f["check"] not in left_out}


def test_two_processes_find_what_one_finds_on_the_buggy_demo(tmp_path):
    one, alone = demo_findings(tmp_path / "one")
    for name, args in {"xdist": ("-n", "2"), "forked": ("--apitest-processes", "2")}.items():
        two, spread = demo_findings(tmp_path / name, *args)
        # the same findings (operation and check); the cases differ, since two processes interleave their requests
        # to the one demo API (whose rate limiter counts requests) differently from run to run
        assert spread == alone, (name, spread ^ alone)
        for bug in PLANTED_BUGS:
            caught = [f for f in two["findings"] if f["operation"] == bug.operation and f["check"] in bug.checks]
            assert caught, (name, bug.key)
        # one item per operation, stateful and follow-up, as in one process, each with its cases
        assert sorted(i["name"] for i in two["items"]) == sorted(i["name"] for i in one["items"]), name
        assert all(i["cases"] > 0 for i in two["items"]), (name, two["items"])
        # every documented operation in the coverage; rows of undocumented methods a probe found, and status counts,
        # depend on what the shared demo API's state was when each request came (e.g. its rate limiter)
        assert documented(two) == documented(one), name


def documented(report: dict) -> list[str]:
    return sorted(c["operation"] for c in report["coverage"] if "|" not in c["operation"].split(" ", 1)[0])


def test_a_forked_child_that_fails_or_dies_errors_its_items_and_the_others_go_on(tmp_path):
    from apitest.fuzz._forked import ForkedRun

    def make_run(labels, pool, name):
        if list(labels) == ["GET /a"]:
            raise RuntimeError("no engine for you")
        os._exit(3)  # the child dies without a word

    run = ForkedRun(
        [["GET /a"], ["GET /b"]], processes=2, folder=tmp_path, make_run=make_run, piece_name=lambda i: f"g{i}"
    )
    with pytest.raises(EngineError, match="RuntimeError: no engine for you"):
        run.result("GET /a")
    with pytest.raises(EngineError, match=r"ended \(exit status 3\) without its results"):
        run.result("GET /b")
    assert run.wait_all() == {"g0", "g1"}


def test_forked_children_share_out_the_pieces_as_they_finish(tmp_path):
    from apitest.fuzz._engine import FuzzRun
    from apitest.fuzz._forked import ForkedRun

    class Sleepy:  # a piece's run: GET /slow takes 3 s, every other operation none
        def __init__(self, labels):
            self.labels = labels

        def result(self, label):
            time.sleep(3.0 if label == "GET /slow" else 0.0)
            return FuzzRun(cases=os.getpid())

        def close(self):
            pass

    pieces = [["GET /slow"], ["GET /a"], ["GET /b"], ["GET /c"], ["GET /d"]]
    run = ForkedRun(
        pieces,
        processes=2,
        folder=tmp_path,
        make_run=lambda labels, pool, name: Sleepy(labels),
        piece_name=lambda i: f"g{i}",
    )
    pids = {piece[0]: run.result(piece[0]).cases for piece in pieces}
    assert run.wait_all() == set()
    # the child with the slow piece took nothing else: the other did every quick piece, one after another
    assert pids["GET /slow"] not in {pids[label] for label in ("GET /a", "GET /b", "GET /c", "GET /d")}
    assert len({pids[label] for label in ("GET /a", "GET /b", "GET /c", "GET /d")}) == 1


def test_a_forked_child_that_dies_holding_a_piece_errors_it_and_the_other_child_takes_the_rest(tmp_path):
    from apitest.fuzz._engine import FuzzRun
    from apitest.fuzz._forked import ForkedRun

    class Fatal:
        def __init__(self, labels):
            self.labels = labels

        def result(self, label):
            if label == "GET /dies":
                os._exit(7)
            time.sleep(0.3)
            return FuzzRun(cases=1)

        def close(self):
            pass

    pieces = [["GET /dies"], ["GET /a"], ["GET /b"], ["GET /c"]]
    run = ForkedRun(
        pieces,
        processes=2,
        folder=tmp_path,
        make_run=lambda labels, pool, name: Fatal(labels),
        piece_name=lambda i: f"g{i}",
    )
    with pytest.raises(EngineError, match=r"ended \(exit status 7\) without its results"):
        run.result("GET /dies")
    assert [run.result(label).cases for label in ("GET /a", "GET /b", "GET /c")] == [1, 1, 1]
    assert run.wait_all() == {"g0"}


def test_operations_are_dealt_out_by_resource_and_evenly():
    labels = [
        "GET /api/v1/books",
        "POST /api/v1/books",
        "GET /api/v1/books/{id}",
        "GET /orders",
        "POST /orders",
        "GET /health",
    ]
    assert resource_of("/api/v1/books/{id}") == "books" and resource_of("/v2/orders") == "orders"
    groups = operation_groups(labels, 2)
    assert sorted(map(len, groups)) == [3, 3]
    assert ["GET /api/v1/books", "POST /api/v1/books", "GET /api/v1/books/{id}"] in groups  # a resource together
    assert sorted(sum(groups, [])) == sorted(labels)  # every operation once
    # never a resource cut in two, even with workers to spare: one process would delete what another works on
    assert sorted(operation_groups(labels, 6), key=len) == [["GET /health"], labels[3:5], labels[:3]]
    assert operation_groups(labels[:3], 2) == [labels[:3]]
    assert operation_groups(labels, 1) == [labels]
    assert ungrouped("s/apitest.toml::GET /x@apitest-fuzz-0123abcd-after") == "s/apitest.toml::GET /x"
    assert ungrouped("t.py::test_x@mine") == "t.py::test_x@mine"  # a group of the user's own is left alone


def test_forked_runs_cut_the_spec_into_pieces_by_resource_about_two_per_process():
    books = ["GET /v1/books", "POST /v1/books", "GET /v1/books/{id}", "PUT /v1/books/{id}", "DELETE /v1/books/{id}"]
    labels = ["GET /health", "GET /v1/stats", *books, "POST /v1/orders", "GET /v1/orders/{id}"]
    pieces = operation_pieces(labels, 2)
    assert sorted(sum(pieces, [])) == sorted(labels)  # every operation once
    # 9 operations, 2 processes: pieces of about 3, but books (5) is never cut: one process would delete what the
    # other works on
    assert pieces == [books, ["GET /health", "GET /v1/stats"], labels[-2:]]  # largest first; small ones merged
    assert operation_pieces(labels, 8) == [books, labels[-2:], ["GET /health"], ["GET /v1/stats"]]
    assert operation_pieces(books, 2) == [books]


def test_a_value_one_process_deletes_is_gone_for_the_others_too(tmp_path):
    # One process: a DELETE the API accepted takes the ID out of the engine's pool, so no later case sends it. The
    # same across processes: the others drop it, and one that reads the value only after its removal never takes it.
    import schemathesis

    from apitest.fuzz._pool import SharedPool
    from tests.apps.handoff import create_app

    document = create_app().openapi()

    def repository_of(pool: SharedPool):
        schema = schemathesis.openapi.from_dict(document)
        pool.attach(schema)
        return schema.create_extra_data_source().repository

    first, second = SharedPool(tmp_path, "a"), SharedPool(tmp_path, "b")
    mine, theirs = repository_of(first), repository_of(second)
    (resource,) = {d.resource_name for d in mine.descriptors_for_operation("POST /notes")}
    for note in ("n1", "n2"):
        mine._store(
            resource_name=resource, data={"id": note}, source_operation="POST /notes", status_code=201, context={}
        )
    second.refresh(force=True)
    assert sorted(i.data["id"] for i in theirs.iter_instances(resource)) == ["n1", "n2"]
    assert mine.remove_by_value(resource, "n1") == 1
    time.sleep(0.1)  # past the pool's refresh interval
    assert [i.data["id"] for i in theirs.iter_instances(resource)] == ["n2"]
    late = repository_of(SharedPool(tmp_path, "c"))  # reads n1's value and its removal at once
    assert [i.data["id"] for i in late.iter_instances(resource)] == ["n2"]


def test_a_pool_whose_folder_breaks_shares_no_more_says_so_once_and_waits_for_nothing(tmp_path):
    # The records folder taken away mid-run (recorder.py): sharing stops, nothing raises into the engine, the run is
    # told once (the recorder then ends it with exit status 4), and no group waits 120 s for news that cannot come.
    from apitest.fuzz._pool import SharedPool

    folder = tmp_path / "pool"
    told: list[OSError] = []
    pool = SharedPool(folder, "a", on_error=told.append)
    pool.publish({"k": "value", "r": "Note", "d": {"id": 1}})
    (folder / "a.jsonl").unlink()
    folder.rmdir()
    folder.write_text("a file in its place")
    late = SharedPool(folder, "b", on_error=told.append)
    late.publish({"k": "done", "g": "g0", "w": "b"})
    assert [type(exc) for exc in told] == [FileExistsError]
    started = time.monotonic()
    assert pool.wait_for(["g1"]) == {"g1"}
    assert time.monotonic() - started < 1.0
    full = tmp_path / "full"
    full.mkdir()
    (full / "c.jsonl").symlink_to("/dev/full")  # a full disk: every write fails with ENOSPC
    filled = SharedPool(full, "c", on_error=told.append)
    filled.publish({"k": "done", "g": "g0", "w": "c"})
    filled.publish({"k": "done", "g": "g1", "w": "c"})
    assert [exc.errno for exc in told[1:]] == [errno.ENOSPC]
    for each in (pool, late, filled):
        each.close()


def test_what_the_groups_shared_is_taken_in_the_groups_order_whichever_process_ran_them(tmp_path):
    # Which child runs which piece changes from run to run; the stateful phase and the follow-ups, which start once
    # every piece is done, take in what the pieces shared by piece, not by the processes' files (p0, p1), so they
    # draw from the same values in the same order each time.
    from apitest.fuzz._pool import SharedPool

    def shared(first: str, second: str) -> list[tuple[str, int]]:
        folder = tmp_path / first
        for worker, group in (("p0", first), ("p1", second)):
            pool = SharedPool(folder, worker)
            pool.origin = group
            for n in range(2):
                pool.publish({"k": "exemplar", "n": n})
            pool.close()
        reader = SharedPool(folder, "main")
        try:
            return [(r["o"], r["n"]) for r in reader.records("exemplar")]
        finally:
            reader.close()

    in_order = [("g0", 0), ("g0", 1), ("g1", 0), ("g1", 1)]
    assert shared("g0", "g1") == in_order
    assert shared("g1", "g0") == in_order  # p0 ran the second group this time
